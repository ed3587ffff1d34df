"""`bench.leaderboard --origin N`: the data as it stood N periods earlier, so a hold-out gap can be checked on
earlier windows; the hidden periods' sales are never read, their known inputs are the new future."""
import numpy as np

from conftest import ar1_frame


def test_as_of_hides_the_last_periods_and_keeps_one_horizon_of_inputs():
    from bench.leaderboard import as_of

    f = ar1_frame(series=3, weeks=80)
    last = int(f.loc[f["units"].notna(), "time_idx"].max())
    out = as_of(f, 10, 6)
    seen = out.loc[out["units"].notna(), "time_idx"]
    assert int(seen.max()) == last - 10
    assert int(out["time_idx"].max()) == last - 10 + 6  # one horizon of the periods after: the future's inputs
    assert out.loc[out["time_idx"] > last - 10, "units"].isna().all()
    before = f[f["time_idx"] <= last - 10].reset_index(drop=True)
    kept = out[out["time_idx"] <= last - 10].reset_index(drop=True)
    assert np.array_equal(kept["units"].to_numpy(), before["units"].to_numpy())
    assert np.array_equal(out.loc[out["time_idx"] > last - 10, "promo"].to_numpy(),
                          f.loc[(f["time_idx"] > last - 10) & (f["time_idx"] <= last - 4), "promo"].to_numpy())
    assert f["units"].notna().sum() > out["units"].notna().sum()  # the caller's frame is not touched
    assert int(f.loc[f["units"].notna(), "time_idx"].max()) == last


def test_origin_refuses_a_negative_number(capsys):
    import pytest

    from bench.leaderboard import main

    with pytest.raises(SystemExit) as e:
        main(["sample", "--origin", "-3"])
    assert e.value.code == 2 and "--origin" in capsys.readouterr().err
