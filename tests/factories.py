"""Small, explicit factories (no magic): each makes exactly what its name says."""

from soundsite.accounts.models import Membership, User, Workspace

PASSWORD = "correct horse battery staple"


def make_user(email: str, name: str = "") -> User:
    return User.objects.create_user(email=email, password=PASSWORD, display_name=name)


def make_workspace(name: str = "Northlight Studio") -> Workspace:
    return Workspace.objects.create(name=name)


def make_member(workspace: Workspace, email: str, role: str) -> User:
    user = make_user(email)
    Membership.objects.create(workspace=workspace, user=user, role=role)
    return user
