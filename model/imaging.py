"""Decode and validate photo bytes: the first step of every analysis.

The format is sniffed from magic bytes, never from a file name. The size of the photo is
read from the container header by small parsers in this module *before* any pixel is
decoded, so a decompression bomb (a small file that claims a huge image) costs nothing,
and PIL's own bomb machinery never runs: Pillow's ``Image.open`` is not used here, so its
``DecompressionBombWarning`` and ``DecompressionBombError`` cannot replace our message.

Speed: phone photos are large (12 MP and more) while the analysis works at about 1000
pixels along the long side. JPEGs are therefore decoded at a reduced scale by libjpeg
itself (``cv2.IMREAD_REDUCED_COLOR_2/4/8``), which skips most of the inverse DCT work and
costs about half of a full decode.

Orientation: OpenCV 5 applies the EXIF orientation itself for JPEG, PNG and WebP with
``IMREAD_COLOR`` and the reduced flags, but not with ``IMREAD_UNCHANGED`` or
``IMREAD_IGNORE_ORIENTATION``, and OpenCV 4 did not do it for every format. To be correct
with any OpenCV version and never apply it twice, JPEG, PNG and WebP are decoded with the
orientation ignored and this module applies the tag it parsed from the header. TIFF goes
through Pillow (OpenCV's TIFF reader applies the tag whatever the flags say, wrongly for
tiled files), which applies it itself in recent versions: see :func:`_decode_tiff`. HEIC:
libheif applies the container's rotation and mirror properties while decoding (the EXIF
tag only mirrors them), so the tag is not applied again.

Truncation: an interrupted upload is the common broken file. It is detected from the
container structure (a JPEG's end-of-image marker, a PNG's IEND chunk, the RIFF size of a
WebP) before the codec runs, which also keeps libjpeg and libpng from printing warnings
on stderr. Corruption *inside* compressed data (bit flips) is only seen by the codec: the
photo is then decoded as well as the codec can or rejected, and libjpeg/libpng may print
one line on the process's stderr, which cannot be silenced without redirecting file
descriptor 2 for the whole (threaded) process.
"""

from __future__ import annotations

import io
import math
import re
import struct
import zlib
from dataclasses import dataclass
from typing import Any, Final

import cv2
import numpy as np
from numpy.typing import NDArray

from model.errors import ImageTooLarge, ImageTooSmall, UnreadableImage, UnsupportedFormat

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_PIXELS",
    "FORMATS",
    "DecodedPhoto",
    "decode",
    "encode_jpeg",
    "encode_png",
    "photo_without_metadata",
    "sniff_format",
    "to_png",
]

FORMATS: Final[tuple[str, ...]] = ("jpeg", "png", "webp", "tiff", "heic")
DEFAULT_MAX_PIXELS: Final = 50_000_000
DEFAULT_MAX_BYTES: Final = 40_000_000
DEFAULT_MIN_SIDE: Final = 200
DEFAULT_TARGET_LONG_SIDE: Final = 1000
# A decoded image larger than this many times the target is resized down; below it the
# resize would cost more than it saves downstream and would blur fine tread.
_RESIZE_ABOVE: Final = 1.5

_ACCEPTED = "Send a JPEG, PNG, WebP, TIFF or HEIC photo."
_CORRUPT = "The file is truncated or corrupt: re-export or retake the photo."

# HEIF brands whose primary image is HEVC coded (what pillow-heif decodes here).
_HEVC_BRANDS: Final = frozenset(
    {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"}
)
_HEIF_GENERIC_BRANDS: Final = frozenset({b"mif1", b"msf1", b"mif2", b"mif3"})
_AVIF_BRANDS: Final = frozenset({b"avif", b"avis"})

# JPEG start-of-frame markers (every coding process except DHT/JPG/DAC, which share the
# C4/C8/CC range).
_JPEG_SOF: Final = frozenset(
    {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
)
_EXIF_ORIENTATION_TAG: Final = 0x0112

BGRImage = NDArray[np.uint8]
RawImage = NDArray[Any]  # as a codec returns it: any depth, 1 to 4 channels


@dataclass(frozen=True, eq=False)
class DecodedPhoto:
    """A decoded photo at working resolution.

    Attributes
    ----------
    image : ndarray of uint8, shape (rows, cols, 3)
        BGR pixels, upright (EXIF orientation applied), at working resolution.
    original_width, original_height : int
        Size of the original photo in pixels, after the EXIF orientation.
    scale : float
        Working pixels per original pixel (``cols / original_width``); multiply a
        working-image coordinate by ``1 / scale`` to get original photo pixels.
    format : str
        One of :data:`FORMATS`.
    """

    image: BGRImage
    original_width: int
    original_height: int
    scale: float
    format: str


@dataclass(frozen=True)
class _Header:
    """What the container says before any pixel is decoded (sizes before orientation)."""

    width: int
    height: int
    orientation: int = 1


def sniff_format(data: bytes) -> str:
    """Name the image format from its magic bytes.

    Parameters
    ----------
    data : bytes
        The whole file, or at least its first 64 bytes.

    Returns
    -------
    str
        One of ``"jpeg"``, ``"png"``, ``"webp"``, ``"tiff"``, ``"heic"``.

    Raises
    ------
    UnsupportedFormat
        For anything else (including AVIF, GIF, PDF, text and empty files).
    """
    if not data:
        raise UnsupportedFormat(f"The file is empty. {_ACCEPTED}")
    if data[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "tiff"
    if data[4:8] == b"ftyp":
        brands = _ftyp_brands(data)
        if brands & _HEVC_BRANDS:
            return "heic"
        if brands & _AVIF_BRANDS:
            raise UnsupportedFormat(f"AVIF photos are not supported. {_ACCEPTED}")
        if brands & _HEIF_GENERIC_BRANDS:
            return "heic"
    raise UnsupportedFormat(f"This file is not a photo format solescan can read. {_ACCEPTED}")


def decode(
    data: bytes,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    max_bytes: int = DEFAULT_MAX_BYTES,
    min_side: int = DEFAULT_MIN_SIDE,
    target_long_side: int | None = DEFAULT_TARGET_LONG_SIDE,
) -> DecodedPhoto:
    """Validate and decode photo bytes to an upright BGR image at working resolution.

    Parameters
    ----------
    data : bytes
        The photo file as uploaded.
    max_pixels : int
        Largest accepted original size in pixels (width x height), checked from the
        header before decoding.
    max_bytes : int
        Largest accepted file size.
    min_side : int
        Smallest accepted original width or height.
    target_long_side : int or None
        Working resolution: a JPEG is decoded at the strongest libjpeg reduction (1/2,
        1/4, 1/8) that keeps its long side at least this long, and any image still more
        than 1.5 times larger is resized down to exactly this long side. ``None`` keeps
        the full resolution.

    Returns
    -------
    DecodedPhoto
        ``image`` has shape (rows, cols, 3), BGR, uint8.

    Raises
    ------
    UnsupportedFormat, UnreadableImage, ImageTooLarge, ImageTooSmall
        Each with a message that says what to do.
    """
    if len(data) > max_bytes:
        raise ImageTooLarge(
            f"The file is {len(data) / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.0f} MB. "
            "Send the photo as a JPEG or at a lower resolution."
        )
    fmt = sniff_format(data)
    header = _read_header(data, fmt)
    _check_size(header, max_pixels=max_pixels, min_side=min_side)

    # Each decoder returns the pixels and the orientation still to be applied to them.
    if fmt == "jpeg":
        raw, orientation = _decode_jpeg(data, header, target_long_side), header.orientation
    elif fmt == "heic":
        raw, orientation = _decode_heic(data), 1
    elif fmt == "tiff":
        raw, orientation = _decode_tiff(data, header)
    else:
        raw, orientation = _decode_generic(data), header.orientation

    raw = _apply_orientation(raw, orientation)
    if header.orientation in (5, 6, 7, 8):
        original_width, original_height = header.height, header.width
    else:
        original_width, original_height = header.width, header.height
    # Resize before the depth and alpha conversion: a 16-bit RGBA scan at the pixel cap
    # would otherwise need several full-size temporary copies.
    if target_long_side is not None and max(raw.shape[:2]) > _RESIZE_ABOVE * target_long_side:
        raw = _resize_long_side(raw, target_long_side)
    image = _as_bgr8(raw)
    return DecodedPhoto(
        image=image,
        original_width=original_width,
        original_height=original_height,
        scale=image.shape[1] / original_width,
        format=fmt,
    )


def photo_without_metadata(
    data: bytes,
    *,
    quality: int = 90,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> bytes:
    """The photo as a JPEG without metadata, for the retraining store.

    A JPEG keeps its compressed picture byte for byte: only its image segments are
    copied (quantisation and Huffman tables, frame, scans), so there is no EXIF (no GPS,
    camera or time stamp), no XMP, no ICC profile, no thumbnail, no comment and nothing
    after the image. The one thing carried over is the orientation, as a fresh EXIF
    block holding that tag alone, so the stored photo decodes to exactly the pixels the
    analysis saw, and costs no generation loss and no decoding. Other formats are
    decoded at full resolution, turned upright and written as a baseline JPEG.

    Parameters
    ----------
    data : bytes
        The photo file as uploaded.
    quality : int
        JPEG quality, 1 to 100, for photos that are not JPEGs already.
    max_pixels, max_bytes : int
        As for :func:`decode`.

    Returns
    -------
    bytes
        A JPEG file.
    """
    if not 1 <= quality <= 100:
        raise ValueError(f"quality must be in 1..100, got {quality}")
    if sniff_format(data) == "jpeg" and len(data) <= max_bytes:
        header = _jpeg_header(data)
        _check_size(header, max_pixels=max_pixels, min_side=1)
        stripped = _jpeg_image_segments(data, header.orientation)
        if stripped is not None:
            return stripped
    photo = decode(
        data, max_pixels=max_pixels, max_bytes=max_bytes, min_side=1, target_long_side=None
    )
    return encode_jpeg(photo.image, quality=quality)


def encode_jpeg(image: NDArray[np.uint8], *, quality: int = 90) -> bytes:
    """Encode a BGR (or grey) uint8 image as baseline JPEG bytes, with no metadata."""
    if image.dtype != np.uint8 or image.ndim not in (2, 3):
        raise ValueError(f"expected a uint8 image, got {image.dtype} with shape {image.shape}")
    ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError(f"OpenCV could not encode an image of shape {image.shape} as JPEG")
    return encoded.tobytes()


def to_png(data: bytes) -> bytes:
    """A picture this product encoded itself (a stored overlay), re-encoded as PNG."""
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise UnreadableImage(_CORRUPT)
    return encode_png(np.asarray(image, dtype=np.uint8))


# The segments that make up the picture itself: frames (SOF), Huffman and arithmetic
# tables, quantisation tables, restart interval, scans, line count and the hierarchical
# ones. Everything else (APPn, comments, JPGn extensions) can carry metadata.
_JPEG_PICTURE_SEGMENTS: Final = frozenset(
    [*range(0xC0, 0xC8), *range(0xC9, 0xD0), 0xDA, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF]
)
# The end of an entropy-coded scan: an FF that is not stuffing (FF 00), not a restart
# marker (FF D0-D7) and not a fill byte (FF FF).
_SCAN_END: Final = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")


def _jpeg_image_segments(data: bytes, orientation: int) -> bytes | None:
    """The JPEG with only its picture segments (see :func:`photo_without_metadata`).

    None when the marker structure cannot be walked to the end of the image: the
    decoder may still have read such a file, and the caller then re-encodes it.
    """
    parts = [b"\xff\xd8"]
    if orientation != 1:
        parts.append(_orientation_exif(orientation))
    pos, n = 2, len(data)
    while pos + 2 <= n:
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xFF:
            pos += 1
            continue
        if marker == 0xD9:
            parts.append(b"\xff\xd9")
            return b"".join(parts)
        if marker == 0x01 or 0xD0 <= marker <= 0xD8:
            pos += 2
            continue
        if pos + 4 > n:
            return None
        end = pos + 2 + int.from_bytes(data[pos + 2 : pos + 4], "big")
        if end > n or end < pos + 4:
            return None
        # Adobe's APP14 says how three or four channels are coded (RGB, YCbCr, YCCK);
        # without it a decoder would show the wrong colours. It holds nothing else.
        adobe = marker == 0xEE and end - pos <= 16 and data[pos + 4 : pos + 9] == b"Adobe"
        if marker in _JPEG_PICTURE_SEGMENTS or adobe:
            parts.append(data[pos:end])
        pos = end
        if marker == 0xDA:
            found = _SCAN_END.search(data, pos)
            if found is None:
                return None
            parts.append(data[pos : found.start()])
            pos = found.start()
    return None


def _orientation_exif(orientation: int) -> bytes:
    """An APP1 EXIF segment holding only the orientation tag (big-endian TIFF)."""
    ifd = struct.pack(">HHHIHHI", 1, _EXIF_ORIENTATION_TAG, 3, 1, orientation, 0, 0)
    payload = b"Exif\x00\x00" + b"MM\x00\x2a" + struct.pack(">I", 8) + ifd
    return b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload


def encode_png(image: NDArray[np.uint8]) -> bytes:
    """Encode an image as PNG bytes.

    Parameters
    ----------
    image : ndarray of uint8, shape (rows, cols), (rows, cols, 3) BGR or (rows, cols, 4) BGRA

    Returns
    -------
    bytes
    """
    if image.dtype != np.uint8 or image.ndim not in (2, 3):
        raise ValueError(f"expected a uint8 image, got {image.dtype} with shape {image.shape}")
    ok, encoded = cv2.imencode(".png", image)
    if not ok:
        raise ValueError(f"OpenCV could not encode an image of shape {image.shape} as PNG")
    return encoded.tobytes()


# --- size checks ------------------------------------------------------------------------


def _check_size(header: _Header, *, max_pixels: int, min_side: int) -> None:
    w, h = header.width, header.height
    if w <= 0 or h <= 0:
        raise UnreadableImage(_CORRUPT)
    if w * h > max_pixels:
        raise ImageTooLarge(
            f"The photo is {w} x {h} pixels ({w * h / 1e6:.0f} megapixels); the limit is "
            f"{max_pixels / 1e6:.0f} megapixels. Send a smaller photo (a phone photo is fine)."
        )
    if min(w, h) < min_side:
        raise ImageTooSmall(
            f"The photo is only {w} x {h} pixels: too small to see any wear. Send a photo "
            f"at least {min_side} pixels on its shorter side, with the sole filling most of it."
        )


# --- header parsers ---------------------------------------------------------------------


def _read_header(data: bytes, fmt: str) -> _Header:
    """Parse the container header; any structural problem is an unreadable file."""
    try:
        if fmt == "jpeg":
            return _jpeg_header(data)
        if fmt == "png":
            return _png_header(data)
        if fmt == "webp":
            return _webp_header(data)
        if fmt == "tiff":
            return _tiff_header(data)
        return _heic_header(data)
    except (struct.error, IndexError, ValueError) as exc:
        raise UnreadableImage(_CORRUPT) from exc


def _ftyp_brands(data: bytes) -> set[bytes]:
    size = int.from_bytes(data[0:4], "big")
    end = min(max(size, 16), len(data), 4096)
    brands = {data[8:12]}
    brands.update(data[i : i + 4] for i in range(16, end - 3, 4))
    return brands


def _jpeg_header(data: bytes) -> _Header:
    """Walk the JPEG marker segments up to the first scan."""
    n = len(data)
    pos = 2
    width = height = 0
    orientation: int | None = None
    while True:
        if pos + 4 > n:
            raise UnreadableImage(_CORRUPT)
        if data[pos] != 0xFF:
            raise UnreadableImage(_CORRUPT)
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte before a marker
            pos += 1
            continue
        if marker == 0x01 or 0xD0 <= marker <= 0xD8:  # stand-alone markers
            pos += 2
            continue
        if marker == 0xD9:
            raise UnreadableImage(_CORRUPT)
        length = int.from_bytes(data[pos + 2 : pos + 4], "big")
        if length < 2 or pos + 2 + length > n:
            raise UnreadableImage(_CORRUPT)
        segment = data[pos + 4 : pos + 2 + length]
        if marker == 0xE1 and orientation is None and segment[:6] == b"Exif\x00\x00":
            orientation = _tiff_orientation(segment[6:])
        elif marker in _JPEG_SOF:
            height, width = struct.unpack(">HH", segment[1:5])
        elif marker == 0xDA:
            if width == 0:
                raise UnreadableImage(_CORRUPT)
            break
        pos += 2 + length
    # The entropy-coded data cannot contain FF D9 (every FF in it is stuffed or a restart
    # marker), so the first FF D9 after the scan header ends the image. The fast path is a
    # file ending in it; a motion photo or a multi-picture file carries data after it.
    if not (data.endswith(b"\xff\xd9") or data.find(b"\xff\xd9", pos) >= 0):
        raise UnreadableImage(_CORRUPT)
    return _Header(width=width, height=height, orientation=orientation or 1)


def _png_header(data: bytes) -> _Header:
    """Read IHDR and walk the chunks to IEND (which a truncated file lacks).

    Every chunk's CRC is checked too (about 3% of the decode time): libpng would reject a
    damaged chunk anyway, but only after printing "libpng error" on stderr.
    """
    n = len(data)
    if data[12:16] != b"IHDR":
        raise UnreadableImage(_CORRUPT)
    width, height = struct.unpack(">II", data[16:24])
    orientation = 1
    view = memoryview(data)
    pos = 8
    while True:
        if pos + 12 > n:
            raise UnreadableImage(_CORRUPT)
        length = int.from_bytes(data[pos : pos + 4], "big")
        kind = data[pos + 4 : pos + 8]
        end = pos + 12 + length
        if end > n:
            raise UnreadableImage(_CORRUPT)
        if zlib.crc32(view[pos + 4 : end - 4]) != int.from_bytes(data[end - 4 : end], "big"):
            raise UnreadableImage(_CORRUPT)
        if kind == b"eXIf":
            orientation = _tiff_orientation(data[pos + 8 : pos + 8 + length])
        elif kind == b"IEND":
            break
        pos = end
    return _Header(width=width, height=height, orientation=orientation)


def _webp_header(data: bytes) -> _Header:
    """Walk the RIFF chunks: VP8/VP8L/VP8X give the size, EXIF the orientation."""
    riff_end = 8 + int.from_bytes(data[4:8], "little")
    if riff_end > len(data):
        raise UnreadableImage(_CORRUPT)
    width = height = 0
    orientation = 1
    pos = 12
    while pos + 8 <= riff_end:
        kind = data[pos : pos + 4]
        length = int.from_bytes(data[pos + 4 : pos + 8], "little")
        body = data[pos + 8 : pos + 8 + length]
        if pos + 8 + length > riff_end:
            raise UnreadableImage(_CORRUPT)
        if kind == b"VP8X":
            width = 1 + int.from_bytes(body[4:7], "little")
            height = 1 + int.from_bytes(body[7:10], "little")
        elif kind == b"VP8 " and width == 0:
            if body[3:6] != b"\x9d\x01\x2a":
                raise UnreadableImage(_CORRUPT)
            width = int.from_bytes(body[6:8], "little") & 0x3FFF
            height = int.from_bytes(body[8:10], "little") & 0x3FFF
        elif kind == b"VP8L" and width == 0:
            if body[0] != 0x2F:
                raise UnreadableImage(_CORRUPT)
            bits = int.from_bytes(body[1:5], "little")
            width = 1 + (bits & 0x3FFF)
            height = 1 + ((bits >> 14) & 0x3FFF)
        elif kind == b"EXIF":
            exif = body[6:] if body[:6] == b"Exif\x00\x00" else body
            orientation = _tiff_orientation(exif)
        pos += 8 + length + (length & 1)  # chunks are padded to an even size
    if width == 0 or height == 0:
        raise UnreadableImage(_CORRUPT)
    return _Header(width=width, height=height, orientation=orientation)


def _tiff_header(data: bytes) -> _Header:
    tags = _tiff_ifd0(data, wanted=(256, 257, _EXIF_ORIENTATION_TAG))
    width, height = tags.get(256, 0), tags.get(257, 0)
    if width == 0 or height == 0:
        raise UnreadableImage(_CORRUPT)
    return _Header(width=width, height=height, orientation=_valid_orientation(tags))


def _heic_header(data: bytes) -> _Header:
    # Imported here: pillow-heif loads libheif, which only HEIC uploads need.
    import pillow_heif

    try:
        heif = pillow_heif.open_heif(data, convert_hdr_to_8bit=True)
        width, height = heif.size
    except Exception as exc:  # libheif raises plain RuntimeError/ValueError variants
        raise UnreadableImage(_CORRUPT) from exc
    # The size is already that of the upright image: libheif applies the rotation.
    return _Header(width=width, height=height, orientation=1)


def _tiff_orientation(tiff: bytes) -> int:
    """The orientation tag of a TIFF-structured EXIF block; 1 when absent or unreadable.

    A broken EXIF block is common (editors truncate it) and says nothing about the
    pixels, so it never rejects a photo.
    """
    try:
        return _valid_orientation(_tiff_ifd0(tiff, wanted=(_EXIF_ORIENTATION_TAG,)))
    except (struct.error, IndexError, ValueError, UnreadableImage):
        return 1


def _valid_orientation(tags: dict[int, int]) -> int:
    value = tags.get(_EXIF_ORIENTATION_TAG, 1)
    return value if 1 <= value <= 8 else 1


def _tiff_ifd0(tiff: bytes, *, wanted: tuple[int, ...]) -> dict[int, int]:
    """Integer values of the wanted tags of the first IFD (classic TIFF and BigTIFF)."""
    if tiff[:2] == b"II":
        order = "<"
    elif tiff[:2] == b"MM":
        order = ">"
    else:
        raise UnreadableImage(_CORRUPT)
    (magic,) = struct.unpack(order + "H", tiff[2:4])
    if magic == 42:
        (offset,) = struct.unpack(order + "I", tiff[4:8])
        (count,) = struct.unpack(order + "H", tiff[offset : offset + 2])
        entry_size, first, value_at = 12, offset + 2, 8
    elif magic == 43:
        (offset,) = struct.unpack(order + "Q", tiff[8:16])
        (count,) = struct.unpack(order + "Q", tiff[offset : offset + 8])
        entry_size, first, value_at = 20, offset + 8, 12
    else:
        raise UnreadableImage(_CORRUPT)
    found: dict[int, int] = {}
    for i in range(min(count, 4096)):
        entry = tiff[first + i * entry_size : first + (i + 1) * entry_size]
        if len(entry) < entry_size:
            break
        tag, kind = struct.unpack(order + "HH", entry[:4])
        if tag not in wanted:
            continue
        if kind == 3:  # SHORT
            (found[tag],) = struct.unpack(order + "H", entry[value_at : value_at + 2])
        elif kind == 4:  # LONG
            (found[tag],) = struct.unpack(order + "I", entry[value_at : value_at + 4])
        elif kind == 16:  # LONG8 (BigTIFF)
            (found[tag],) = struct.unpack(order + "Q", entry[value_at : value_at + 8])
    return found


# --- decoders ---------------------------------------------------------------------------

_REDUCED_FLAGS: Final = {
    2: cv2.IMREAD_REDUCED_COLOR_2,
    4: cv2.IMREAD_REDUCED_COLOR_4,
    8: cv2.IMREAD_REDUCED_COLOR_8,
}


def _jpeg_reduction(long_side: int, target_long_side: int | None) -> int:
    """The strongest libjpeg reduction that keeps the long side at least the target."""
    if target_long_side is None:
        return 1
    for factor in (8, 4, 2):
        if math.ceil(long_side / factor) >= target_long_side:
            return factor
    return 1


def _decode_jpeg(data: bytes, header: _Header, target_long_side: int | None) -> BGRImage:
    factor = _jpeg_reduction(max(header.width, header.height), target_long_side)
    flag = _REDUCED_FLAGS.get(factor, cv2.IMREAD_COLOR)
    image = cv2.imdecode(np.frombuffer(data, np.uint8), flag | cv2.IMREAD_IGNORE_ORIENTATION)
    expected = (math.ceil(header.height / factor), math.ceil(header.width / factor))
    if image is None or image.shape[:2] != expected:
        raise UnreadableImage(_CORRUPT)
    return np.asarray(image, dtype=np.uint8)


def _decode_generic(data: bytes) -> RawImage:
    """PNG and WebP through OpenCV.

    IMREAD_UNCHANGED keeps 16-bit depth and alpha so both are converted properly, and it
    ignores the EXIF orientation (applied by the caller).
    """
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if image is None or image.size == 0:
        raise UnreadableImage(_CORRUPT)
    return np.asarray(image)


def _decode_tiff(data: bytes, header: _Header) -> tuple[RawImage, int]:
    """TIFF through Pillow's TIFF plugin; returns the pixels and the orientation left to do.

    Not OpenCV: its TIFF reader applies the orientation tag itself whatever the flags say,
    and gets it wrong for tiled 8-bit files (OpenCV 5.0). Recent Pillow applies the tag
    while loading and then deletes it, older Pillow leaves both to the caller; the tag
    still being there after loading tells which. The plugin class is used rather than
    ``Image.open``, whose decompression-bomb check would replace our message.
    """
    from PIL import Image as PILImage
    from PIL import TiffImagePlugin

    # Pillow checks its own pixel limit again while loading a TIFF (a warning above
    # MAX_IMAGE_PIXELS, an error above twice that): keep it out of reach with our message.
    pil_limit = PILImage.MAX_IMAGE_PIXELS
    if pil_limit is not None and header.width * header.height > pil_limit:
        raise ImageTooLarge(
            f"The TIFF is {header.width} x {header.height} pixels, more than "
            f"{pil_limit / 1e6:.0f} megapixels. Send a smaller photo or a JPEG."
        )
    try:
        with TiffImagePlugin.TiffImageFile(io.BytesIO(data)) as tiff:
            tiff.load()
            remaining = tiff.tag_v2.get(_EXIF_ORIENTATION_TAG, 1)
            mode = tiff.mode
            if mode in ("L", "LA", "RGB", "RGBA", "F") or mode.startswith("I;16"):
                array = np.asarray(tiff)
            elif mode == "I":
                array = np.clip(np.asarray(tiff), 0, 65535).astype(np.uint16)
            else:  # bilevel, palette, CMYK, YCbCr, LAB...
                has_alpha = "A" in mode or "transparency" in tiff.info
                array = np.asarray(tiff.convert("RGBA" if has_alpha else "RGB"))
    except Exception as exc:  # Pillow reports broken TIFFs with many exception types
        raise UnreadableImage(_CORRUPT) from exc
    if array.dtype.kind == "u" and array.dtype.itemsize == 2:
        array = array.astype(np.uint16)  # big-endian 16-bit to native
    if array.ndim == 3 and array.shape[2] in (3, 4):
        array = array[:, :, [2, 1, 0, 3][: array.shape[2]]]  # RGB(A) to BGR(A)
    orientation = remaining if isinstance(remaining, int) and 1 <= remaining <= 8 else 1
    return array, orientation


def _decode_heic(data: bytes) -> RawImage:
    import pillow_heif

    try:
        heif = pillow_heif.open_heif(data, convert_hdr_to_8bit=True)
        rgb = np.asarray(heif)
    except Exception as exc:  # libheif reports corrupt data with assorted exception types
        raise UnreadableImage(_CORRUPT) from exc
    if rgb.ndim == 3 and rgb.shape[2] == 3:
        return np.asarray(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    if rgb.ndim == 3 and rgb.shape[2] == 4:
        return np.asarray(cv2.cvtColor(rgb, cv2.COLOR_RGBA2BGRA))
    return rgb


def _as_bgr8(image: RawImage) -> BGRImage:
    """Any decoded array (gray, gray+alpha, BGR, BGRA; 8, 16 bit or float) to BGR uint8.

    Alpha is composited on white: a cut-out sole on a transparent background then looks
    like a sole on white paper, which the locator handles, rather than on black.
    """
    if image.dtype == np.uint16:
        image = np.asarray(cv2.convertScaleAbs(image, alpha=1.0 / 257.0))
    elif image.dtype in (np.float32, np.float64):
        finite = np.nan_to_num(image, nan=0.0, posinf=0.0, neginf=0.0)
        peak = float(finite.max()) if finite.size else 1.0
        # Float TIFFs are usually scaled to 0..1; anything else is taken as 0..255.
        gain = 255.0 if peak <= 1.0 else 1.0
        image = np.clip(finite * gain, 0, 255).astype(np.uint8)
    elif image.dtype != np.uint8:
        raise UnreadableImage(f"Unsupported pixel type {image.dtype}. {_ACCEPTED}")
    if image.ndim == 2:
        return np.asarray(cv2.cvtColor(image, cv2.COLOR_GRAY2BGR))
    channels = image.shape[2]
    if channels == 3:
        return np.ascontiguousarray(image, dtype=np.uint8)
    if channels == 1:
        return np.asarray(cv2.cvtColor(image[:, :, 0], cv2.COLOR_GRAY2BGR))
    if channels == 2:
        color = cv2.cvtColor(np.ascontiguousarray(image[:, :, 0]), cv2.COLOR_GRAY2BGR)
        alpha = image[:, :, 1]
    elif channels == 4:
        color, alpha = image[:, :, :3], image[:, :, 3]
    else:
        raise UnreadableImage(f"Unsupported number of channels ({channels}). {_ACCEPTED}")
    # color * a + 255 * (255 - a) <= 255 * 255, so uint16 holds the blend exactly.
    a = alpha.astype(np.uint16)[:, :, None]
    blended = (color.astype(np.uint16) * a + 255 * (255 - a) + 127) // 255
    return blended.astype(np.uint8)


def _apply_orientation(image: RawImage, orientation: int) -> RawImage:
    """Turn the stored pixels upright as EXIF orientation 1..8 prescribes."""
    if orientation == 2:
        return cv2.flip(image, 1)
    if orientation == 3:
        return cv2.rotate(image, cv2.ROTATE_180)
    if orientation == 4:
        return cv2.flip(image, 0)
    if orientation == 5:
        return cv2.transpose(image)
    if orientation == 6:
        return cv2.rotate(image, cv2.ROTATE_90_CLOCKWISE)
    if orientation == 7:
        return cv2.flip(cv2.transpose(image), -1)
    if orientation == 8:
        return cv2.rotate(image, cv2.ROTATE_90_COUNTERCLOCKWISE)
    return image


def _resize_long_side(image: RawImage, long_side: int) -> RawImage:
    rows, cols = image.shape[:2]
    factor = long_side / max(rows, cols)
    size = (max(1, round(cols * factor)), max(1, round(rows * factor)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)
