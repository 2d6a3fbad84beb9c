"""Photos sent with direct-line requests: checked for size and type, then re-encoded.

A file is accepted when it is at most MAX_PHOTO_BYTES, Pillow reads it as JPEG, PNG or WebP, and it has at most
MAX_PIXELS pixels. It is stored re-encoded (JPEG, at most MAX_SIDE pixels a side): that drops EXIF and other
metadata, so a photo taken on the requester's phone does not carry where they live (anonymous means anonymous).
"""

from __future__ import annotations

import io
import secrets

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from core.errors import ApplicationError

MAX_PHOTO_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000
MAX_SIDE = 2048
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}


class UploadRefused(ApplicationError):
    status = 400


def photo_checked(upload) -> ContentFile:
    """The upload as a clean JPEG file, or UploadRefused with a sentence saying why."""
    from PIL import Image, UnidentifiedImageError

    size = getattr(upload, "size", None)
    if size is None or size > MAX_PHOTO_BYTES:
        raise UploadRefused(
            _("A photo may be at most %(mb)d MB.") % {"mb": MAX_PHOTO_BYTES // (1024 * 1024)},
            extra={"max_bytes": MAX_PHOTO_BYTES},
        )
    upload.seek(0)
    data = upload.read(MAX_PHOTO_BYTES + 1)
    if len(data) > MAX_PHOTO_BYTES:
        raise UploadRefused(
            _("A photo may be at most %(mb)d MB.") % {"mb": MAX_PHOTO_BYTES // (1024 * 1024)},
            extra={"max_bytes": MAX_PHOTO_BYTES},
        )
    try:
        with Image.open(io.BytesIO(data)) as probe:
            image_format = probe.format
            width, height = probe.size
            if image_format not in ACCEPTED_FORMATS:
                raise UploadRefused(_("Send a photo as JPEG, PNG or WebP."), extra={"format": image_format})
            if width * height > MAX_PIXELS:
                raise UploadRefused(_("The photo has too many pixels."), extra={"max_pixels": MAX_PIXELS})
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            image = image.convert("RGB")
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            out = io.BytesIO()
            image.save(out, format="JPEG", quality=85)
    except UploadRefused:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise UploadRefused(_("Send a photo as JPEG, PNG or WebP.")) from exc
    return ContentFile(out.getvalue(), name=f"{secrets.token_hex(12)}.jpg")
