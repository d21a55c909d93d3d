"""``solescan analyze``: run the analyser over files and print JSON Lines or a summary.

A bad file never stops the others: it is reported as ``rejected`` with its reason.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from model.analyze import Analyzer, SideChoice, ViewChoice, load_analyzer, rejection_dict
from model.errors import ModelArtifactError, SolescanError
from model.explain import percent


def analyze_file(
    analyzer: Analyzer, path: Path, *, view: ViewChoice, side: SideChoice, overlay_dir: Path | None
) -> dict[str, Any]:
    """The result dictionary of one file (status ok or rejected), overlay written if asked."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return {
            "file": str(path),
            **rejection_dict(
                SolescanError(f"Cannot read the file: {exc.strerror or exc}. Check the path.")
            ),
        }
    try:
        result = analyzer.analyze(data, view=view, side=side)
    except SolescanError as exc:
        return {"file": str(path), **rejection_dict(exc), "model_version": analyzer.version}
    out = {"file": str(path), **result.to_dict()}
    if overlay_dir is not None:
        overlay_dir.mkdir(parents=True, exist_ok=True)
        target = overlay_dir / f"{path.stem}.overlay.png"
        target.write_bytes(result.overlay_png())
        out["overlay"] = str(target)
    return out


def summary_text(result: dict[str, Any]) -> str:
    """A readable summary of one result dictionary."""
    lines = [f"{result['file']}:"]
    if result["status"] != "ok":
        err = result["error"]
        lines.append(f"  rejected ({err.get('reason') or err['code']}): {err['message']}")
        return "\n".join(lines)
    lines[0] += f" {result['view']} view ({result['view_source']}), model {result['model_version']}"
    for foot in result["feet"]:
        label = foot["label"]
        if foot["undetermined_reason"]:
            label += f" ({foot['undetermined_reason'].replace('_', ' ')})"
        probs = ", ".join(f"{k} {percent(v)}%" for k, v in foot["probabilities"].items())
        lines.append(f"  {foot['side']} foot ({foot['side_source']}): {label} - {probs}")
        for sentence in foot["explanation"]["evidence"]:
            lines.append(f"    - {sentence}")
    comparison = result.get("comparison")
    if comparison:
        for note in comparison.get("notes", []):
            lines.append(f"  * {note}")
    if result.get("overlay"):
        lines.append(f"  overlay: {result['overlay']}")
    return "\n".join(lines)


def analyze_files(
    photos: Sequence[Path],
    *,
    view: ViewChoice = "auto",
    side: SideChoice = "auto",
    as_json: bool = False,
    overlay_dir: Path | None = None,
    model_path: Path | None = None,
    out: TextIO | None = None,
) -> int:
    """Analyse every photo; exit status 0 when all were analysed, 1 if any was rejected."""
    out = out or sys.stdout
    try:
        analyzer = load_analyzer(model_path)
    except ModelArtifactError as exc:
        print(f"solescan: {exc.message}", file=sys.stderr)
        return 2
    status = 0
    for path in photos:
        result = analyze_file(analyzer, Path(path), view=view, side=side, overlay_dir=overlay_dir)
        if result["status"] != "ok":
            status = 1
        print(json.dumps(result) if as_json else summary_text(result), file=out, flush=True)
    return status
