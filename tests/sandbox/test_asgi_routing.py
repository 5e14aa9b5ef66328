"""Under ASGI the stand-ins skip the site's middleware; every other path keeps all of it."""

import httpx
import pytest

from soundsite import asgi


async def get(path: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=asgi.application)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        return await client.get(path)


@pytest.mark.django_db(transaction=True)
def test_a_stand_in_request_goes_through_no_middleware():
    import asyncio

    response = asyncio.run(get("/sandbox/soundverse/v5/status"))
    # The stand-in answered (it refuses a request without a key) ...
    assert response.status_code == 401
    # ... and none of the site's middleware touched the response.
    assert "x-frame-options" not in response.headers
    assert "set-cookie" not in response.headers


@pytest.mark.django_db(transaction=True)
def test_the_site_keeps_its_whole_middleware_stack():
    import asyncio

    response = asyncio.run(get("/login/"))
    assert response.status_code == 200
    assert response.headers["x-frame-options"] == "DENY"
    assert "csrftoken" in response.headers.get("set-cookie", "")


def test_a_stand_in_error_is_still_an_answer_not_a_crash():
    import asyncio

    response = asyncio.run(get("/sandbox/files/not-a-signature/song.mp3"))
    assert response.status_code == 403
    assert response.text == "Invalid signature"


def test_only_the_sandbox_prefix_is_bare():
    assert asgi.SANDBOX_PREFIX == "/sandbox/"
    assert asgi.sandbox._middleware_chain is not None
    assert asgi.site._middleware_chain is not asgi.sandbox._middleware_chain
