"""Decoding and validation of uploaded photos: formats, orientation, limits, damage."""

from __future__ import annotations

import io
import struct
import time
import zlib
from collections.abc import Callable

import cv2
import numpy as np
import pillow_heif
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray
from PIL import Image, ImageCms, ImageOps

from model import imaging
from model.errors import (
    ImageTooLarge,
    ImageTooSmall,
    SolescanError,
    UnreadableImage,
    UnsupportedFormat,
)
from model.imaging import DecodedPhoto, decode, encode_png, photo_without_metadata, sniff_format

FORMATS = ("jpeg", "png", "webp", "tiff", "heic")
RED = (0, 0, 255)  # BGR


def marked(rows: int = 300, cols: int = 400) -> NDArray[np.uint8]:
    """A grey BGR photo with a red square in its top-left corner and some texture."""
    rng = np.random.default_rng(7)
    image = np.full((rows, cols, 3), 120, np.uint8)
    image += rng.integers(0, 20, image.shape, dtype=np.uint8)
    image[: rows // 6, : cols // 8] = RED
    return image


def red_corner(image: NDArray[np.uint8]) -> str:
    """Which corner of a decoded image holds the red square."""
    rows, cols = image.shape[:2]
    r, c = max(2, rows // 20), max(2, cols // 20)
    patches = {
        "top-left": image[:r, :c],
        "top-right": image[:r, -c:],
        "bottom-left": image[-r:, :c],
        "bottom-right": image[-r:, -c:],
    }
    red = [
        name
        for name, patch in patches.items()
        if patch[..., 2].mean() > 200 and patch[..., :2].mean() < 80
    ]
    assert len(red) == 1, f"red square found in {red}"
    return red[0]


def exif_bytes(orientation: int | None = None, *, gps: bool = False) -> bytes:
    exif = Image.Exif()
    if orientation is not None:
        exif[0x0112] = orientation
    if gps:
        exif[0x010F] = "PhoneMaker"  # Make
        exif[0x8825] = {1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 3.0)}
    return exif.tobytes()


def encode(image: NDArray[np.uint8], fmt: str, orientation: int | None = None) -> bytes:
    """Encode a BGR image in a format, with an EXIF orientation tag when given."""
    pil = Image.fromarray(np.ascontiguousarray(image[:, :, ::-1]))
    extra = {} if orientation is None else {"exif": exif_bytes(orientation)}
    out = io.BytesIO()
    if fmt == "heic":
        pillow_heif.from_pillow(pil).save(out, quality=90, **extra)
    elif fmt == "jpeg":
        pil.save(out, "JPEG", quality=95, **extra)
    elif fmt == "webp":
        pil.save(out, "WEBP", lossless=True, **extra)
    else:
        pil.save(out, fmt.upper(), **extra)
    return out.getvalue()


def jpeg_markers(data: bytes) -> list[tuple[int, bytes]]:
    """The marker segments of a JPEG up to its first scan: (marker, payload)."""
    found = []
    pos = 2
    while True:
        marker = data[pos + 1]
        length = int.from_bytes(data[pos + 2 : pos + 4], "big")
        found.append((marker, data[pos + 4 : pos + 2 + length]))
        if marker == 0xDA:
            return found
        pos += 2 + length


def png_chunk(kind: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(kind + body)
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)


def fail_if_called(*args: object, **kwargs: object) -> None:
    raise AssertionError("the pixels were decoded")


# --- format sniffing ----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_sniff_format_names_each_accepted_format(fmt: str) -> None:
    assert sniff_format(encode(marked(), fmt)) == fmt


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"hello, this is a text file\n",
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",
        b"GIF89a\x01\x00\x01\x00\x80\x00\x00",
        bytes(np.random.default_rng(3).integers(0, 256, 4096, dtype=np.uint8)),
    ],
    ids=["empty", "text", "pdf", "gif", "random"],
)
def test_unsupported_formats_are_rejected_with_the_accepted_list(data: bytes) -> None:
    with pytest.raises(UnsupportedFormat, match="JPEG, PNG, WebP, TIFF or HEIC"):
        decode(data)


def test_avif_is_named_as_unsupported_rather_than_corrupt() -> None:
    avif = struct.pack(">I", 28) + b"ftypavif" + b"\x00\x00\x00\x00" + b"avifmif1miaf"
    with pytest.raises(UnsupportedFormat, match="AVIF"):
        sniff_format(avif + b"\x00" * 100)


# --- every format decodes, upright --------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_format_decodes_to_bgr_at_its_size(fmt: str) -> None:
    photo = decode(encode(marked(300, 400), fmt))
    assert isinstance(photo, DecodedPhoto)
    assert photo.format == fmt
    assert photo.image.shape == (300, 400, 3)
    assert photo.image.dtype == np.uint8
    assert (photo.original_width, photo.original_height) == (400, 300)
    assert photo.scale == 1.0
    assert red_corner(photo.image) == "top-left"  # also proves the channel order is BGR


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("orientation", "corner"),
    [(6, "top-right"), (8, "bottom-left"), (3, "bottom-right")],
)
def test_exif_orientation_is_applied_once(fmt: str, orientation: int, corner: str) -> None:
    # 6: the camera was turned clockwise, the stored top-left belongs at the top-right.
    photo = decode(encode(marked(300, 400), fmt, orientation))
    rotated = orientation in (6, 8)
    assert photo.image.shape[:2] == ((400, 300) if rotated else (300, 400))
    assert (photo.original_width, photo.original_height) == ((300, 400) if rotated else (400, 300))
    assert red_corner(photo.image) == corner


@pytest.mark.parametrize("fmt", ["jpeg", "png", "webp", "tiff"])
@pytest.mark.parametrize("orientation", range(1, 9))
def test_all_eight_orientations_match_pillow_exif_transpose(fmt: str, orientation: int) -> None:
    data = encode(marked(60, 80), fmt, orientation)
    with Image.open(io.BytesIO(data)) as pil:
        expected = np.asarray(ImageOps.exif_transpose(pil).convert("RGB"))[:, :, ::-1]
    photo = decode(data, min_side=10)
    assert photo.image.shape == expected.shape
    # Pillow and OpenCV upsample JPEG chroma slightly differently.
    assert np.abs(photo.image.astype(int) - expected).mean() < 1.5


def test_a_broken_exif_block_does_not_reject_the_photo() -> None:
    data = encode(marked(), "jpeg", 6)
    start = data.index(b"Exif\x00\x00") + 6
    broken = data[:start] + b"XX" + data[start + 2 :]  # byte order mark destroyed
    photo = decode(broken)
    assert photo.image.shape == (300, 400, 3)  # orientation unknown: left as stored


# --- reduced decode of large JPEGs --------------------------------------------------------


def large_photo(rows: int, cols: int) -> NDArray[np.uint8]:
    image = cv2.resize(marked(300, 400), (cols, rows), interpolation=cv2.INTER_NEAREST)
    return image


def test_12mp_jpeg_is_decoded_at_a_quarter_scale(monkeypatch: pytest.MonkeyPatch) -> None:
    data = cv2.imencode(".jpg", large_photo(3024, 4032))[1].tobytes()
    flags: list[int] = []
    real_imdecode = cv2.imdecode

    def spy(buf: NDArray[np.uint8], flag: int) -> object:
        flags.append(flag)
        return real_imdecode(buf, flag)

    monkeypatch.setattr(imaging.cv2, "imdecode", spy)
    photo = decode(data)
    assert flags == [cv2.IMREAD_REDUCED_COLOR_4 | cv2.IMREAD_IGNORE_ORIENTATION]
    assert photo.image.shape == (756, 1008, 3)
    assert (photo.original_width, photo.original_height) == (4032, 3024)
    assert photo.scale == pytest.approx(0.25)
    assert red_corner(photo.image) == "top-left"
    reference = cv2.resize(
        real_imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR),
        (1008, 756),
        interpolation=cv2.INTER_AREA,
    )
    assert np.abs(photo.image.astype(int) - reference).mean() < 4  # the same picture


def test_rotated_large_jpeg_reports_upright_original_size() -> None:
    pil = Image.fromarray(large_photo(2000, 2999)[:, :, ::-1])
    out = io.BytesIO()
    pil.save(out, "JPEG", quality=80, exif=exif_bytes(6))
    photo = decode(out.getvalue())
    # Halved (2999 / 2 rounds up to 1500 columns), not resized, then turned upright.
    assert photo.image.shape == (1500, 1000, 3)
    assert (photo.original_width, photo.original_height) == (2000, 2999)
    assert photo.scale == pytest.approx(0.5)
    assert red_corner(photo.image) == "top-right"


def test_still_too_large_after_reduction_is_resized_to_the_target() -> None:
    # 1/4 of 6400 is 1600 (> 1.5 x 1000) and 1/8 is 800 (< 1000): reduce, then resize.
    data = cv2.imencode(".jpg", large_photo(4800, 6400))[1].tobytes()
    photo = decode(data)
    assert photo.image.shape == (750, 1000, 3)
    assert photo.scale == pytest.approx(1000 / 6400)
    assert (photo.original_width, photo.original_height) == (6400, 4800)


def test_large_png_is_resized_with_area_interpolation() -> None:
    image = large_photo(2000, 3000)
    photo = decode(cv2.imencode(".png", image)[1].tobytes())
    assert photo.image.shape == (667, 1000, 3)
    expected = cv2.resize(image, (1000, 667), interpolation=cv2.INTER_AREA)
    assert np.array_equal(photo.image, expected)


def test_moderately_large_images_are_kept_as_decoded() -> None:
    photo = decode(cv2.imencode(".png", large_photo(1000, 1400))[1].tobytes())
    assert photo.image.shape == (1000, 1400, 3)  # within 1.5 x the target: not resampled


def test_target_none_keeps_full_resolution() -> None:
    data = cv2.imencode(".jpg", large_photo(2400, 3200))[1].tobytes()
    photo = decode(data, target_long_side=None)
    assert photo.image.shape == (2400, 3200, 3)
    assert photo.scale == 1.0


def test_jpeg_with_data_after_the_end_marker_decodes() -> None:
    # Motion photos and multi-picture files append a video or more JPEGs after EOI.
    data = encode(marked(), "jpeg") + b"\x00\x00\x00\x18ftypmp42" + bytes(5000)
    assert decode(data).image.shape == (300, 400, 3)


# --- depth, channels, alpha, palette ------------------------------------------------------


def test_sixteen_bit_png_and_tiff_become_eight_bit() -> None:
    image16 = marked().astype(np.uint16) * 257
    png = cv2.imencode(".png", image16)[1].tobytes()
    photo = decode(png)
    assert photo.image.dtype == np.uint8
    assert np.array_equal(photo.image, marked())
    gray16 = Image.fromarray(marked()[:, :, 1].astype(np.uint16) * 257)
    out = io.BytesIO()
    gray16.save(out, "TIFF")
    tiff = decode(out.getvalue())
    assert tiff.image.shape == (300, 400, 3)
    assert np.array_equal(tiff.image[:, :, 0], marked()[:, :, 1])


def test_grayscale_jpeg_and_png_become_three_channels() -> None:
    gray = marked()[:, :, 1]
    for data in (cv2.imencode(".jpg", gray)[1].tobytes(), cv2.imencode(".png", gray)[1].tobytes()):
        photo = decode(data)
        assert photo.image.shape == (300, 400, 3)
        assert np.array_equal(photo.image[:, :, 0], photo.image[:, :, 2])


@pytest.mark.parametrize("fmt", ["png", "webp", "tiff", "heic"])
def test_transparent_pixels_are_composited_on_white(fmt: str) -> None:
    rgba = np.zeros((300, 400, 4), np.uint8)
    rgba[..., :3] = (10, 20, 30)
    rgba[:, 200:, 3] = 255  # right half opaque dark, left half fully transparent
    out = io.BytesIO()
    pil = Image.fromarray(rgba, "RGBA")
    if fmt == "heic":
        pillow_heif.from_pillow(pil).save(out, quality=100)
    else:
        pil.save(out, fmt.upper(), **({"lossless": True} if fmt == "webp" else {}))
    photo = decode(out.getvalue())
    assert photo.image[:, :190].min() >= 250
    assert np.abs(photo.image[:, 210:].astype(int) - (30, 20, 10)).max() <= 6


def test_palette_and_gray_alpha_png() -> None:
    palette = Image.fromarray(marked()[:, :, ::-1]).convert("P", palette=Image.Palette.ADAPTIVE)
    out = io.BytesIO()
    palette.save(out, "PNG")
    assert red_corner(decode(out.getvalue()).image) == "top-left"
    la = Image.fromarray(np.dstack([marked()[:, :, 1], np.full((300, 400), 128, np.uint8)]), "LA")
    out = io.BytesIO()
    la.save(out, "PNG")
    photo = decode(out.getvalue())
    expected = (marked()[:, :, 1].astype(int) * 128 + 255 * 127 + 127) // 255
    assert np.abs(photo.image[:, :, 0].astype(int) - expected).max() <= 1


# --- limits -------------------------------------------------------------------------------


def test_png_header_claiming_a_huge_image_is_rejected_before_decoding(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(imaging.cv2, "imdecode", fail_if_called)
    ihdr = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    bomb = (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", zlib.compress(bytes(1000)))
        + png_chunk(b"IEND", b"")
    )
    start = time.perf_counter()
    with pytest.raises(ImageTooLarge, match="100000 x 100000"):
        decode(bomb)
    assert time.perf_counter() - start < 0.05


def test_real_small_file_with_huge_dimensions_is_rejected_before_decoding(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A genuine 9000 x 9000 bilevel PNG: about 10 kB on disk, 243 MB once decoded to BGR.
    row = b"\x00" + bytes(9000 // 8)
    ihdr = struct.pack(">IIBBBBB", 9000, 9000, 1, 0, 0, 0, 0)
    png = (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", zlib.compress(row * 9000, 9))
        + png_chunk(b"IEND", b"")
    )
    assert len(png) < 100_000
    monkeypatch.setattr(imaging.cv2, "imdecode", fail_if_called)
    with pytest.raises(ImageTooLarge, match="81 megapixels"):
        decode(png)


def test_jpeg_tiff_and_webp_bombs_are_rejected_from_the_header(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    jpeg = bytearray(encode(marked(), "jpeg"))
    sof = next(i for i in range(2, len(jpeg) - 1) if jpeg[i] == 0xFF and jpeg[i + 1] == 0xC0)
    jpeg[sof + 5 : sof + 9] = struct.pack(">HH", 60_000, 60_000)

    entries = [(256, 4, 100_000), (257, 4, 100_000), (258, 3, 8), (259, 3, 1), (262, 3, 1)]
    ifd = struct.pack("<H", len(entries))
    ifd += b"".join(struct.pack("<HHII", tag, kind, 1, value) for tag, kind, value in entries)
    tiff = b"II*\x00" + struct.pack("<I", 8) + ifd + b"\x00\x00\x00\x00"

    small_webp = encode(marked(), "webp")
    vp8x = b"VP8X" + struct.pack("<I", 10) + b"\x00" * 4 + (16_383).to_bytes(3, "little") * 2
    body = b"WEBP" + vp8x + small_webp[12:]
    webp = b"RIFF" + struct.pack("<I", len(body)) + body

    monkeypatch.setattr(imaging.cv2, "imdecode", fail_if_called)
    for bomb in (bytes(jpeg), tiff, webp):
        with pytest.raises(ImageTooLarge, match="megapixels"):
            decode(bomb)


def test_file_size_limit() -> None:
    data = encode(marked(), "png")
    with pytest.raises(ImageTooLarge, match="MB"):
        decode(data, max_bytes=len(data) - 1)


def test_pixel_limit_is_a_parameter() -> None:
    data = encode(marked(300, 400), "jpeg")
    with pytest.raises(ImageTooLarge):
        decode(data, max_pixels=300 * 400 - 1)
    assert decode(data, max_pixels=300 * 400).image.shape == (300, 400, 3)


@pytest.mark.parametrize("fmt", FORMATS)
def test_tiny_photos_are_rejected(fmt: str) -> None:
    with pytest.raises(ImageTooSmall, match="150 x 100"):
        decode(encode(marked(100, 150), fmt))


# --- damaged files ------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kept", [0.2, 0.6, 0.98])
def test_truncated_files_are_unreadable_and_silent(
    fmt: str, kept: float, capfd: pytest.CaptureFixture[str]
) -> None:
    data = encode(marked(), fmt)
    with pytest.raises(UnreadableImage, match="truncated or corrupt"):
        decode(data[: int(len(data) * kept)])
    assert capfd.readouterr().err == ""  # no libjpeg / libpng chatter


def test_jpeg_missing_only_its_end_marker_is_unreadable() -> None:
    data = encode(marked(), "jpeg")
    assert data.endswith(b"\xff\xd9")
    with pytest.raises(UnreadableImage):
        decode(data[:-2])


def test_png_with_a_damaged_chunk_is_unreadable(capfd: pytest.CaptureFixture[str]) -> None:
    data = bytearray(encode(marked(), "png"))
    data[len(data) // 2] ^= 0x10
    with pytest.raises(UnreadableImage):
        decode(bytes(data))
    assert capfd.readouterr().err == ""


# --- re-encoding without metadata ---------------------------------------------------------


def metadata_laden_jpeg(orientation: int, *, progressive: bool = False) -> bytes:
    """A JPEG carrying EXIF with GPS, an ICC profile, XMP, a comment and trailing data."""
    pil = Image.fromarray(marked(600, 800)[:, :, ::-1])
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    out = io.BytesIO()
    pil.save(
        out,
        "JPEG",
        quality=95,
        progressive=progressive,
        exif=exif_bytes(orientation, gps=True),
        icc_profile=srgb,
        comment=b"taken at the clinic",
        xmp=b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF/></x:xmpmeta>',
    )
    source = out.getvalue() + b"MOTION PHOTO at the clinic"
    kinds = {marker for marker, _ in jpeg_markers(source)}
    assert {0xE1, 0xE2, 0xFE} <= kinds  # the fixture really carries EXIF/XMP, ICC, comment
    assert Image.open(io.BytesIO(source)).getexif().get_ifd(0x8825)  # and GPS
    return source


@pytest.mark.parametrize("progressive", [False, True])
@pytest.mark.parametrize("orientation", range(1, 9))
def test_jpeg_metadata_is_stripped_and_the_picture_kept_byte_for_byte(
    orientation: int, progressive: bool
) -> None:
    source = metadata_laden_jpeg(orientation, progressive=progressive)

    clean = photo_without_metadata(source)

    for leak in (b"GPS", b"PhoneMaker", b"clinic", b"xmpmeta", b"MOTION"):
        assert leak not in clean
    assert clean.endswith(b"\xff\xd9")
    markers = jpeg_markers(clean)
    assert not [m for m, _ in markers if (0xE0 <= m <= 0xEF and m != 0xE1) or m == 0xFE]
    reread = Image.open(io.BytesIO(clean))
    assert dict(reread.getexif()) == ({} if orientation == 1 else {0x0112: orientation})
    assert "icc_profile" not in reread.info
    # The compressed picture is the uploaded one: the same pixels, at full size and at
    # the analysis's reduced scale, upright as the analysis saw them.
    for target in (None, 200):
        kept = decode(clean, target_long_side=target).image
        assert np.array_equal(kept, decode(source, target_long_side=target).image)
    assert red_corner(decode(clean, target_long_side=None).image) == red_corner(
        decode(encode(marked(600, 800), "png", orientation)).image
    )


def test_adobe_colour_transform_segment_is_kept() -> None:
    """A JPEG stored as RGB says so only in Adobe's APP14; without it colours go wrong."""
    pil = Image.fromarray(marked(300, 400)[:, :, ::-1]).convert("CMYK")
    out = io.BytesIO()
    pil.save(out, "JPEG", quality=95)
    source = out.getvalue()
    assert 0xEE in {m for m, _ in jpeg_markers(source)}

    clean = photo_without_metadata(source)

    assert [p[:5] for m, p in jpeg_markers(clean) if m == 0xEE] == [b"Adobe"]
    assert np.array_equal(decode(clean).image, decode(source).image)


def test_a_jpeg_whose_segments_cannot_be_walked_is_re_encoded() -> None:
    source = encode(marked(), "jpeg")
    # Stray bytes between a comment and the end marker: libjpeg skips them with a
    # warning, the segment walk cannot tell where the next segment starts.
    broken = source[:-2] + b"\xff\xfe\x00\x04ab" + b"\x00\x00" + b"\xff\xd9"
    clean = photo_without_metadata(broken)
    assert sniff_format(clean) == "jpeg"
    assert clean != broken
    assert red_corner(decode(clean).image) == "top-left"


@pytest.mark.parametrize("fmt", ["png", "webp", "heic"])
def test_other_formats_are_written_as_upright_plain_jpeg(fmt: str) -> None:
    clean = photo_without_metadata(encode(marked(), fmt, 8), quality=80)
    assert sniff_format(clean) == "jpeg"
    assert not [m for m, _ in jpeg_markers(clean) if 0xE1 <= m <= 0xEF]
    pixels = cv2.imdecode(np.frombuffer(clean, np.uint8), cv2.IMREAD_COLOR)
    assert pixels.shape == (400, 300, 3)
    assert red_corner(pixels) == "bottom-left"


def test_stripping_respects_the_pixel_limit() -> None:
    with pytest.raises(ImageTooLarge):
        photo_without_metadata(encode(marked(), "jpeg"), max_pixels=1000)


def test_encode_png_round_trips() -> None:
    image = marked()
    data = encode_png(image)
    assert sniff_format(data) == "png"
    assert np.array_equal(cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR), image)
    with pytest.raises(ValueError, match="uint8"):
        encode_png(image.astype(np.float32))


def test_decoded_photo_is_frozen() -> None:
    photo = decode(encode(marked(), "png"))
    with pytest.raises(AttributeError):
        photo.scale = 2.0  # type: ignore[misc]


# --- fuzzing: damaged input never escapes as anything but a SolescanError -----------------

_SMALL_JPEG = cv2.imencode(".jpg", marked(240, 320), [cv2.IMWRITE_JPEG_QUALITY, 80])[1].tobytes()
_SMALL_PNG = encode(marked(240, 320), "png")
_MAGIC = [
    b"\xff\xd8\xff",
    b"\x89PNG\r\n\x1a\n",
    b"RIFF\x00\x10\x00\x00WEBP",
    b"II*\x00",
    b"MM\x00*",
]


def decode_or_solescan_error(data: bytes) -> None:
    try:
        photo = decode(data, min_side=1)
    except SolescanError:
        return
    assert photo.image.dtype == np.uint8
    assert photo.image.ndim == 3
    assert photo.image.shape[2] == 3


_FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_FUZZ
@given(st.binary(max_size=4096))
def test_fuzz_random_bytes(data: bytes) -> None:
    decode_or_solescan_error(data)


@_FUZZ
@given(st.sampled_from(_MAGIC), st.binary(max_size=2048))
def test_fuzz_valid_magic_with_random_body(magic: bytes, body: bytes) -> None:
    decode_or_solescan_error(magic + body)


def flip_bits(base: bytes) -> Callable[[list[tuple[int, int]], float], bytes]:
    def flipped(flips: list[tuple[int, int]], keep: float) -> bytes:
        data = bytearray(base)
        for position, bit in flips:
            data[position % len(data)] ^= 1 << bit
        return bytes(data[: max(1, int(len(data) * keep))])

    return flipped


_FLIPS = st.lists(st.tuples(st.integers(0, 10**7), st.integers(0, 7)), min_size=1, max_size=12)
_KEEP = st.sampled_from([1.0, 1.0, 1.0, 0.9, 0.5])


@_FUZZ
@given(_FLIPS, _KEEP)
def test_fuzz_bit_flipped_jpeg(flips: list[tuple[int, int]], keep: float) -> None:
    decode_or_solescan_error(flip_bits(_SMALL_JPEG)(flips, keep))


@_FUZZ
@given(st.lists(st.tuples(st.integers(0, 400), st.integers(0, 7)), min_size=1, max_size=6))
def test_fuzz_bit_flipped_jpeg_header(flips: list[tuple[int, int]]) -> None:
    # The marker segments before the scan, where a flip changes sizes and structure.
    decode_or_solescan_error(flip_bits(_SMALL_JPEG)(flips, 1.0))


@_FUZZ
@given(_FLIPS, _KEEP)
def test_fuzz_bit_flipped_png(flips: list[tuple[int, int]], keep: float) -> None:
    decode_or_solescan_error(flip_bits(_SMALL_PNG)(flips, keep))
