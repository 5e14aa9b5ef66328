import csv
import io
from decimal import Decimal

from tests.factories import make_job, make_key

URL = "/settings/usage/export.csv"


def rows(response):
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


def test_it_exports_one_row_per_job(client, owner, teammate, workspace):
    key = make_key(workspace, owner, label='=HYPERLINK("evil")', shared=True)
    make_job(
        workspace,
        owner,
        key,
        estimated_cost=Decimal("0.14"),
        license_snapshot={"license": "royalty_free"},
    )
    make_job(workspace, teammate, key, estimated_cost=None)
    client.force_login(owner)
    response = client.get(URL)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"]
    table = rows(response)
    assert table[0][0] == "Date" and table[0][-1] == "Estimated cost (USD)"
    assert len(table) == 3
    first = dict(zip(table[0], table[1], strict=True))
    assert first["Member"] == "owner"
    assert first["License"] == "Royalty-Free"
    assert first["Estimated cost (USD)"] == "0.1400"
    # A label that a spreadsheet would run as a formula is defused.
    assert first["Key"].startswith("'=")
    assert dict(zip(table[0], table[2], strict=True))["Estimated cost (USD)"] == ""


def test_it_follows_the_filters_and_the_role(client, owner, teammate, workspace):
    key = make_key(workspace, owner, shared=True)
    make_job(workspace, owner, key, provider="soundverse")
    make_job(workspace, teammate, key, provider="soundverse")
    client.force_login(teammate)
    assert len(rows(client.get(URL))) == 2  # header + their own job
    client.force_login(owner)
    assert len(rows(client.get(URL, {"member": str(teammate.pk)}))) == 2
    assert len(rows(client.get(URL, {"provider": "soundpiece"}))) == 1


def test_bad_filters_give_the_page_with_errors(client, owner):
    client.force_login(owner)
    response = client.get(URL, {"month": "soon"})
    assert response.status_code == 400
    assert 'id="id_month_error"' in response.content.decode()


def test_viewers_export_nothing_but_their_own(client, viewer, owner, workspace):
    make_job(workspace, owner, make_key(workspace, owner))
    client.force_login(viewer)
    assert len(rows(client.get(URL))) == 1


def test_anonymous_users_go_to_login(client, db):
    assert client.get(URL).status_code == 302


def test_it_rejects_post(client, owner):
    client.force_login(owner)
    assert client.post(URL).status_code == 405
