"""The suite-wide secrets capture (tests/secret_capture.py) really catches a leak."""

import logging

from django.http import HttpResponse, StreamingHttpResponse

from tests.factories import make_key

SECRET = "spk_capture_0123456789abcdefGHIJ"


def test_the_capture_sees_a_secret_in_a_response_a_log_and_a_stream(
    _no_secret_leaks, workspace, owner
):
    capture = _no_secret_leaks
    make_key(workspace, owner, provider="soundpiece", secret=SECRET)
    capture.check_response("/settings/keys/", HttpResponse(f"<p>{SECRET}</p>"))
    logging.getLogger("soundsite.keys").debug("sending %s", SECRET[-14:])
    streamed = StreamingHttpResponse(iter([b"x" * 10 + SECRET[:10].encode(), SECRET[10:].encode()]))
    capture.check_response("/library/export/", streamed)
    b"".join(streamed.streaming_content)
    # The sandbox plays the provider: it may be sent the key.
    capture.check_response("/sandbox/soundpiece/v1/x", HttpResponse(SECRET))
    found = list(capture.leaks)
    capture.leaks.clear()  # caught on purpose: do not fail this test at teardown
    assert len(found) == 3, found
    assert "the body of the response to /settings/keys/" in found[0]
    assert "log record" in found[1]
    assert "streamed body" in found[2]
