"""Client workspaces from the command line: created, listed, archived; every command takes --workspace and
reads and writes only that workspace's files."""
import json

import pytest

from conftest import SAMPLE
from dashboard.store import workspaces
from dashboard.cli.main import main


@pytest.fixture
def root(workspace, monkeypatch):
    monkeypatch.setenv("PROMOCAST_ROOT", str(workspace))
    return workspace


@pytest.mark.parametrize("bad", ["../x", "A", "x" * 50, "a_b", "a;rm -rf", "", "-a", "a/b", "default/.."])
def test_names_are_checked_before_any_path(root, bad):
    with pytest.raises(ValueError, match="workspace name"):
        workspaces.create(bad)
    assert not (root / "clients").exists() or not any((root / "clients").iterdir())


def test_create_list_archive(root):
    assert workspaces.create("client-a") == root / "clients" / "client-a"
    workspaces.create("client-b")
    with pytest.raises(ValueError, match="already exists"):
        workspaces.create("client-a")
    assert [w["name"] for w in workspaces.listing()] == ["default", "client-a", "client-b"]
    workspaces.archive("client-b")
    assert [w["name"] for w in workspaces.listing()] == ["default", "client-a"]
    assert [w["archived"] for w in workspaces.listing(include_archived=True)] == [False, False, True]
    with pytest.raises(KeyError, match="archived"):
        workspaces.path("client-b")
    assert (root / "clients" / "client-b").is_dir()  # archiving keeps the files


def test_every_command_works_inside_its_workspace(root, capsys):
    assert main(["workspace", "create", "client-a", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["path"].endswith("clients/client-a")
    assert main(["ingest", str(SAMPLE / "sales.csv"), "--workspace", "client-a", "--json"]) == 0
    capsys.readouterr()
    assert (root / "clients" / "client-a" / "promocast.duckdb").is_file()
    assert main(["datasets", "--workspace", "client-a", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 1
    assert main(["datasets", "--json", "--db", str(root / "promocast.duckdb")]) == 0  # the default workspace
    assert json.loads(capsys.readouterr().out) == []  # holds nothing of client A's
    assert main(["workspace", "archive", "client-a"]) == 0
    capsys.readouterr()
    assert main(["datasets", "--workspace", "client-a"]) == 2
    assert "archived" in capsys.readouterr().err
    assert main(["datasets", "--workspace", "nobody"]) == 2
