"""A track's page: waveform, parameters, lineage, license, activity, actions, stems."""

import pytest
from django.urls import reverse
from django.utils import timezone

from soundsite.library.lineage import family_tree
from soundsite.library.models import Activity, Verb
from soundsite.studio.models import Job
from tests.factories import make_stems, make_track


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


def test_it_shows_waveform_parameters_license_and_activity(owner_client, track, owner):
    Activity.objects.create(
        workspace=track.workspace, actor=owner, verb=Verb.DOWNLOADED, track=track, subject="x"
    )
    html = owner_client.get(reverse("track", args=[track.code])).content.decode()
    assert "<h1>Harbour lights</h1>" in html
    assert 'class="wave wave-base"' in html and 'data-bigwave="' in html
    assert "warm synth pads over a slow harbour night" in html
    assert "boats coming home" in html  # lyrics
    assert "Instrumental" in html and "Yes" in html  # parameters, in plain words
    assert "Commercial" in html and "Use in paid client work" in html
    assert "Agency key" in html
    assert "owner</strong> downloaded" in html
    assert "owner</strong> made it" in html


def test_studio_actions_follow_the_url_contract(owner_client, workspace, owner):
    long_track = make_track(workspace, "Long one", user=owner, seconds=45)
    html = owner_client.get(reverse("track", args=[long_track.code])).content.decode()
    code = long_track.code
    assert f'href="/studio/stems/?source={code}"' in html
    assert f'href="/studio/extend/?source={code}"' in html
    assert f'href="/studio/remix/?source={code}"' in html
    assert f'href="/studio/loop/?source={code}"' in html
    # Only the cut-downs shorter than the track are offered.
    assert f"/studio/cut/?source={code}&amp;target_seconds=30" in html
    assert f"/studio/cut/?source={code}&amp;target_seconds=6" in html
    assert "target_seconds=60" not in html


def test_viewers_see_no_actions_that_change_or_make(client, viewer, track):
    client.force_login(viewer)
    html = client.get(reverse("track", args=[track.code])).content.decode()
    assert "/studio/" not in html
    assert "Rename" not in html
    assert "Delete this track" not in html
    assert "Download FLAC" in html
    assert "License certificate" in html


def test_stems_play_together_on_the_source_and_on_each_stem(owner_client, track):
    stems = make_stems(track)
    html = owner_client.get(reverse("track", args=[track.code])).content.decode()
    assert "data-stems" in html
    assert html.count("data-stem ") == 4
    assert "Export ZIP with stems" in html
    stem_page = owner_client.get(reverse("track", args=[stems[0].code])).content.decode()
    assert "Stems of" in stem_page and html.count("data-stem-mute") == 4
    assert "Split into stems" not in stem_page  # a stem is not split again


def test_lineage_tree_links_every_relative(owner_client, workspace, owner, track):
    variation = make_track(
        workspace, "Harbour lights (version 2)", user=owner, parent=track, relation="variation"
    )
    cut = make_track(
        workspace, "Harbour lights – 30 s", user=owner, parent=variation, relation="cut"
    )
    html = owner_client.get(reverse("track", args=[cut.code])).content.decode()
    assert f'href="/library/tracks/{track.code}/"' in html
    assert f'href="/library/tracks/{variation.code}/"' in html
    assert '<strong aria-current="true">Harbour lights – 30 s</strong>' in html
    assert "Cut-down" in html and "Variation" in html


def test_family_tree_spans_generations_and_stays_in_the_workspace(workspace, owner, stranger):
    root = make_track(workspace, "Root", user=owner)
    child = make_track(workspace, "Child", user=owner, parent=root, relation="remix")
    grandchild = make_track(workspace, "Grandchild", user=owner, parent=child, relation="loop")
    sibling = make_track(workspace, "Sibling", user=owner, parent=root, relation="extension")
    tree = family_tree(grandchild)
    assert tree.track == root
    assert [node.track for node in tree.children] == [child, sibling]
    assert tree.children[0].children[0].track == grandchild
    assert tree.children[0].children[0].current
    assert family_tree(make_track(workspace, "Alone", user=owner)) is None


def test_deleted_relatives_are_shown_greyed_not_linked(owner_client, workspace, owner, track):
    child = make_track(
        workspace,
        "Gone child",
        user=owner,
        parent=track,
        relation="remix",
        deleted_at=timezone.now(),
    )
    html = owner_client.get(reverse("track", args=[track.code])).content.decode()
    assert 'class="is-deleted"' in html and "Gone child" in html
    assert f'href="/library/tracks/{child.code}/"' not in html


def test_operation_and_version_come_from_the_job(owner_client, workspace, owner):
    job = Job.objects.create(
        workspace=workspace,
        created_by=owner,
        provider="soundpiece",
        operation="create.new_song",
        version="5",
        task="song",
    )
    made = make_track(workspace, "From a job", user=owner, job=job)
    html = owner_client.get(reverse("track", args=[made.code])).content.decode()
    assert "create.new_song" in html
    assert "version 5" in html


def test_an_upload_has_no_license_and_says_so(owner_client, workspace, owner):
    upload = make_track(
        workspace,
        "Client brief",
        user=owner,
        relation="upload",
        task="upload",
        provider="",
        license={},
    )
    html = owner_client.get(reverse("track", args=[upload.code])).content.decode()
    assert "Soundsite has no license record for it" in html
    assert "uploaded it" in html


def test_deleted_and_foreign_tracks_are_not_found(owner_client, deleted_track, stranger_track):
    assert owner_client.get(reverse("track", args=[deleted_track.code])).status_code == 404
    assert owner_client.get(reverse("track", args=[stranger_track.code])).status_code == 404
    assert owner_client.get("/library/tracks/not-a-code/").status_code == 404


def _queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_query_count_does_not_grow_with_family_stems_or_activity(
    owner_client, workspace, owner, track
):
    url = reverse("track", args=[track.code])
    make_stems(track, kinds=("vocals",))
    owner_client.get(url)  # the first request of a session also writes the session
    few = _queries(owner_client, url)
    make_stems(track, kinds=("drums", "bass", "other"))
    child = make_track(workspace, "Child", user=owner, parent=track, relation="remix")
    make_track(workspace, "Grandchild", user=owner, parent=child, relation="loop")
    for _ in range(5):
        Activity.objects.create(workspace=workspace, actor=owner, verb=Verb.DOWNLOADED, track=track)
    assert _queries(owner_client, url) == few
    assert few <= 15


def test_every_studio_button_opens_the_studio_with_this_track_as_input(
    owner_client, workspace, owner
):
    """Follow each one-click action to the studio: the form arrives with the track chosen."""
    import re
    from html import unescape

    from tests.factories import make_key

    make_key(workspace, owner, "soundpiece", shared=True)
    make_key(workspace, owner, "soundverse", shared=True)
    source = make_track(workspace, "Long one", user=owner, seconds=45)
    html = owner_client.get(reverse("track", args=[source.code])).content.decode()
    links = [unescape(url) for url in re.findall(r'href="(/studio/[^"]+)"', html)]
    assert {url.split("/")[2] for url in links} == {"stems", "cut", "extend", "remix", "loop"}
    assert len(links) == 7  # stems, cut to 30, 15 and 6 s, extend, remix, loop
    for url in links:
        response = owner_client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        # The audio input is set to "from the library" with this very track selected.
        chosen = re.search(rf'name="(\w+)__track" value="{source.code}" checked', body)
        assert chosen, f"{url} did not arrive with the track chosen"
        assert re.search(rf'name="{chosen.group(1)}" value="library" checked', body), url
        assert "not in your library" not in body
        if "target_seconds=" in url:
            seconds = url.rsplit("=", 1)[1]
            assert re.search(rf'name="(target_duration|end)" value="{seconds}"', body), url


def test_a_studio_button_whose_provider_has_no_key_says_which_key_is_needed(
    owner_client, workspace, owner, track
):
    from tests.factories import make_key

    make_key(workspace, owner, "soundpiece", shared=True)
    body = owner_client.get(f"/studio/loop/?source={track.code}").content.decode()
    assert "You need a Soundverse key" in body


def test_activity_lists_who_made_downloaded_shared_and_renamed_it(client, owner, teammate, track):
    """Real actions through the views, then the track page tells them in plain words."""
    client.force_login(teammate)
    download = client.get(reverse("track_download", args=[track.code]))
    b"".join(download.streaming_content)
    client.post(
        reverse("track_share", args=[track.code]), {"expires_in": "7", "allow_download": "on"}
    )
    client.post(reverse("track_rename", args=[track.code]), {"title": "Harbour lights (final)"})
    share = track.share_links.get()
    client.logout()
    b"".join(
        client.get(reverse("share_download", args=[share.token, track.code])).streaming_content
    )
    client.force_login(owner)
    html = client.get(reverse("track", args=[track.code])).content.decode()
    assert "teammate</strong> downloaded" in html
    assert "teammate</strong> shared" in html
    assert "teammate</strong> renamed" in html and "from “Harbour lights”" in html
    assert "A client</strong> downloaded" in html and "through a share link" in html
    assert "owner</strong> made it" in html
    # Newest first, and the making of the track is the last line.
    assert html.index("A client</strong>") < html.index("teammate</strong> downloaded")
    assert html.index("teammate</strong> downloaded") < html.index("owner</strong> made it")
