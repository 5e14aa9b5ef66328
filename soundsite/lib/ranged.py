"""Serve a stored file with HTTP Range requests (RFC 9110 §14), from any Django storage.

The file is opened through the storage and read from the requested offset in fixed-size
chunks, so memory stays constant whatever the file's size, and nothing assumes a local path:
local files are opened and seeked, and an S3 object (django-storages) is asked for exactly the
requested bytes with a ranged GET instead of being downloaded whole.

Rules followed:
- ``Range: bytes=a-b``, ``bytes=a-`` and ``bytes=-n`` (suffix) are honoured with 206 and
  ``Content-Range: bytes a-b/size``; ``b`` past the end is clamped to the last byte.
- A range set that parses but cannot be satisfied (every range starts past the end, or a
  zero-length suffix) answers 416 with ``Content-Range: bytes */size``.
- A malformed header, another unit, or several ranges are ignored and the whole file is sent
  with 200, which RFC 9110 §14.2 allows (we do not build multipart responses).
- ``If-Range`` with an entity tag that is not ours makes the range be ignored (the client's
  copy is stale, so it must get the whole new file).
- ``If-None-Match`` with our tag answers 304, and HEAD sends the headers only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import SuspiciousFileOperation
from django.http import HttpResponse, HttpResponseNotModified, StreamingHttpResponse
from django.utils.http import content_disposition_header

CHUNK_SIZE = 1024 * 1024
MAX_RANGE_HEADER = 200

_BYTE_RANGE = re.compile(r"^([0-9]*)-([0-9]*)$")


class Unsatisfiable(Exception):
    """The Range header is valid but asks only for bytes the file does not have."""


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int  # inclusive, as in Content-Range

    @property
    def length(self) -> int:
        return self.end - self.start + 1


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """The single byte range asked for, None to send the whole file, or raise Unsatisfiable."""
    if not header or len(header) > MAX_RANGE_HEADER:
        return None
    unit, separator, range_set = header.partition("=")
    if not separator or unit.strip().lower() != "bytes":
        return None
    specs = [spec.strip() for spec in range_set.split(",")]
    if len(specs) != 1 or not specs[0]:
        # Several ranges would need a multipart answer; the whole file is a valid reply.
        return None
    match = _BYTE_RANGE.match(specs[0])
    if not match:
        return None
    first, last = match.groups()
    if first == "" and last == "":
        return None
    if first == "":
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise Unsatisfiable
        return ByteRange(max(0, size - suffix), size - 1)
    start = int(first)
    if last != "" and int(last) < start:
        return None  # "bytes=9-3" is invalid syntax, so it is ignored, not refused.
    if start >= size:
        raise Unsatisfiable
    end = size - 1 if last == "" else min(int(last), size - 1)
    return ByteRange(start, end)


def check_name(name: str) -> str:
    """Refuse a storage name that climbs out of its folder or is absolute."""
    if not name or name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        raise SuspiciousFileOperation("Absolute file names are not served.")
    if ".." in re.split(r"[\\/]", name):
        raise SuspiciousFileOperation("File names with '..' are not served.")
    return name


def read_range(storage, name: str, start: int, length: int, *, handle=None):
    """Yield ``length`` bytes of a stored file from ``start``, one chunk at a time."""
    handle = handle or storage.open(name, "rb")
    try:
        if length <= 0:
            return
        s3_object = getattr(handle, "obj", None)
        if s3_object is not None and hasattr(s3_object, "get"):
            # django-storages' S3File would download the whole object on first read; ask S3
            # for just these bytes instead.
            body = s3_object.get(Range=f"bytes={start}-{start + length - 1}")["Body"]
            try:
                yield from body.iter_chunks(CHUNK_SIZE)
            finally:
                body.close()
            return
        handle.seek(start)
        remaining = length
        while remaining > 0:
            chunk = handle.read(min(CHUNK_SIZE, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk
    finally:
        handle.close()


def _etag_matches(header: str, etag: str) -> bool:
    candidates = [part.strip() for part in header.split(",")]
    return "*" in candidates or etag in candidates or f"W/{etag}" in candidates


def ranged_file_response(
    request,
    storage,
    name: str,
    *,
    content_type: str,
    size: int | None = None,
    etag: str | None = None,
    filename: str | None = None,
    as_attachment: bool = False,
    cache_control: str = "private, max-age=3600",
) -> HttpResponse:
    """A 200, 206, 304 or 416 response for the stored file ``name``.

    ``etag`` should be a strong validator of the content (a hash): it is sent quoted and used
    for ``If-Range`` and ``If-None-Match``. ``filename`` becomes the Content-Disposition name.
    Opening happens before the response is built, so a missing file raises
    ``FileNotFoundError`` here rather than breaking a response already under way.
    """
    check_name(name)
    quoted_etag = f'"{etag}"' if etag else None
    headers = {"Accept-Ranges": "bytes", "Cache-Control": cache_control}
    if quoted_etag:
        headers["ETag"] = quoted_etag
    if filename or as_attachment:
        headers["Content-Disposition"] = content_disposition_header(as_attachment, filename)

    range_header = request.headers.get("Range")
    if_none_match = request.headers.get("If-None-Match")
    if (
        quoted_etag
        and if_none_match
        and not range_header
        and _etag_matches(if_none_match, quoted_etag)
    ):
        response = HttpResponseNotModified()
        for key, value in headers.items():
            response[key] = value
        return response

    if size is None:
        size = storage.size(name)
    if_range = request.headers.get("If-Range")
    if range_header and if_range is not None and if_range.strip() != quoted_etag:
        range_header = None
    try:
        byte_range = parse_range(range_header, size)
    except Unsatisfiable:
        response = HttpResponse(
            "The requested range is outside the file.",
            status=416,
            content_type="text/plain; charset=utf-8",
        )
        response["Content-Range"] = f"bytes */{size}"
        response["Accept-Ranges"] = "bytes"
        return response

    start, length, status = 0, size, 200
    if byte_range is not None:
        start, length, status = byte_range.start, byte_range.length, 206
        headers["Content-Range"] = f"bytes {byte_range.start}-{byte_range.end}/{size}"

    if request.method == "HEAD":
        response = HttpResponse(status=status, content_type=content_type)
    else:
        handle = storage.open(name, "rb")
        response = StreamingHttpResponse(
            read_range(storage, name, start, length, handle=handle),
            status=status,
            content_type=content_type,
        )
    for key, value in headers.items():
        response[key] = value
    response["Content-Length"] = str(length)
    return response
