"""The queue-consistent twin (lib.model.twin): calibration to appendix A, the truth beside the
log, and the chain's estimators giving back the hidden truth on it and on other twins."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest

from lib.calllog import synthetic as syn
from lib.core.districts import DISTRICTS, TOTAL
from lib.model import twin

#: Bounds of issue 23: patience per queue ±3 %; implied agent-hours ±3 % in total, ±10 % per district.
PATIENCE_BOUND, TOTAL_BOUND, DISTRICT_BOUND = 0.03, 0.03, 0.10


def test_params_are_checked():
    with pytest.raises(ValueError, match="sb_answered_target"):
        twin.TwinParams(sb_answered_target=(0.9, 0.5, 0.6, 0.4))
    with pytest.raises(ValueError, match="district_abandonment_factor"):
        twin.TwinParams(district_abandonment_factor=(1.0,) * 3)
    with pytest.raises(ValueError, match="patience"):
        twin.TwinParams(patience_mean_s=(0.0, 10.0))


def test_fractional_agents_meet_the_target_between_whole_agents():
    calls = np.array([0.0, 5.0, 50.0, 50.0])
    aht = np.full(4, 180.0)
    pat = np.full(4, 300.0)
    share = np.array([0.9, 0.6, 0.6, 0.95])
    x = twin._fractional_agents(calls, aht, pat, share)
    assert x[0] == 0.0 and 0 < x[1] < 1 and x[2] < x[3]


def test_the_truth_is_marked_and_recognised(tmp_path):
    path = syn.write_truth({"plan": [[1]]}, tmp_path / "x.truth.json", seed=4)
    assert syn.is_synthetic_truth(path)
    assert json.loads(path.read_text())[syn.MARKER_KEY] == {"generator": twin.GENERATOR, "seed": 4}
    other = tmp_path / "y.truth.json"
    other.write_text('{"plan": 1}')
    assert not syn.is_synthetic_truth(other)
    assert syn.truth_path(tmp_path / "calls_2023.parquet") == tmp_path / "calls_2023.truth.json"


@pytest.fixture(scope="module")
def default_twin(tmp_path_factory):
    """The default twin (seed 2023), written with its truth."""
    tw = twin.generate(seed=2023)
    path = tmp_path_factory.mktemp("twin") / "calls_2023.parquet"
    twin.write(tw, path)
    return tw, path


@pytest.mark.full_year
def test_calibration_to_appendix_a(default_twin):
    """Every checked fact of appendix A holds on the raw and the cleaned log (the README's table)."""
    tw, _ = default_twin
    table = twin.calibration_table(tw)
    checked = table[table["ok"].notna()]
    assert checked["ok"].all(), checked[~checked["ok"].astype(bool)]
    hours = table.set_index("fact").loc["switchboard_agent_hours"]
    assert abs(hours["achieved"] / hours["target"] - 1) < 0.05  # near 55 × 1 400 h, Trøndelag's part out


@pytest.mark.full_year
def test_the_twin_is_deterministic_and_queue_consistent(default_twin, tmp_path):
    tw, path = default_twin
    again = twin.generate(seed=2023)
    pd.testing.assert_frame_equal(tw.log, again.log)
    np.testing.assert_array_equal(tw.plan, again.plan)
    assert syn.synthetic_seed(path) == 2023
    truth = twin.read_truth(path)
    assert np.asarray(truth["plan"]).shape == (len(DISTRICTS), 8760)
    assert truth["agent_hours"]["total"] == pytest.approx(tw.plan.sum())
    # the queue: in hours nobody staffs, nobody arriving is answered before the next staffed hour
    log = tw.log
    assert (log.loc[~log["answered"], "talk_s"] == 0).all()


def _check_bounds(table: pd.DataFrame) -> None:
    t = table.set_index(["quantity", "group"])["relative_difference"]
    assert (t.loc["patience_s"].abs() <= PATIENCE_BOUND).all(), t.loc["patience_s"]
    hours = t.loc["agent_hours"]
    assert abs(hours[TOTAL]) <= TOTAL_BOUND, hours
    assert (hours.drop(TOTAL).abs() <= DISTRICT_BOUND).all(), hours


@pytest.mark.full_year
def test_the_chain_gives_back_the_default_twin(default_twin):
    _, path = default_twin
    table, _ = twin.recover_from_log(path)
    _check_bounds(table)


#: Other twins: other seeds, a flatter and a peakier plan, a district with much better service.
OTHER_TWINS = {
    "flatter": (11, {"service_contrast": 0.5}),
    "peakier": (12, {"service_contrast": 1.5}),
    "Agder much better": (13, {"district_abandonment_factor": tuple(0.2 if d == "Agder" else 1.0 for d in DISTRICTS)}),
}


@pytest.mark.full_year
@pytest.mark.parametrize("name", list(OTHER_TWINS))
def test_the_chain_gives_back_other_twins(name, tmp_path):
    seed, change = OTHER_TWINS[name]
    tw = twin.generate(seed=seed, params=dataclasses.replace(twin.TwinParams(), **change))
    path, _ = twin.write(tw, tmp_path / "calls_2023.parquet")
    table, _ = twin.recover_from_log(path)
    _check_bounds(table)


@pytest.mark.full_year
def test_the_readme_states_the_calibration(default_twin):
    """The README's calibration table shows what the twin achieves (seed 2023)."""
    from lib.core.paths import PROJ_ROOT

    tw, _ = default_twin
    t = twin.calibration_table(tw).set_index(["fact", "log"])["achieved"]
    text = (PROJ_ROOT / "README.md").read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if line.startswith("| answered share, switchboard / OPS"))

    def pct(x: float) -> str:
        return f"{100 * x:.1f} %"

    for log in ("raw", "cleaned"):
        assert f"{pct(t['switchboard_answered_share', log])} / {pct(t['ops_answered_share', log])}" in row
    row = next(line for line in text.splitlines() if line.startswith("| mean access time of answered calls"))
    for log in ("raw", "cleaned"):
        assert f"{t['switchboard_mean_access_s', log]:.1f} s / {t['ops_mean_access_s', log]:.1f} s" in row
    row = next(line for line in text.splitlines() if line.startswith("| answered within 95 s"))
    assert row.count(pct(t["service_level_95s", "raw"])) >= 1
    row = next(line for line in text.splitlines() if line.startswith("| switchboard agent-hours"))
    assert f"{t['switchboard_agent_hours', 'raw']:,.0f}".replace(",", " ") in row
