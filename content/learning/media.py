"""Serving a lesson's recording with HTTP range requests, so phones can seek.

Django's static() view answers every request with the whole file (200), and mobile browsers then
cannot seek in a video. This view answers `Range: bytes=a-b` with 206 and exactly those bytes, a
range past the end with 416, and anything else with the whole file. In production nginx can serve
the media directory itself (it does ranges too); this view keeps the embedded mode and DEBUG working.
"""

from __future__ import annotations

import contextlib
import mimetypes
import re

from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils.http import http_date

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
CHUNK = 64 * 1024


def _chunks(fileobj, start: int, length: int):
    try:
        fileobj.seek(start)
        remaining = length
        while remaining > 0:
            data = fileobj.read(min(CHUNK, remaining))
            if not data:
                break
            remaining -= len(data)
            yield data
    finally:
        fileobj.close()


def ranged_file_response(request, field_file, *, content_type: str | None = None):
    """A response for a stored file (a FieldFile) that honours a single byte range."""
    size = field_file.size
    content_type = content_type or mimetypes.guess_type(field_file.name)[0] or "application/octet-stream"
    header = request.headers.get("Range", "").strip()
    match = _RANGE.match(header) if header else None
    if match is None or not (match.group(1) or match.group(2)):
        response = FileResponse(field_file.open("rb"), content_type=content_type)
        response["Accept-Ranges"] = "bytes"
        return response
    first, last = match.group(1), match.group(2)
    if first:
        start = int(first)
        end = min(int(last), size - 1) if last else size - 1
    else:  # the last N bytes
        start = max(0, size - int(last))
        end = size - 1
    if start >= size or start > end:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        response["Accept-Ranges"] = "bytes"
        return response
    length = end - start + 1
    response = StreamingHttpResponse(
        _chunks(field_file.open("rb"), start, length), status=206, content_type=content_type
    )
    response["Content-Length"] = str(length)
    response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Accept-Ranges"] = "bytes"
    with contextlib.suppress(NotImplementedError, OSError):
        response["Last-Modified"] = http_date(field_file.storage.get_modified_time(field_file.name).timestamp())
    return response
