def test_home_sends_anonymous_users_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_home_renders_for_a_member(client, owner):
    client.force_login(owner)
    response = client.get("/")
    assert response.status_code == 200
    assert b"Northlight Studio" in response.content


def test_healthz(client):
    assert client.get("/healthz/").content == b"ok"
