"""Uploaded pictures judged by their content, never by their name (signatures, scans,
photos): only PNG and JPEG that Pillow can open and verify pass."""

import io

from django.utils.translation import gettext as _

MAX_IMAGE_BYTES = 5 * 1024 * 1024
IMAGE_FORMATS = {"PNG": "png", "JPEG": "jpg"}


def image_extension(content: bytes) -> str | None:
    """ "png" or "jpg" for a readable PNG or JPEG image; None for anything else."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(content)) as image:
            image.verify()
            kind = image.format
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,  # a tiny file claiming a gigantic picture
        OSError,
        ValueError,
        SyntaxError,
    ):
        return None
    return IMAGE_FORMATS.get(kind)


def checked_image(content: bytes | None, field: str, errors: dict) -> str | None:
    """The extension of an image of at most 5 MB, or None with the reason put in
    ``errors[field]`` (nothing sent is no error: the caller says whether it is needed)."""
    if not content:
        return None
    if len(content) > MAX_IMAGE_BYTES:
        errors[field] = _("The image is larger than 5 MB.")
        return None
    extension = image_extension(content)
    if extension is None:
        errors[field] = _("Upload a PNG or JPEG image.")
    return extension
