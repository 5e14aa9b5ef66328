from datetime import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.factories import make_job, make_key

URL = "/settings/usage/"


def at(year, month, day=10):
    return timezone.make_aware(datetime(year, month, day, 12, 0))


@pytest.fixture
def jobs(workspace, owner, teammate):
    sv = make_key(workspace, owner, label="Agency SV", shared=True)
    sp = make_key(workspace, teammate, provider="soundpiece", label="Teammate SP")
    now = timezone.now()
    this_month = at(now.year, now.month, 1)
    return [
        make_job(workspace, owner, sv, estimated_cost=Decimal("0.14"), created_at=this_month),
        make_job(workspace, teammate, sv, estimated_cost=Decimal("0.28"), created_at=this_month),
        make_job(
            workspace,
            teammate,
            sp,
            operation="create.new_song",
            estimated_cost=None,
            result_count=3,
            created_at=this_month,
        ),
        # Never reached the provider: counted as a job, not as spend.
        make_job(
            workspace,
            teammate,
            sv,
            state="failed",
            submit_attempts=0,
            estimated_cost=Decimal("5.00"),
            result_count=0,
            created_at=this_month,
        ),
    ]


def test_owners_see_everyone(client, owner, jobs):
    client.force_login(owner)
    response = client.get(URL)
    assert response.status_code == 200
    report = response.context["report"]
    assert report.totals.jobs == 4
    assert report.totals.results == 7
    assert report.totals.spend == Decimal("0.42")
    assert report.totals.unpriced == 1
    assert {row.label for row in report.by_member} == {"owner", "teammate"}
    assert {row.label: row.jobs for row in report.by_provider} == {
        "Soundpiece": 1,
        "Soundverse": 3,
    }
    text = response.content.decode()
    assert "By member" in text and "$0.42" in text
    assert "<svg" in text and 'role="img"' in text


def test_admins_see_everyone(client, admin_user, jobs):
    client.force_login(admin_user)
    assert client.get(URL).context["report"].totals.jobs == 4


def test_members_see_only_their_own(client, teammate, jobs):
    client.force_login(teammate)
    response = client.get(URL)
    report = response.context["report"]
    assert report.totals.jobs == 3
    assert report.totals.spend == Decimal("0.28")
    assert "By member" not in response.content.decode()
    assert 'name="member"' not in response.content.decode()
    # A member cannot widen the report to others by asking.
    assert (
        client.get(URL, {"member": str(jobs[0].created_by_id)}).context["report"].totals.jobs == 3
    )


def test_viewers_see_their_own_which_is_nothing(client, viewer, jobs):
    client.force_login(viewer)
    response = client.get(URL)
    assert response.status_code == 200
    assert response.context["report"].totals.jobs == 0
    assert "No jobs yet" in response.content.decode()


def test_filters(client, owner, teammate, jobs):
    client.force_login(owner)
    by_member = client.get(URL, {"member": str(teammate.pk)}).context["report"]
    assert by_member.totals.jobs == 3
    key_code = jobs[2].key.code
    by_key = client.get(URL, {"key": str(key_code)}).context["report"]
    assert by_key.totals.jobs == 1 and by_key.totals.results == 3
    by_provider = client.get(URL, {"provider": "soundverse"}).context["report"]
    assert by_provider.totals.jobs == 3
    now = timezone.now()
    month = client.get(URL, {"month": f"{now.year}-{now.month:02d}"}).context["report"]
    assert month.totals.jobs == 4
    assert "per day" in month.chart.title
    other = client.get(URL, {"month": "2001-01"})
    assert "No jobs match these filters" in other.content.decode()


def test_months_are_grouped_and_charted(client, owner, workspace):
    key = make_key(workspace, owner)
    now = timezone.now()
    previous = (now.year - 1, 12) if now.month == 1 else (now.year, now.month - 1)
    make_job(workspace, owner, key, estimated_cost=Decimal("1.00"), created_at=at(*previous))
    make_job(
        workspace, owner, key, estimated_cost=Decimal("0.50"), created_at=at(now.year, now.month, 1)
    )
    client.force_login(owner)
    report = client.get(URL).context["report"]
    assert [row.spend for row in report.by_month] == [Decimal("0.50"), Decimal("1.00")]
    chart = report.chart
    assert len(chart.bars) == 12
    assert chart.bars[-1].value == Decimal("0.50") and chart.bars[-2].value == Decimal("1.00")
    # The tallest bar fills the plot up to the round top of the axis ($1.00).
    assert chart.bars[-2].height == chart.plot_bottom - chart.top
    assert chart.ticks[-1]["label"] == "$1.00"


def test_unpriced_jobs_are_charted_by_count(client, owner, workspace):
    key = make_key(workspace, owner, provider="soundpiece")
    make_job(workspace, owner, key, operation="create.new_song", estimated_cost=None)
    client.force_login(owner)
    report = client.get(URL).context["report"]
    assert report.chart.metric == "jobs"
    assert report.chart.title.startswith("Jobs per month")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"month": "2026-13"}, "month"),
        ({"month": "March"}, "month"),
        ({"provider": "sonicwave"}, "provider"),
        ({"key": "00000000-0000-0000-0000-000000000000"}, "key"),
        ({"member": "999999"}, "member"),
    ],
)
def test_bad_filters_are_explained_beside_their_field(client, owner, jobs, params, field):
    client.force_login(owner)
    response = client.get(URL, params)
    assert response.status_code == 400
    assert f'id="id_{field}_error"' in response.content.decode()


def test_keys_of_another_workspace_cannot_be_used_as_filter(client, owner, stranger, jobs):
    other = make_key(stranger.memberships.get().workspace, stranger)
    client.force_login(owner)
    assert client.get(URL, {"key": str(other.code)}).status_code == 400


def test_strangers_see_only_their_own_workspace(client, stranger, jobs):
    client.force_login(stranger)
    assert client.get(URL).context["report"].totals.jobs == 0


def test_anonymous_users_go_to_login(client, db):
    assert client.get(URL).status_code == 302


def test_it_rejects_post(client, owner):
    client.force_login(owner)
    assert client.post(URL).status_code == 405


def test_providers_members_and_keys_are_charted_by_their_share(client, owner, jobs):
    client.force_login(owner)
    response = client.get(URL)
    report = response.context["report"]
    # teammate spent 0.28, owner 0.14: the biggest spender has the full bar.
    assert [(row.label, row.share) for row in report.by_member] == [
        ("teammate", 100),
        ("owner", 50),
    ]
    assert [(row.label, row.share) for row in report.by_provider] == [
        ("Soundverse", 100),
        ("Soundpiece", 0),
    ]
    body = response.content.decode()
    assert body.count('class="share-bar"') == 2 + 2 + 2  # providers, members, keys
    assert '<rect width="50.0" height="6" rx="3" class="share-fill"/>' in body


def test_without_prices_the_bars_follow_the_number_of_jobs(client, workspace, owner, teammate):
    sp = make_key(workspace, owner, provider="soundpiece", shared=True)
    for user in (owner, teammate, teammate, teammate, teammate):
        make_job(workspace, user, sp, operation="create.new_song", estimated_cost=None)
    client.force_login(owner)
    report = client.get(URL).context["report"]
    assert [(row.label, row.share) for row in report.by_member] == [
        ("teammate", 100),
        ("owner", 25),
    ]
