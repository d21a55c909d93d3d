"""The ``solescan`` command line: a thin layer over ``model`` and the service.

Each sub-command parses its arguments and calls one function; none holds logic of its
own. Heavy imports happen inside the handlers so ``solescan --help`` stays instant.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

Handler = Callable[[argparse.Namespace], int]


def _cmd_synth(args: argparse.Namespace) -> int:
    from model.synth.corpus import CorpusConfig, render_corpus

    config = CorpusConfig.from_cli(views=args.views, max_megapixels=args.max_megapixels)
    summary = render_corpus(
        args.n, seed=args.seed, out_dir=args.out, workers=args.workers, config=config
    )
    print(summary)
    return 0


def _cmd_analyze(args: argparse.Namespace) -> int:
    from model.cli_output import analyze_files

    return analyze_files(
        args.photos,
        view=args.view,
        side=args.side,
        as_json=args.json,
        overlay_dir=args.overlay,
        model_path=args.model,
    )


def _cmd_train(args: argparse.Namespace) -> int:
    from model.training import train_command

    return train_command(
        manifests=args.manifests,
        out=args.out,
        seed=args.seed,
        cache_dir=args.cache,
        workers=args.workers,
        promote=args.promote,
        holdout=args.holdout or (),
        family=args.family,
    )


def _cmd_export(args: argparse.Namespace) -> int:
    from service.export import export_command

    return export_command(out=args.out, clinic=args.clinic, since=args.since, until=args.until)


def _cmd_serve(args: argparse.Namespace) -> int:
    from service.admin import serve

    return serve(host=args.host, port=args.port, workers=args.workers)


def _cmd_keys_create(args: argparse.Namespace) -> int:
    from service.admin import keys_create

    return keys_create(args.clinic)


def _cmd_keys_list(args: argparse.Namespace) -> int:
    from service.admin import keys_list

    return keys_list()


def _cmd_keys_revoke(args: argparse.Namespace) -> int:
    from service.admin import keys_revoke

    return keys_revoke(args.key)


def _cmd_purge(args: argparse.Namespace) -> int:
    from service.admin import purge

    return purge()


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command."""
    parser = argparse.ArgumentParser(
        prog="solescan",
        description="Screen shoe-sole and insole photos for pronation.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    synth = sub.add_parser("synth", help="render a labeled synthetic photo corpus")
    synth.add_argument("--n", type=int, required=True, help="number of photos")
    synth.add_argument("--seed", type=int, default=0, help="random seed (deterministic)")
    synth.add_argument("--out", type=Path, required=True, help="output directory")
    synth.add_argument("--workers", type=int, default=None, help="processes (default: cores)")
    synth.add_argument(
        "--views",
        default="outsole,insole,print,negative",
        help="comma-separated mix of outsole, insole, print, negative",
    )
    synth.add_argument(
        "--max-megapixels", type=float, default=12.0, help="largest photo size to render"
    )
    synth.set_defaults(handler=_cmd_synth)

    analyze = sub.add_parser("analyze", help="analyse photos of soles or insoles")
    analyze.add_argument("photos", nargs="+", type=Path, metavar="PHOTO")
    analyze.add_argument("--view", choices=["outsole", "insole", "print", "auto"], default="auto")
    analyze.add_argument("--side", choices=["left", "right", "auto"], default="auto")
    analyze.add_argument("--json", action="store_true", help="one JSON object per photo")
    analyze.add_argument(
        "--overlay",
        type=Path,
        default=None,
        metavar="DIR",
        help="write an overlay PNG per photo into DIR",
    )
    analyze.add_argument(
        "--model", type=Path, default=None, help="model artifact (default: the shipped one)"
    )
    analyze.set_defaults(handler=_cmd_analyze)

    train = sub.add_parser("train", help="train the classifier from labeled manifests")
    train.add_argument("manifests", nargs="+", type=Path, metavar="MANIFEST")
    train.add_argument("--out", type=Path, required=True, help="artifact directory")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--cache", type=Path, default=None, help="feature cache directory")
    train.add_argument("--workers", type=int, default=None)
    train.add_argument(
        "--family",
        # The keys of model.classifier.PRONATION_FAMILIES (not imported here: the CLI
        # starts without loading scikit-learn).
        choices=("hgb", "logistic"),
        default="hgb",
        help="pronation model family: hgb (calibrated gradient-boosted trees, as shipped) "
        "or logistic (a linear baseline)",
    )
    train.add_argument(
        "--promote",
        type=Path,
        default=None,
        metavar="DIR",
        help="promote into DIR only if it beats the model there",
    )
    train.add_argument(
        "--holdout",
        type=Path,
        action="append",
        default=None,
        metavar="MANIFEST",
        help="held-out manifest for --promote (repeatable); default: hold out 20%% of the "
        "photo groups of the training manifests",
    )
    train.set_defaults(handler=_cmd_train)

    export = sub.add_parser(
        "export", help="write clinician-labelled kept photos as a training manifest"
    )
    export.add_argument("--out", type=Path, required=True, help="output directory")
    export.add_argument("--clinic", default=None, help="only this clinic (default: all)")
    export.add_argument(
        "--since",
        type=date.fromisoformat,
        default=None,
        metavar="YYYY-MM-DD",
        help="only analyses made on or after this day (UTC)",
    )
    export.add_argument(
        "--until",
        type=date.fromisoformat,
        default=None,
        metavar="YYYY-MM-DD",
        help="only analyses made on or before this day (UTC)",
    )
    export.set_defaults(handler=_cmd_export)

    serve = sub.add_parser("serve", help="run the HTTP service")
    serve.add_argument(
        "--host",
        default=None,
        help="listen address (default: SOLESCAN_HOST or 127.0.0.1); any "
        "non-loopback address needs API keys",
    )
    serve.add_argument("--port", type=int, default=None, help="default: SOLESCAN_PORT or 8000")
    serve.add_argument("--workers", type=int, default=None, help="default: one per core")
    serve.set_defaults(handler=_cmd_serve)

    keys = sub.add_parser("keys", help="manage the clinics' API keys")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True, metavar="ACTION")
    keys_create = keys_sub.add_parser("create", help="make a key for a clinic (printed once)")
    keys_create.add_argument("--clinic", required=True, help="the clinic's name")
    keys_create.set_defaults(handler=_cmd_keys_create)
    keys_list = keys_sub.add_parser("list", help="list keys (prefix, clinic, dates)")
    keys_list.set_defaults(handler=_cmd_keys_list)
    keys_revoke = keys_sub.add_parser("revoke", help="revoke a key")
    keys_revoke.add_argument("key", metavar="PREFIX_OR_ID", help="as shown by `keys list`")
    keys_revoke.set_defaults(handler=_cmd_keys_revoke)

    purge = sub.add_parser("purge", help="erase kept photos past the retention period")
    purge.set_defaults(handler=_cmd_purge)

    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``solescan`` console script."""
    args = build_parser().parse_args(argv)
    from model.analyze import use_one_thread

    use_one_thread()
    handler: Handler = args.handler
    try:
        return handler(args)
    except BrokenPipeError:
        # Whoever read the output has gone (`solescan analyze *.jpg | head`): stop quietly,
        # as other command-line tools do, with the status a shell gives a program stopped
        # by SIGPIPE. Python would print a traceback here and again on flushing stdout
        # at exit, so stdout now points at /dev/null.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + signal.SIGPIPE


if __name__ == "__main__":
    sys.exit(main())
