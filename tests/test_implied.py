"""Today's implied staffing under Erlang A, and parameter recovery from a simulated log."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lib.core.assumptions import Assumptions
from lib.core.oslo_calendar import hour_grid
from lib.model import implied, simulation
from lib.queues import erlang_a
from lib.traffic import patience

ERLANG_A_120 = Assumptions(queue_model="erlang_a", patience_s=120.0)


def test_implied_agents_meet_the_share_exactly_and_fractionally():
    calls = np.array([[0.0, 20.0, 40.0, 40.0]])
    aht = np.array([[0.0, 180.0, 180.0, 180.0]])
    n = implied.implied_agents(calls, aht, np.array([[0.9, 0.7, 0.8, 0.95]]), ERLANG_A_120)
    assert n[0, 0] == 0.0  # no traffic, no agent
    load = calls[0, 1:] * aht[0, 1:] / 3600
    for k, target in zip(range(1, 4), (0.7, 0.8, 0.95), strict=True):
        lo = np.floor(n[0, k])
        s_lo = 1 - erlang_a.abandon_probability(lo, load[k - 1], 180.0, 120.0)
        s_hi = 1 - erlang_a.abandon_probability(lo + 1, load[k - 1], 180.0, 120.0)
        assert s_lo <= target <= s_hi  # the whole agents around it bracket the target
        assert s_lo + (n[0, k] - lo) * (s_hi - s_lo) == pytest.approx(target)
    # more answered asks for more agents
    assert n[0, 2] < n[0, 3]


def test_observed_cells_count_every_call_once():
    t = pd.date_range("2023-03-06 08:00", periods=6, freq="20min", tz="Europe/Oslo")
    calls = pd.DataFrame(
        {
            "district": ["Oslo"] * 6,
            "arrived_at": t,
            "answered": [True, True, False, True, False, True],
            "wait_s": [10.0, 20.0, 5.0, 30.0, 40.0, 60.0],
        }
    )
    cells = implied.observed_cells(calls, ("Oslo",), 2023)
    assert cells["offered"].sum() == 6 and cells["answered"].sum() == 4
    at8 = cells[(cells["day_type"] == "weekday") & (cells["hour"] == 8)].iloc[0]
    assert (at8["offered"], at8["answered"], at8["wait_answered_s"]) == (3, 2, 30.0)


def simulated_log(weeks: int = 6, patience_s: float = 120.0, seed: int = 11):
    """Three boards of a known plan (square-root staffing by day type), simulated with Ciw
    and written as a log in the contract; the rates table of the same hours; the plan."""
    grid = hour_grid(2023)
    start = int(np.flatnonzero(grid["hour_start"] == pd.Timestamp("2023-03-06 00:00", tz="Europe/Oslo"))[0])
    hours = grid.iloc[start : start + weeks * 168].reset_index(drop=True)
    level = np.where(hours["day_type"].to_numpy() == "weekday", 1.0, 0.7)
    rows, rates, plan_hours = [], [], 0
    for b, (district, peak) in enumerate({"Oslo": 80.0, "Agder": 40.0, "Finnmark": 20.0}.items()):
        calls = peak * level
        load = calls * 180.0 / 3600
        agents = np.maximum(1, np.ceil(load + 0.5 * np.sqrt(load))).astype(int)
        plan_hours += int(agents.sum())
        sim = simulation.simulate_calls(calls, agents, 180.0, patience_s, seed=seed + b)  # exponential service
        sim = sim[sim["outcome"] != "waiting"]
        answered = (sim["outcome"] == "answered").to_numpy()
        talk = np.where(answered, (sim["service_end_s"] - sim["service_start_s"]).to_numpy(), 0.0)
        rows.append(
            pd.DataFrame(
                {
                    "district": district,
                    "queue": "sentralbord",
                    "arrived_at": hours["hour_start"].iloc[0] + pd.to_timedelta(sim["arrival_s"].to_numpy(), unit="s"),
                    "wait_s": sim["wait_s"].to_numpy(),
                    "talk_s": talk,
                    "answered": answered,
                    "in_scope": True,
                }
            )
        )
        rates.append(hours.assign(district=district, rate_per_hour=calls, aht_s=180.0))
    return pd.concat(rows, ignore_index=True), pd.concat(rates, ignore_index=True), plan_hours


@pytest.mark.parametrize("seed", [11, 21])
def test_patience_and_staffing_are_recovered_from_a_simulated_log(seed):
    log, rates, plan_hours = simulated_log(seed=seed)
    fit = patience.fit_patience(log, ["queue"])
    fitted = float(fit["patience_s"].iloc[0])
    assert fitted == pytest.approx(120.0, rel=0.05)
    today = implied.implied_staffing(rates, log, Assumptions(queue_model="erlang_a", patience_s=fitted))
    assert today.agent_hours == pytest.approx(plan_hours, rel=0.03)
    total = today.by_district.iloc[-1]
    assert total["answered_share_model"] == pytest.approx(total["answered_share_observed"], abs=0.002)


def test_implied_staffing_needs_a_model_where_callers_hang_up():
    with pytest.raises(ValueError, match="callers hang up"):
        implied.implied_agents(np.array([[10.0]]), np.array([[180.0]]), np.array([[0.9]]), Assumptions())
