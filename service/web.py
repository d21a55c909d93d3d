"""What the browser pages need besides their routes: the signed session cookie, CSRF
tokens, and the wording that turns an analysis into a page a patient can read.

The routes themselves are in :mod:`service.routes.web`; they call the JSON API's own
handlers, so this module holds no analysis or storage logic.

The session cookie holds a CSRF token and, after sign-in, the *id* of the clinic key that
signed in (never the key: the cookie is signed, not encrypted). Every request checks that
the key is still active, so revoking it signs the browser out.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import logging
import math
import os
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from model.explain import percent, sole_lean
from service.settings import Settings

log = logging.getLogger("solescan.web")

PACKAGE_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = PACKAGE_DIR / "templates"
STATIC_DIR = PACKAGE_DIR / "static"

SESSION_COOKIE = "solescan_session"
# A signed-in browser is asked for the key again after this long, even if left open.
SESSION_MAX_AGE_S = 12 * 3600
SECRET_FILE = "session_secret"
_SIGNING_CONTEXT = b"solescan-session-v1|"


# -- session cookie ------------------------------------------------------------------------


@dataclass(frozen=True)
class WebSession:
    """The browser session: a CSRF token and the signed-in key's id (if any)."""

    csrf: str
    key_id: int | None = None
    # The key's public prefix too: a key id alone could name another key in a new store.
    key_prefix: str | None = None
    issued_at: int = field(default_factory=lambda: int(time.time()))
    # True when the cookie must be (re)sent with the response.
    dirty: bool = field(default=False, compare=False)

    @classmethod
    def new(cls, *, key_id: int | None = None, key_prefix: str | None = None) -> WebSession:
        """A fresh session with a new CSRF token (on first visit, sign-in and sign-out)."""
        return cls(csrf=secrets.token_urlsafe(32), key_id=key_id, key_prefix=key_prefix, dirty=True)

    def signed_out(self) -> WebSession:
        return replace(self, key_id=None, key_prefix=None, dirty=True)

    def csrf_matches(self, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(self.csrf.encode(), str(token).encode())


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(secret: bytes, payload: str) -> str:
    return _b64(hmac.new(secret, _SIGNING_CONTEXT + payload.encode(), hashlib.sha256).digest())


def encode_session(session: WebSession, *, secret: bytes) -> str:
    """The cookie value: base64 JSON payload and its HMAC-SHA256 signature."""
    body = {"c": session.csrf, "k": session.key_id, "p": session.key_prefix, "t": session.issued_at}
    payload = _b64(json.dumps(body, separators=(",", ":")).encode())
    return f"{payload}.{_signature(secret, payload)}"


def decode_session(
    value: str | None, *, secret: bytes, now: float | None = None
) -> WebSession | None:
    """The session in a cookie value, or None when absent, forged or expired."""
    if not value or value.count(".") != 1:
        return None
    payload, signature = value.split(".")
    if not hmac.compare_digest(signature.encode(), _signature(secret, payload).encode()):
        return None
    try:
        body = json.loads(_unb64(payload))
        csrf, key_id, prefix, issued = body["c"], body["k"], body["p"], body["t"]
    except (ValueError, KeyError, TypeError):
        return None
    if not isinstance(csrf, str) or not isinstance(issued, int):
        return None
    if (key_id is None) != (prefix is None):
        return None
    if key_id is not None and not (isinstance(key_id, int) and isinstance(prefix, str)):
        return None
    age = (time.time() if now is None else now) - issued
    if age < 0 or age > SESSION_MAX_AGE_S:
        return None
    return WebSession(csrf=csrf, key_id=key_id, key_prefix=prefix, issued_at=issued)


def resolve_session_secret(settings: Settings) -> bytes:
    """The cookie-signing secret: the setting, else one kept in the data directory.

    A file rather than a per-process random value because ``solescan serve`` runs one
    worker process per core: a cookie signed by one worker must verify in the others,
    and a restart should not sign every clinic out.
    """
    if settings.session_secret is not None and settings.session_secret.get_secret_value():
        return settings.session_secret.get_secret_value().encode()
    path = settings.data_dir / SECRET_FILE
    try:
        return _read_or_create_secret(path)
    except OSError as error:
        log.warning(
            "cannot keep the session secret in %s (%s): browser sign-in lasts until this "
            "worker stops; set SOLESCAN_SESSION_SECRET",
            path,
            error.strerror,
        )
        return secrets.token_bytes(32)


def _read_or_create_secret(path: Path) -> bytes:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
        try:
            # link() never replaces: of several workers starting at once, one secret wins.
            with contextlib.suppress(FileExistsError):
                os.link(temporary, path)
        finally:
            temporary.unlink()
    secret = path.read_text().strip()
    if len(secret) < 32:
        raise OSError(0, "the file holds no usable secret")
    return secret.encode()


# -- wording -------------------------------------------------------------------------------

LABEL_NAMES = {
    "neutral": "Neutral",
    "overpronation": "Overpronation",
    "underpronation": "Underpronation",
    "undetermined": "Undetermined",
}
LABEL_HINTS = {
    "neutral": "normal pronation",
    "overpronation": "the foot rolls inward too far; flat feet, fallen arches",
    "underpronation": "the foot rolls inward too little; supination, high arches",
    "undetermined": "the photo does not show enough to decide",
}
REASON_TEXTS = {
    "low_confidence": "the wear pattern is not clear enough to decide",
    "poor_quality": "the photo is too blurred, too dark or too small",
    "conflicting_zones": "different parts of the sole point different ways",
}
VIEW_NAMES = {"outsole": "shoe sole", "insole": "insole", "print": "footprint"}
ZONES = ("heel", "midfoot", "forefoot", "toes")
BANDS = ("medial", "central", "lateral")
_ZONE_WORDS = {
    "heel": "heel",
    "midfoot": "midfoot (arch)",
    "forefoot": "ball of the foot",
    "toes": "toes",
}
_BAND_WORDS = {"medial": "inner", "central": "middle", "lateral": "outer"}
# A grid cell is named in the overlay's text alternative from this wear (0..1).
_NOTABLE_WEAR = 0.15

# Titles for photos that could not be analysed (the message itself says what to do).
REJECTION_TITLES = {
    "no_sole_found": "No sole found",
    "unsupported_format": "Not a photo",
    "unreadable_image": "The photo file is damaged",
    "image_too_small": "The photo is too small",
    "image_too_large": "The photo is too large",
    "request_too_large": "The file is too large",
    "empty_image": "The file is empty",
    "busy": "solescan is busy",
}
# What to do about a refused photo, beyond the message (which already says what to fix).
REMEDIES: dict[str, tuple[str, list[str]]] = {
    "no_sole_found": (
        "To retake the photo:",
        [
            "Photograph the bottom of the shoe, or the top of the insole.",
            "Lay it on a plain surface and fill most of the frame with it.",
            "Keep the whole sole inside the picture, toe and heel included.",
        ],
    ),
    "image_too_small": (
        "To retake the photo:",
        ["Take the photo closer, with the sole filling most of the frame."],
    ),
    "unreadable_image": (
        "What to do:",
        ["Take the photo again, or send the original file from the camera."],
    ),
}


def pct(probability: float | None) -> int:
    """A probability as a whole percentage, as the analysis's own texts give it."""
    if probability is None or not math.isfinite(probability):
        return 0
    return percent(max(0.0, min(1.0, probability)))


def closest_reading(probabilities: Mapping[str, float]) -> str:
    """The class an ``undetermined`` foot came closest to, by name ("Underpronation").

    Its confidence is that class's probability, not a confidence in "undetermined", so
    the pages name the class beside the figure rather than show it under the verdict.
    """
    if not probabilities:
        return ""
    closest = max(probabilities, key=lambda name: probabilities[name])
    return LABEL_NAMES.get(closest, closest)


def reading_text(foot: Mapping[str, Any]) -> str:
    """A foot's reading in a few words: "Neutral, 88% confidence", or for a foot with no
    reading "Undetermined (closest: Underpronation, 65%)"."""
    label = str(foot.get("label", ""))
    percent = pct(foot.get("confidence"))
    if label == "undetermined":
        closest = closest_reading(foot.get("probabilities") or {})
        if not closest:
            return LABEL_NAMES[label]
        return f"{LABEL_NAMES[label]} (closest: {closest}, {percent}%)"
    return f"{LABEL_NAMES.get(label, label)}, {percent}% confidence"


def _metric(metrics: Mapping[str, Any], name: str) -> float | None:
    value = metrics.get(name)
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def wear_places(metrics: Mapping[str, Any], *, limit: int = 2) -> list[str]:
    """Where the wear is strongest, in words ("the inner heel"), strongest first."""
    cells = []
    for zone in ZONES:
        for band in BANDS:
            value = _metric(metrics, f"wear_{zone}_{band}")
            if value is not None and value >= _NOTABLE_WEAR:
                cells.append((value, zone, band))
    cells.sort(reverse=True)
    places = []
    for _value, zone, band in cells[:limit]:
        if band == "central":
            places.append(f"the middle of the {_ZONE_WORDS[zone]}")
        else:
            places.append(f"the {_BAND_WORDS[band]} {_ZONE_WORDS[zone]}")
    return places


def overlay_alt(analysis: Mapping[str, Any]) -> str:
    """The overlay picture in words: what is drawn, where the wear is, the reading."""
    view = str(analysis.get("view", "outsole"))
    thing = VIEW_NAMES.get(view, view)
    feet = list(analysis.get("feet", []))
    mark = "imprint" if view == "insole" else "wear"
    parts = [
        f"Overlay on the photo of {len(feet)} {thing}{'s' if len(feet) != 1 else ''}: "
        "each outlined and divided into heel, midfoot, forefoot and toe zones, with a "
        f"heat map of the {mark} and an arrow pointing to the inner (medial) edge."
    ]
    if view == "insole":
        parts.append("A line runs around the imprint the arch index is read from.")
    for foot in feet:
        places = wear_places(foot.get("metrics", {}))
        where = f"most {mark} at {' and '.join(places)}" if places else f"little {mark} anywhere"
        parts.append(
            f"{str(foot.get('side', '')).capitalize()} {thing}: {where}; reading "
            f"{reading_text(foot)}."
        )
    return " ".join(parts)


@dataclass(frozen=True)
class GridCell:
    value: float | None
    heat: int  # 0..5, the cell's shade


def wear_grid(metrics: Mapping[str, Any]) -> list[tuple[str, list[GridCell]]]:
    """The 4 x 3 wear grid, toes first (as the overlay shows the foot, toe up)."""
    rows = []
    for zone in reversed(ZONES):
        cells = []
        for band in BANDS:
            value = _metric(metrics, f"wear_{zone}_{band}")
            heat = 0 if value is None else min(5, int(max(0.0, value) * 6))
            cells.append(GridCell(value=value, heat=heat))
        rows.append((_ZONE_WORDS[zone].capitalize(), cells))
    return rows


@dataclass(frozen=True)
class Measure:
    name: str
    value: str
    note: str


def _signed(value: float) -> str:
    return f"{value:+.2f}".replace("-", "\u2212")


def measures(metrics: Mapping[str, Any], *, view: str) -> list[Measure]:
    """The figures behind the reading, each with what it means."""
    found: list[Measure] = []
    lean, where = sole_lean(metrics, view)
    if lean is not None:
        found.append(
            Measure(
                f"Inner/outer {'imprint' if view == 'insole' else 'wear'} balance (MLWI)",
                _signed(lean),
                f"{where}; above 0 = more on the inner side, below 0 = outer",
            )
        )
    zones = [
        f"{_ZONE_WORDS[z]} {_signed(v)}"
        for z in ZONES
        if (v := _metric(metrics, f"mlwi_{z}")) is not None
    ]
    if zones:
        found.append(Measure("MLWI by zone", ", ".join(zones), "same scale, zone by zone"))
    wear = _metric(metrics, "wear_total")
    if wear is not None:
        found.append(
            Measure(
                "Average imprint darkening" if view == "insole" else "Average wear",
                f"{wear:.2f}",
                "0 = none, 1 = strongest",
            )
        )
    arch = _metric(metrics, "arch_index")
    if arch is not None:
        found.append(
            Measure("Arch index", f"{arch:.2f}", "0.21 to 0.26 normal; higher = flatter arch")
        )
    for name, title, note in (
        ("chippaux_smirak", "Chippaux-Smirak index", "narrowest midfoot / widest forefoot"),
        ("staheli", "Staheli index", "narrowest arch / widest heel"),
    ):
        value = _metric(metrics, name)
        if value is not None:
            found.append(Measure(title, f"{value:.2f}", note))
    sharp, exposure = _metric(metrics, "quality_sharpness"), _metric(metrics, "quality_exposure")
    if sharp is not None and exposure is not None:
        found.append(
            Measure(
                "Photo quality",
                f"sharpness {sharp:.2f}, exposure {exposure:.2f}",
                "1 = best",
            )
        )
    return found


def safe_next(target: str | None) -> str:
    """A local path to return to after sign-in; anything else goes home."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    if target.startswith("/signin") or target.startswith("/signout"):
        return "/"
    return target
