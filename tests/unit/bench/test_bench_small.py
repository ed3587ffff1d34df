"""`python -m bench --scale small` runs end to end; only the shape of its JSON is checked, never a time."""
import json
import subprocess
import sys

from conftest import ROOT


def test_bench_small_json_shape(tmp_path):
    out = tmp_path / "bench.json"
    res = subprocess.run([sys.executable, "-m", "bench", "--scale", "small", "--json", str(out)], cwd=ROOT,
                         capture_output=True, text=True, timeout=1800)
    assert res.returncode == 0, res.stderr[-3000:]
    data = json.loads(out.read_text())
    assert data["scale"] == "small" and data["machine"]
    names = [f["name"] for f in data["figures"]]
    for expected in ("import: Promocast / bare DuckDB (time)", "import: Promocast peak memory",
                     "training TFT: Promocast / bare loop (samples/s)", "training LSTM: Promocast / bare loop (samples/s)",
                     "what-if: one SKU x region", "accuracy: TFT / Holt-Winters MAPE", "page forecast: server render from cache"):
        assert expected in names, names
    assert any(n.startswith("promotions: the whole 13-week plan decomposed") for n in names), names
    for f in data["figures"]:
        assert set(f) == {"name", "value", "unit", "target", "op", "met", "note"}
        assert f["value"] is not None
        assert f["met"] in (True, False, None) and (f["met"] is None) == (f["target"] is None)
    assert "| figure | value | target | met | note |" in res.stdout
