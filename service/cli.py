"""The ``solescan`` command line: a thin layer over ``model`` and the service.

Each sub-command parses its arguments and calls one function; none holds logic of its
own. Heavy imports happen inside the handlers so ``solescan --help`` stays instant.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
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
    )


def _cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    workers = args.workers or os.cpu_count() or 1
    uvicorn.run(
        "service.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=workers,
        log_config=None,
    )
    return 0


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
        "--promote",
        type=Path,
        default=None,
        metavar="DIR",
        help="promote into DIR only if it beats the model there",
    )
    train.set_defaults(handler=_cmd_train)

    serve = sub.add_parser("serve", help="run the HTTP service")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=None, help="default: one per core")
    serve.set_defaults(handler=_cmd_serve)

    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``solescan`` console script."""
    args = build_parser().parse_args(argv)
    handler: Handler = args.handler
    return handler(args)


if __name__ == "__main__":
    sys.exit(main())
