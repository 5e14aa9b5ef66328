URL = "/settings/keys/new/{}/licenses/"


def test_it_marks_what_the_plan_gives(client, teammate):
    client.force_login(teammate)
    response = client.get(URL.format("soundverse"), {"plan": "growth"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    text = response.content.decode()
    assert text.strip().startswith('<fieldset id="license-field"')
    assert "The Growth plan gives the Sample license" in text
    assert text.count("not in this plan") == 4
    assert 'id="license-sample"\n                   checked' in text


def test_an_upgrade_opens_the_higher_licenses(client, teammate):
    client.force_login(teammate)
    text = client.get(
        URL.format("soundverse"), {"plan": "growth", "license_upgrade": "on"}
    ).content.decode()
    assert text.count("not in this plan") == 1  # only Royalty-Free, below Sample


def test_pay_as_you_go_explains_the_per_job_choice(client, teammate):
    client.force_login(teammate)
    text = client.get(URL.format("soundverse"), {"plan": "payg"}).content.decode()
    assert "choose any license for each job" in text
    assert "not in this plan" not in text


def test_soundpiece_shows_the_note(client, teammate):
    client.force_login(teammate)
    text = client.get(URL.format("soundpiece")).content.decode()
    assert "Soundpiece publishes no license terms" in text
    assert "As in my agreement" in text


def test_access(client, viewer, stranger, db):
    assert client.get(URL.format("soundverse"), HTTP_HX_REQUEST="true").status_code == 403
    client.force_login(viewer)
    assert client.get(URL.format("soundverse")).status_code == 403
    client.force_login(stranger)  # an owner elsewhere: the fragment holds no workspace data
    assert client.get(URL.format("soundverse")).status_code == 200
    assert client.get(URL.format("nope")).status_code == 404


def test_it_rejects_post(client, teammate):
    client.force_login(teammate)
    assert client.post(URL.format("soundverse")).status_code == 405
