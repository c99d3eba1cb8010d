"""Images sent as text: a canvas drawing (data:image/png;base64,…) or plain base64."""

import base64
import binascii

MAX_TEXT = 8 * 1024 * 1024  # ~6 MB of image once decoded


def decode_image_text(value: str | None) -> bytes | None:
    """The bytes of a data URL or base64 text, or None if empty; ValueError if unreadable.

    Whether the bytes are an acceptable image is the service's question.
    """
    text = (value or "").strip()
    if not text:
        return None
    if len(text) > MAX_TEXT:
        raise ValueError("too large")
    if text.startswith("data:"):
        header, _, text = text.partition(",")
        if ";base64" not in header:
            raise ValueError("not base64")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not base64") from exc
