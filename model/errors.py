"""Errors raised by the core. Each carries a stable ``code`` and a message for the user.

The service maps them to HTTP statuses in one place; the command line prints them.
A message always says what was wrong and what to do about it.
"""

from __future__ import annotations


class SolescanError(Exception):
    """Base class: something about the input or the artifact prevents a result."""

    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidPhoto(SolescanError):
    """The bytes are not a photo solescan can read (base class for photo problems)."""

    code = "invalid_photo"


class UnsupportedFormat(InvalidPhoto):
    """The bytes are not JPEG, PNG, WebP, TIFF or HEIC."""

    code = "unsupported_format"


class UnreadableImage(InvalidPhoto):
    """The file claims a supported format but is truncated or corrupt."""

    code = "unreadable_image"


class ImageTooLarge(InvalidPhoto):
    """Too many pixels (or bytes) to decode safely: a decompression bomb or a huge scan."""

    code = "image_too_large"


class ImageTooSmall(InvalidPhoto):
    """Too few pixels to see any wear."""

    code = "image_too_small"


class ModelArtifactError(SolescanError):
    """The trained model file is missing, corrupt or from another scikit-learn version."""

    code = "model_artifact"


class NoSoleFound(SolescanError):
    """The photo shows no shoe sole or insole that can be analysed.

    ``reason`` refines the code for the user: ``no_object`` (nothing stands out from the
    background), ``not_a_sole`` (objects found, but none shaped and textured like a sole or
    insole), ``top_of_shoe`` (a shoe seen from above), ``too_many_objects`` (more than a
    pair), ``object_too_small`` or ``object_cut_off`` (the sole touches the photo's edge).
    """

    code = "no_sole_found"

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason
