"""The library page: list and grid, search, filters, sort, paging, and a fixed query count."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from soundsite.library.models import Favourite, Track
from tests.factories import make_member, make_stems, make_track


@pytest.fixture
def member_client(client, owner):
    client.force_login(owner)
    return client


def _titles(response):
    return [track.title for track in response.context["page"].object_list]


def test_it_lists_tracks_with_waveform_thumbnails_and_details(member_client, track):
    response = member_client.get(reverse("library"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Harbour lights" in html
    assert '<svg class="wave"' in html  # drawn on the server from the stored peaks
    assert "Commercial" in html  # license badge
    assert "0:01" in html  # duration
    assert "owner" in html  # who made it
    assert f'data-audio="/library/tracks/{track.code}/audio/?k=' in html


def test_empty_library_says_what_to_do(member_client):
    html = member_client.get(reverse("library")).content.decode()
    assert "No tracks yet." in html
    assert "Studio" in html


def test_it_hides_deleted_tracks_and_other_workspaces(
    member_client, track, deleted_track, stranger_track
):
    assert _titles(member_client.get(reverse("library"))) == ["Harbour lights"]


def test_stems_are_listed_only_when_asked(member_client, track, stems):
    assert _titles(member_client.get(reverse("library"))) == ["Harbour lights"]
    listed = _titles(member_client.get(reverse("library"), {"with_stems": "on"}))
    assert len(listed) == 5
    assert len(_titles(member_client.get(reverse("library"), {"task": "stems"}))) == 4


def test_search_finds_words_in_title_prompt_lyrics_and_tags(member_client, workspace, owner):
    make_track(workspace, "Harbour lights", user=owner)
    make_track(workspace, "Untitled 2", user=owner, prompt="a rainy afternoon in Lisbon")
    make_track(workspace, "Untitled 3", user=owner, lyrics="dancing in the moonlight")
    make_track(workspace, "Untitled 4", user=owner, tags=["Spring campaign"])
    search = lambda q: _titles(member_client.get(reverse("library"), {"q": q}))  # noqa: E731
    assert search("harbour") == ["Harbour lights"]
    assert search("Lisbon rain") == ["Untitled 2"]  # every word, each as a prefix
    assert search("moonlight") == ["Untitled 3"]
    assert search("spring") == ["Untitled 4"]
    assert search("harbour lisbon") == []
    assert search("   ") == search("")  # nothing searchable means no search


@pytest.mark.parametrize(
    "query", ['"', "*", "NEAR(a b)", "a OR b", "title:x", "') OR 1=1 --", "^", "a & b | !c:*"]
)
def test_search_syntax_in_the_query_is_just_text(member_client, track, query):
    response = member_client.get(reverse("library"), {"q": query})
    assert response.status_code == 200


def test_search_follows_renames_and_tag_changes(member_client, track):
    track.title = "Lantern festival"
    track.tags = ["fireworks"]
    track.save()
    assert _titles(member_client.get(reverse("library"), {"q": "lantern"})) == ["Lantern festival"]
    assert _titles(member_client.get(reverse("library"), {"q": "fireworks"})) == [
        "Lantern festival"
    ]
    # The old tag no longer matches (the old title's words are still in the prompt and lyrics).
    assert _titles(member_client.get(reverse("library"), {"q": "calm"})) == []


def test_filters(member_client, workspace, owner, teammate):
    now = timezone.now()
    song = make_track(workspace, "Song A", user=owner, created_at=now - timedelta(days=10))
    make_track(
        workspace,
        "Sample B",
        user=teammate,
        task="sample",
        provider="soundverse",
        license={"license": "standard", "plan": "Basic"},
    )
    make_track(
        workspace, "Upload C", user=owner, task="upload", relation="upload", provider="", license={}
    )
    make_stems(song, kinds=("vocals",))
    Favourite.objects.create(user=owner, track=song)

    def listed(**params):
        return sorted(_titles(member_client.get(reverse("library"), params)))

    assert listed(task="sample") == ["Sample B"]
    assert listed(task="upload") == ["Upload C"]
    assert listed(provider="soundverse") == ["Sample B"]
    assert listed(license="standard") == ["Sample B"]
    assert listed(member=teammate.pk) == ["Sample B"]
    assert listed(favourites="on") == ["Song A"]
    assert listed(stems="on") == ["Song A"]
    assert listed(uploads="on") == ["Upload C"]
    day = (now - timedelta(days=10)).date().isoformat()
    assert listed(made_from=day, made_to=day) == ["Song A"]
    assert listed(made_from=(now.date() - timedelta(days=2)).isoformat()) == [
        "Sample B",
        "Upload C",
    ]


def test_favourites_filter_is_per_member(client, workspace, owner, teammate, track):
    Favourite.objects.create(user=teammate, track=track)
    client.force_login(owner)
    assert _titles(client.get(reverse("library"), {"favourites": "on"})) == []
    client.force_login(teammate)
    assert _titles(client.get(reverse("library"), {"favourites": "on"})) == ["Harbour lights"]


@pytest.mark.parametrize(
    "params",
    [
        {"task": "nonsense"},
        {"provider": "../../etc"},
        {"license": "<script>"},
        {"member": "abc"},
        {"member": "999999"},
        {"made_from": "2026-13-45"},
        {"made_from": "2026-05-02", "made_to": "2026-05-01"},
        {"sort": "drop table"},
        {"page": "-1"},
        {"page": "zzz"},
        {"view": "<b>"},
    ],
)
def test_bad_filter_values_are_explained_and_ignored(member_client, track, params):
    response = member_client.get(reverse("library"), params)
    assert response.status_code == 200
    assert _titles(response) == ["Harbour lights"]
    if set(params) - {"page", "sort", "view"}:
        assert response.context["form"].errors
    assert b"<script>" not in response.content.replace(b"<script src", b"")


def test_sort_orders(member_client, workspace, owner):
    now = timezone.now()
    make_track(workspace, "beta", user=owner, seconds=2, created_at=now - timedelta(hours=2))
    make_track(workspace, "Alpha", user=owner, seconds=3, created_at=now - timedelta(hours=1))
    make_track(workspace, "gamma", user=owner, seconds=1, created_at=now)

    def order(sort):
        return _titles(member_client.get(reverse("library"), {"sort": sort}))

    assert order("new") == ["gamma", "Alpha", "beta"]
    assert order("old") == ["beta", "Alpha", "gamma"]
    assert order("title") == ["Alpha", "beta", "gamma"]
    assert order("long") == ["Alpha", "beta", "gamma"]
    assert order("short") == ["gamma", "beta", "Alpha"]


def test_paging(member_client, workspace, owner, settings):
    settings.LIBRARY_PAGE_SIZE = 2
    for index in range(5):
        make_track(workspace, f"Track {index}", user=owner)
    first = member_client.get(reverse("library"))
    assert len(_titles(first)) == 2
    assert b"Page 1 of 3" in first.content
    last = member_client.get(reverse("library"), {"page": 3})
    assert len(_titles(last)) == 1


def test_grid_view_is_remembered(member_client, track):
    response = member_client.get(reverse("library"), {"view": "grid"})
    assert b"tracks-grid" in response.content
    assert b"tracks-grid" in member_client.get(reverse("library")).content
    assert b"tracks-list" in member_client.get(reverse("library"), {"view": "list"}).content


def test_htmx_search_returns_only_the_results(member_client, track):
    response = member_client.get(
        reverse("library"), {"q": "harbour"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results"
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="results"')
    assert "Harbour lights" in html
    assert "<html" not in html


def test_viewers_get_no_selection_or_upload(client, viewer, track):
    client.force_login(viewer)
    html = client.get(reverse("library")).content.decode()
    assert 'id="bulk"' not in html
    assert "Upload audio" not in html
    assert "Harbour lights" in html


def _count_queries(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("library")).status_code == 200
    return len(captured)


def test_query_count_does_not_grow_with_tracks(
    client, workspace, owner, teammate, django_assert_num_queries
):
    client.force_login(owner)
    for index in range(5):
        track = make_track(workspace, f"Track {index}", user=teammate if index % 2 else owner)
        make_stems(track, kinds=("vocals",))
        Favourite.objects.create(user=owner, track=track)
    client.get(reverse("library"))  # warm the license menu cache
    small = _count_queries(client)
    for index in range(45):
        make_track(workspace, f"More {index}", user=teammate, tags=[f"tag{index}"])
    client.get(reverse("library"))
    with django_assert_num_queries(small):
        response = client.get(reverse("library"))
    assert len(response.context["page"].object_list) == 50


def test_license_menu_picks_up_new_licenses(member_client, workspace, owner, track):
    form = member_client.get(reverse("library")).context["form"]
    assert [value for value, _ in form.fields["license"].choices] == ["", "commercial"]
    make_track(workspace, "Other", user=owner, license={"license": "standard"})
    form = member_client.get(reverse("library")).context["form"]
    assert [value for value, _ in form.fields["license"].choices] == ["", "commercial", "standard"]


def test_a_teammate_sees_the_whole_team_library(client, workspace, owner, track):
    member = make_member(workspace, "new@example.com", "member")
    client.force_login(member)
    assert _titles(client.get(reverse("library"))) == ["Harbour lights"]
    assert Track.objects.count() == 1
