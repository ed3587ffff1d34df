import hashlib
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data"
sys.path.insert(0, str(ROOT))


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    ws = tmp_path / "ws"
    ws.mkdir()
    monkeypatch.setenv("PROMOCAST_WORKSPACE", str(ws))
    monkeypatch.setenv("PROMOCAST_DB", str(ws / "promocast.duckdb"))
    return ws


@pytest.fixture
def write(tmp_path):
    """write('name.csv', text) -> path of a file holding text."""
    def _write(name: str, text: str | bytes) -> Path:
        p = tmp_path / name
        p.write_bytes(text if isinstance(text, bytes) else text.encode())
        return p
    return _write


def file_sha(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
