"""The reference simulation of a staffing plan (lib.model.simulation, Ciw): theory, seeds, schedules."""

from __future__ import annotations

import random

import ciw
import numpy as np
import pandas as pd
import pytest

import lib.model.simulation as sim
from lib.model.simulation import simulate_calls, simulate_plan, summarise
from lib.queues.erlang import average_speed_of_answer, service_level


def constant(calls, aht_s, agents, patience_s, target_s, hours=48, reps=8, seed=11):
    """A stationary board: ``hours`` measured hours after a 2-hour warm-up; the summary at 99 %."""
    reps_df = simulate_plan(
        np.full(hours, float(calls)),
        np.full(hours, agents),
        float(aht_s),
        patience_s,
        target_s,
        replications=reps,
        seed=seed,
        warmup_hours=2,
    )
    return reps_df, summarise(reps_df, level=0.99).set_index("metric")


def inside(s: pd.DataFrame, metric: str, value: float) -> bool:
    return bool(s.loc[metric, "low"] <= value <= s.loc[metric, "high"])


# --- Against theory: stationary queues ----------------------------------------------------------

ERLANG_C_CASES = [(170.0, 180.0, 10, 20.0), (60.0, 240.0, 6, 95.0)]


@pytest.mark.parametrize(("calls", "aht", "n", "target"), ERLANG_C_CASES)
def test_erlang_c_without_patience(calls, aht, n, target):
    """M/M/n, nobody hangs up: service level (both bases) and mean wait inside the 99 % intervals."""
    reps, s = constant(calls, aht, n, None, target)
    A = calls * aht / 3600
    assert (reps["abandoned"] == 0).all() and (reps["unresolved"] == 0).all()
    assert (reps["service_level_offered"] == reps["service_level_answered"]).all()
    assert inside(s, "service_level_offered", service_level(n, A, aht, target))
    assert inside(s, "mean_wait_s", average_speed_of_answer(n, A, aht))
    # and the offered calls match the rate (Poisson count of 8 x 48 hours)
    assert abs(s.loc["offered", "mean"] - calls * 48) < 4 * np.sqrt(calls * 48 / 8)


def test_ciw_own_hand_over_would_fail_the_check(monkeypatch):
    """Ciw's stock node replaces every agent at each hourly shift end (busy ones finish beside
    a full new shift), which adds capacity at every boundary: the same check then fails.
    This is why :class:`lib.model.simulation.ShiftNode` exists, and it shows the test has power."""
    calls, aht, n, target = ERLANG_C_CASES[0]
    monkeypatch.setattr(sim, "ShiftNode", ciw.Node)
    _, s = constant(calls, aht, n, None, target)
    asa = average_speed_of_answer(n, calls * aht / 3600, aht)
    assert s.loc["mean_wait_s", "high"] < asa  # far too short a wait


def test_lean_event_methods_match_ciws(monkeypatch):
    """ShiftNode's faster choose_next_customer / update_next_event_date give the same calls as
    ciw.Node's general methods (hand-overs, a closed hour, hang-ups, empirical times)."""
    rng = np.random.default_rng(5)
    calls = rng.uniform(0, 300, 30)
    calls[5:8] = 0
    agents = rng.integers(0, 20, 30)
    sample = rng.gamma(0.8, 200, 2000).round()
    lean = [simulate_calls(calls, agents, sample, p, seed=3) for p in (None, 90.0)]

    class Stock(sim.ShiftNode):
        choose_next_customer = ciw.Node.choose_next_customer
        update_next_event_date = ciw.Node.update_next_event_date

    monkeypatch.setattr(sim, "ShiftNode", Stock)
    for p, df in zip((None, 90.0), lean, strict=True):
        pd.testing.assert_frame_equal(simulate_calls(calls, agents, sample, p, seed=3), df)


def test_erlang_a_with_patience():
    """M/M/n+M: abandonment, both service levels and the answered calls' mean wait inside the
    99 % intervals of lib.queues.erlang_a, including an overloaded board (n < A) that abandonment keeps stable."""
    erlang_a = pytest.importorskip("lib.queues.erlang_a", reason="lib/queues/erlang_a.py (Erlang A) is not there yet")
    for calls, aht, n, patience, target in [(170.0, 180.0, 10, 120.0, 20.0), (170.0, 180.0, 7, 180.0, 95.0)]:
        reps, s = constant(calls, aht, n, patience, target)
        A = calls * aht / 3600
        assert (reps["abandoned"] > 0).all()
        assert inside(s, "abandonment", erlang_a.abandon_probability(n, A, aht, patience))
        assert inside(s, "service_level_offered", erlang_a.service_level(n, A, aht, patience, target))
        assert inside(s, "service_level_answered", erlang_a.answered_service_level(n, A, aht, patience, target))
        assert inside(s, "mean_wait_s", erlang_a.average_speed_of_answer(n, A, aht, patience))


# --- Seeds --------------------------------------------------------------------------------------


def test_same_seed_same_numbers_other_seed_other_numbers():
    rng = np.random.default_rng(0)
    calls = rng.uniform(5, 60, (3, 30))
    agents = rng.integers(1, 8, (3, 30))
    sample = rng.gamma(1.5, 120, 500)
    args = (calls, agents, sample, 90.0, 20.0, slice(6, 30))
    a = simulate_plan(*args, replications=3, seed=7, aht_s=np.full((3, 30), 150.0), warmup_hours=6)
    b = simulate_plan(*args, replications=3, seed=7, aht_s=np.full((3, 30), 150.0), warmup_hours=6)
    c = simulate_plan(*args, replications=3, seed=8, aht_s=np.full((3, 30), 150.0), warmup_hours=6)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)
    # replications differ from each other; the caller's random states are left alone
    assert a["offered"].nunique() > 1
    state, rng_state = random.getstate(), ciw.rng.bit_generator.state
    simulate_plan(*args, replications=1, seed=7, warmup_hours=6)
    assert random.getstate() == state and ciw.rng.bit_generator.state == rng_state


def test_workers_give_the_same_numbers():
    calls = np.full((2, 12), 40.0)
    agents = np.full((2, 12), 4)
    one = simulate_plan(calls, agents, 150.0, None, 20.0, replications=3, seed=1, warmup_hours=1, by_board=True)
    two = simulate_plan(
        calls, agents, 150.0, None, 20.0, replications=3, seed=1, warmup_hours=1, by_board=True, workers=2
    )
    pd.testing.assert_frame_equal(one, two)
    assert list(one.columns[:2]) == ["replication", "board"] and len(one) == 6


# --- The schedule -------------------------------------------------------------------------------


def test_an_hour_without_agents():
    """Traffic but no agents in the measured hour (and after it): everybody waits, and with
    patience everybody hangs up."""
    calls, agents = [100.0, 100.0, 0.0], [10, 0, 0]
    r = simulate_plan(calls, agents, 180.0, None, 20.0, slice(1, 2), replications=2, seed=3, warmup_hours=1)
    assert (r["offered"] > 50).all()
    assert (r["answered"] == 0).all() and (r["unresolved"] == r["offered"]).all()
    assert (r["service_level_offered"] == 0).all() and r["service_level_answered"].isna().all()
    r = simulate_plan(calls, agents, 180.0, 60.0, 20.0, slice(1, 2), replications=2, seed=3, warmup_hours=1)
    assert (r["abandoned"] == r["offered"]).all() and (r["abandonment"] == 1).all()
    assert r["mean_wait_s"].isna().all()
    s = summarise(r).set_index("metric")
    assert s.loc["mean_wait_s", "replications"] == 0 and np.isnan(s.loc["mean_wait_s", "mean"])


def test_no_call_is_answered_while_nobody_is_on_duty():
    c = simulate_calls([100.0, 100.0, 100.0], [10, 0, 10], 180.0, None, seed=4)
    in_gap = (c["arrival_s"] >= 3600) & (c["arrival_s"] < 7200)
    starts = c["service_start_s"]
    assert in_gap.sum() > 50
    assert not ((starts >= 3600) & (starts < 7200)).any()  # nobody answers in hour 1 ...
    assert (c.loc[in_gap, "wait_s"] > 0).all()  # ... so its callers all wait
    assert (starts[in_gap] >= 7200).all()


def test_the_schedule_follows_the_plan():
    """Agents on duty never exceed the hour's plan: the calls taken since the hour began are
    never more than its agents, nor are all calls in service when the plan did not fall.
    Calls in hand at a cut are finished, not interrupted, and every agent of a busy hour is used."""
    agents = np.array([10, 2, 10, 3, 0, 6, 12, 1])
    c = simulate_calls(np.full(agents.size, 400.0), agents, 180.0, None, seed=9)
    ans = c[c["outcome"] == "answered"].sort_values("service_start_s")
    start = ans["service_start_s"].to_numpy()
    end = ans["service_end_s"].fillna(np.inf).to_numpy()
    hour = (start // 3600).astype(int)
    in_service = np.array([((start <= t) & (end > t)).sum() for t in start])
    taken_this_hour = np.array(
        [((start <= t) & (end > t) & (start >= h * 3600)).sum() for t, h in zip(start, hour, strict=True)]
    )
    assert (taken_this_hour <= agents[hour]).all()
    not_cut = np.r_[True, agents[1:] >= agents[:-1]]
    assert (in_service[not_cut[hour]] <= agents[hour][not_cut[hour]]).all()
    for h in np.flatnonzero(agents):
        assert taken_this_hour[hour == h].max() == agents[h]
    assert not (hour == 4).any()  # no agents, no answers
    # the cut from 10 to 2 agents: several calls taken in hour 0 run on into hour 1
    assert ((hour == 0) & (end > 3600)).sum() > 2


def test_more_agents_more_service():
    """Same seed, same arrivals: a call's wait can only fall when agents are added."""
    calls = np.full(24, 150.0)
    out = [
        simulate_plan(calls, np.full(24, n), 200.0, None, 20.0, replications=4, seed=2, warmup_hours=2)
        for n in (9, 10, 12)
    ]
    within = np.array([o["answered_within_target"].to_numpy() for o in out])
    wait = np.array([o["mean_wait_s"].to_numpy() for o in out])
    assert (np.diff(within, axis=0) >= 0).all() and (np.diff(wait, axis=0) <= 0).all()
    assert within[-1].sum() > within[0].sum()


def test_hour_by_hour_handling_times_follow_the_plan():
    """An empirical sample keeps its shape and takes the mean of the hour the service starts in."""
    sample = np.array([60.0, 120.0, 120.0, 300.0])  # mean 150
    c = simulate_calls([120.0, 120.0], [30, 30], sample, None, seed=1, aht_s=[100.0, 300.0])
    t = (c["service_end_s"] - c["service_start_s"]).dropna()
    hour = (c.loc[t.index, "service_start_s"] // 3600).astype(int)
    for h, mean in [(0, 100.0), (1, 300.0)]:
        assert np.allclose(np.sort(np.unique(t[hour == h].round(6))), np.unique(sample) / 150.0 * mean)


def test_bad_input_is_refused():
    ok = (np.ones((1, 4)), np.ones((1, 4)), 100.0, None, 20.0)
    with pytest.raises(ValueError, match="whole numbers"):
        simulate_plan(ok[0], np.full((1, 4), 1.5), *ok[2:])
    with pytest.raises(ValueError, match="shape"):
        simulate_plan(ok[0], np.ones((2, 4)), *ok[2:])
    with pytest.raises(ValueError, match="patience_s"):
        simulate_plan(*ok[:3], 0.0, 20.0)
    with pytest.raises(ValueError, match="consecutive"):
        simulate_plan(*ok, hours=[0, 2])
    with pytest.raises(ValueError, match="handling_times_s"):
        simulate_plan(ok[0], ok[1], -1.0, None, 20.0)
    with pytest.raises(ValueError, match="seed"):
        simulate_plan(*ok, seed=-1)
