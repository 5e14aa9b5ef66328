from tests.factories import make_user


def test_staff_can_list_and_open_people_workspaces_and_invitations(client, owner, workspace):
    staff = make_user("ops@example.com")
    staff.is_staff = staff.is_superuser = True
    staff.save()
    client.force_login(staff)
    for path in (
        "/admin/accounts/user/",
        f"/admin/accounts/user/{owner.pk}/change/",
        "/admin/accounts/user/add/",
        "/admin/accounts/workspace/",
        f"/admin/accounts/workspace/{workspace.pk}/change/",
        "/admin/accounts/invitation/",
    ):
        assert client.get(path).status_code == 200, path


def test_the_admin_never_shows_invitation_tokens(client, owner, workspace):
    from soundsite.accounts.models import Invitation

    invitation = Invitation.objects.create(workspace=workspace, role="member")
    staff = make_user("ops@example.com")
    staff.is_staff = staff.is_superuser = True
    staff.save()
    client.force_login(staff)
    body = client.get(f"/admin/accounts/invitation/{invitation.pk}/change/").content
    assert invitation.token.encode() not in body


def test_members_cannot_open_the_admin(client, owner):
    client.force_login(owner)
    assert client.get("/admin/accounts/user/")["Location"].startswith("/admin/login/")
