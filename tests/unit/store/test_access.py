"""The access file: who may open which workspace once a login is configured (dashboard/store/access.py)."""
import pytest

from dashboard.store import access

LIVE = ["default", "client-a", "client-b"]


def grants(tmp_path, text):
    p = tmp_path / "access.toml"
    p.write_text(text)
    return access.load(p)


def test_email_group_star_and_the_higher_role(tmp_path):
    g = grants(tmp_path, """
[[grant]]
email = "Ana@Client-A.example"
workspaces = ["client-a"]
role = "planner"

[[grant]]
group = "agency"
workspaces = ["*"]
role = "planner"

[[grant]]
group = "agency-admins"
workspaces = ["client-b"]
role = "admin"
""")
    assert access.roles_for({"email": "ana@client-a.example"}, g, LIVE) == {"client-a": "planner"}
    assert access.roles_for({"email": "bo@agency.example", "groups": ["agency"]}, g, LIVE) == dict.fromkeys(LIVE, "planner")
    both = access.roles_for({"email": "cy@agency.example", "groups": ["agency", "agency-admins"]}, g, LIVE)
    assert both == {"default": "planner", "client-a": "planner", "client-b": "admin"}
    assert access.roles_for({"email": "eve@elsewhere.example"}, g, LIVE) == {}
    # an unverified e-mail matches no e-mail grant; an archived (not live) workspace is never granted
    assert access.roles_for({"email": "ana@client-a.example", "email_verified": False}, g, LIVE) == {}
    assert access.roles_for({"email": "ana@client-a.example"}, g, ["default"]) == {}


def test_roles_can():
    assert access.can("planner", "train") and access.can("planner", "scenarios")
    assert not access.can("planner", "delete") and not access.can("planner", "workspaces")
    assert access.can("admin", "delete") and access.can("admin", "workspaces")
    assert not access.can(None, "read")


@pytest.mark.parametrize("text, words", [
    ("[[grant]]\nworkspaces = ['client-a']\n", "exactly one of 'email' or 'group'"),
    ("[[grant]]\nemail = 'a@b.c'\ngroup = 'g'\nworkspaces = ['client-a']\n", "exactly one of"),
    ("[[grant]]\nemail = 'a@b.c'\nworkspaces = ['client-a']\nrole = 'owner'\n", "role 'owner'"),
    ("[[grant]]\nemail = 'a@b.c'\nworkspaces = []\n", "non-empty list"),
    ("[[grant]]\nemail = 'a@b.c'\nworkspaces = ['../etc']\n", "workspace name"),
    ("[[grant]\nemail = 'a@b.c'\n", "not valid TOML"),
])
def test_bad_access_files_name_file_grant_and_field(tmp_path, text, words):
    with pytest.raises(access.AccessError) as e:
        grants(tmp_path, text)
    assert words in str(e.value) and "access.toml" in str(e.value)


def test_no_file_lets_nobody_in(tmp_path, monkeypatch):
    monkeypatch.setenv("PROMOCAST_ACCESS", str(tmp_path / "missing.toml"))
    with pytest.raises(access.AccessError, match="no access file"):
        access.load()
