"""Ranged file responses: RFC 9110 rules, any storage, constant memory."""

import pytest
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, InMemoryStorage
from django.test import RequestFactory

from soundsite.lib import ranged
from soundsite.lib.ranged import ByteRange, Unsatisfiable, parse_range, ranged_file_response

DATA = bytes(range(256)) * 40  # 10,240 bytes with recognisable positions
SIZE = len(DATA)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("bytes=0-99", ByteRange(0, 99)),
        ("bytes=100-", ByteRange(100, SIZE - 1)),
        ("bytes=-500", ByteRange(SIZE - 500, SIZE - 1)),
        ("bytes=-999999", ByteRange(0, SIZE - 1)),  # a suffix longer than the file: all of it
        ("bytes=10-999999", ByteRange(10, SIZE - 1)),  # the end is clamped to the last byte
        ("BYTES = 5-6", ByteRange(5, 6)),  # the unit is case-insensitive, spaces allowed
        ("bytes= 7-8 ", ByteRange(7, 8)),
        ("bytes=0-0", ByteRange(0, 0)),
    ],
)
def test_parse_range_accepts_valid_single_ranges(header, expected):
    assert parse_range(header, SIZE) == expected


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "bytes",
        "bytes=",
        "bytes=-",
        "bytes=abc-def",
        "bytes=1-2-3",
        "bytes=+1-5",
        "bytes=1_0-20",
        "bytes=9-3",  # last before first is invalid syntax
        "items=0-10",  # another unit
        "bytes=0-1,5-6",  # several ranges: the whole file is a valid answer
        "bytes=0-1," + "2-3," * 100,
        "bytes=٣-٤",  # non-ASCII digits
    ],
)
def test_parse_range_ignores_malformed_or_multiple_ranges(header):
    assert parse_range(header, SIZE) is None


@pytest.mark.parametrize("header", ["bytes=10240-", "bytes=99999-100000", "bytes=-0"])
def test_parse_range_refuses_ranges_past_the_end(header):
    with pytest.raises(Unsatisfiable):
        parse_range(header, SIZE)


def test_parse_range_on_an_empty_file_is_unsatisfiable():
    with pytest.raises(Unsatisfiable):
        parse_range("bytes=0-", 0)
    with pytest.raises(Unsatisfiable):
        parse_range("bytes=-5", 0)


@pytest.mark.parametrize(
    "name", ["/etc/passwd", "../secret.flac", "tracks/../../x", "tracks\\..\\x", "C:/x", ""]
)
def test_check_name_refuses_escaping_names(name):
    with pytest.raises(SuspiciousFileOperation):
        ranged.check_name(name)


def test_check_name_accepts_a_plain_storage_name():
    assert ranged.check_name("tracks/abc/def.flac") == "tracks/abc/def.flac"


@pytest.fixture(params=["filesystem", "memory"])
def storage(request, tmp_path):
    # InMemoryStorage has no local path at all: the helper must only open and seek.
    store = (
        FileSystemStorage(location=tmp_path)
        if request.param == "filesystem"
        else (InMemoryStorage())
    )
    store.save("tracks/w/a.flac", ContentFile(DATA))
    return store


def _get(storage, headers=None, method="get", **kwargs):
    request = getattr(RequestFactory(), method)("/audio/", headers=headers or {})
    return ranged_file_response(
        request, storage, "tracks/w/a.flac", content_type="audio/flac", etag="abc", **kwargs
    )


def _body(response):
    return b"".join(response.streaming_content)


def test_whole_file_without_range(storage):
    response = _get(storage)
    assert response.status_code == 200
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Length"] == str(SIZE)
    assert response["Content-Type"] == "audio/flac"
    assert response["ETag"] == '"abc"'
    assert _body(response) == DATA


def test_a_range_answers_206_with_the_exact_bytes(storage):
    response = _get(storage, {"Range": "bytes=1000-1999"})
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 1000-1999/{SIZE}"
    assert response["Content-Length"] == "1000"
    assert _body(response) == DATA[1000:2000]


def test_open_ended_and_suffix_ranges(storage):
    assert _body(_get(storage, {"Range": "bytes=10000-"})) == DATA[10000:]
    response = _get(storage, {"Range": "bytes=-40"})
    assert response["Content-Range"] == f"bytes {SIZE - 40}-{SIZE - 1}/{SIZE}"
    assert _body(response) == DATA[-40:]


def test_unsatisfiable_range_answers_416(storage):
    response = _get(storage, {"Range": f"bytes={SIZE}-"})
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{SIZE}"


def test_malformed_range_sends_the_whole_file(storage):
    response = _get(storage, {"Range": "bytes=zzz"})
    assert response.status_code == 200
    assert _body(response) == DATA


def test_if_range_with_another_tag_ignores_the_range(storage):
    response = _get(storage, {"Range": "bytes=0-9", "If-Range": '"old"'})
    assert response.status_code == 200
    assert _body(response) == DATA
    response = _get(storage, {"Range": "bytes=0-9", "If-Range": '"abc"'})
    assert response.status_code == 206


def test_if_none_match_answers_304(storage):
    response = _get(storage, {"If-None-Match": '"abc"'})
    assert response.status_code == 304
    assert response["ETag"] == '"abc"'


def test_head_sends_headers_and_no_body(storage):
    response = _get(storage, {"Range": "bytes=0-9"}, method="head")
    assert response.status_code == 206
    assert response["Content-Length"] == "10"
    assert response.content == b""


def test_attachment_name_is_in_content_disposition(storage):
    response = _get(storage, filename="Harbour lights [abcd1234].flac", as_attachment=True)
    assert response["Content-Disposition"].startswith("attachment;")
    assert "Harbour lights" in response["Content-Disposition"]


def test_missing_file_raises_before_any_response(tmp_path):
    store = FileSystemStorage(location=tmp_path)
    request = RequestFactory().get("/")
    with pytest.raises(FileNotFoundError):
        ranged_file_response(request, store, "tracks/none.flac", content_type="audio/flac", size=10)


def test_reads_in_bounded_chunks(tmp_path, monkeypatch):
    # Memory stays constant: no chunk is ever larger than CHUNK_SIZE, whatever the range.
    monkeypatch.setattr(ranged, "CHUNK_SIZE", 1000)
    store = FileSystemStorage(location=tmp_path)
    store.save("tracks/w/a.flac", ContentFile(DATA))
    chunks = list(_get(store, {"Range": "bytes=5-9004"}).streaming_content)
    assert max(len(chunk) for chunk in chunks) <= 1000
    assert b"".join(chunks) == DATA[5:9005]


def test_closes_the_file_when_the_client_goes_away(tmp_path, db):
    # response.close() sends request_finished, which touches the database connection.
    store = FileSystemStorage(location=tmp_path)
    store.save("tracks/w/a.flac", ContentFile(DATA))
    response = _get(store)
    stream = iter(response.streaming_content)
    next(stream)
    response.close()  # what the server does when the connection drops
    with pytest.raises(StopIteration):
        next(stream)


def test_s3_storage_asks_for_only_the_range(monkeypatch, s3_storage):
    """On S3 the helper makes a ranged GET instead of downloading the whole object."""
    store = s3_storage
    store.save("tracks/w/a.flac", ContentFile(DATA))
    asked = []
    original = store.bucket.Object

    def spy(name):
        obj = original(name)
        real_get = obj.get

        def get(**kwargs):
            asked.append(kwargs.get("Range"))
            return real_get(**kwargs)

        obj.get = get
        return obj

    monkeypatch.setattr(store.bucket, "Object", spy)
    response = _get(store, {"Range": "bytes=2000-2099"})
    assert response.status_code == 206
    assert _body(response) == DATA[2000:2100]
    assert asked == ["bytes=2000-2099"]
