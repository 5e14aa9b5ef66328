"""Every environment variable the deployment notes tell people to set is one the settings read."""

import re

from django.conf import settings

# Every strict reader of soundsite.lib.env (env_str, env_hosts, env_secret_key …) and require().
READERS = re.compile(r"(?:env_\w+|require)\(\s*\"([A-Z][A-Z0-9_]*)\"")


def _read_by_settings() -> set[str]:
    source = (settings.BASE_DIR / "soundsite" / "settings.py").read_text()
    names = set(READERS.findall(source))
    return names


def _assigned_in(document: str) -> set[str]:
    text = (settings.BASE_DIR / document).read_text()
    return set(re.findall(r"(?<![\w-])([A-Z][A-Z0-9_]{2,})=", text))


def test_deploy_notes_name_only_real_variables():
    assigned = _assigned_in("docs/deploy.md")
    assert {"DATABASE_URL", "REDIS_URL", "STORAGE_BACKEND", "S3_BUCKET", "SECRET_KEY"} <= assigned
    assert assigned - _read_by_settings() == set()


def test_readme_table_names_only_real_variables():
    text = (settings.BASE_DIR / "README.md").read_text()
    table = set(re.findall(r"^\| `([A-Z][A-Z0-9_]*)`", text, re.MULTILINE))
    assert "REDIS_URL" in table
    assert table - _read_by_settings() == set()
