"""Checks on the multipart upload that FastAPI's field validation cannot express."""

from __future__ import annotations

from fastapi import Request, UploadFile
from starlette.datastructures import UploadFile as StarletteUploadFile

from service.exceptions import BadUpload


class OneImagePerRequest(BadUpload):
    code = "one_image_per_request"


class EmptyImage(BadUpload):
    code = "empty_image"


async def read_single_image(request: Request, image: UploadFile) -> bytes:
    """The bytes of the one uploaded photo; refuses extra files and empty ones."""
    form = await request.form()  # already parsed by FastAPI: this is the cached form
    files = [
        (name, value)
        for name, value in form.multi_items()
        if isinstance(value, StarletteUploadFile)
    ]
    if len(files) != 1:
        raise OneImagePerRequest(
            f"Send exactly one photo per request, in the `image` field ({len(files)} files "
            "were sent). Upload each photo with its own request."
        )
    data = await image.read()
    if not data:
        raise EmptyImage("The uploaded photo is empty (0 bytes). Attach the photo file.")
    return data
