"""The simulation check of a plan against its own prediction, and ISA (lib/model/plan_check.py)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from lib.core.assumptions import Assumptions
from lib.core.oslo_calendar import hour_grid
from lib.model import plan_check
from lib.model.staffing import Staffing, staff
from lib.queues import erlang, erlang_a
from lib.queues.erlang import offered_load

A = Assumptions()
A_ERLANG_A = A.replace(queue_model="erlang_a", patience_s=180.0)


def _plan(calls: np.ndarray, agents: np.ndarray, aht_s: float = 180.0, concept: str = "base") -> Staffing:
    calls = np.atleast_2d(np.asarray(calls, dtype=float))
    hours = pd.DataFrame({"hour": np.arange(calls.shape[1]) % 24})
    boards = tuple(f"b{i}" for i in range(calls.shape[0]))
    aht = np.where(calls > 0, aht_s, 0.0)
    agents = np.broadcast_to(np.asarray(agents, dtype=np.int64), calls.shape).copy()
    return Staffing(concept, None, boards, hours, calls, aht, agents, np.zeros(calls.shape))


def _rates(per_district: float, districts=("Oslo", "Agder")) -> pd.DataFrame:
    grid = hour_grid(2023)[["hour_start", "date", "hour", "day_type"]]
    return pd.concat(
        [grid.assign(district=d, rate_per_hour=per_district, aht_s=180.0) for d in districts], ignore_index=True
    )


def test_the_prediction_is_the_call_weighted_queue_model():
    """Two boards, two loads: the year's prediction is the calls-weighted mean of Erlang C."""
    calls = np.array([[40.0] * 24, [10.0] * 24])
    agents = np.array([[4] * 24, [2] * 24])
    p = _plan(calls, agents)
    t = 95.0  # the base concept's target
    sl = [erlang.service_level(n, offered_load(c, 180.0), 180.0, t) for n, c in ((4, 40.0), (2, 10.0))]
    asa = [erlang.average_speed_of_answer(n, offered_load(c, 180.0), 180.0) for n, c in ((4, 40.0), (2, 10.0))]
    year = plan_check._year_predicted(plan_check.predicted_by_hour(p, A), calls)
    assert year["service_level_offered"] == pytest.approx((40 * sl[0] + 10 * sl[1]) / 50, rel=1e-12)
    assert year["service_level_answered"] == pytest.approx(year["service_level_offered"], rel=1e-12)
    assert year["mean_wait_s"] == pytest.approx((40 * asa[0] + 10 * asa[1]) / 50, rel=1e-12)
    assert year["abandonment"] == 0.0
    # Erlang A: the answered basis and the wait weighted by the answered calls
    ya = plan_check._year_predicted(plan_check.predicted_by_hour(p, A_ERLANG_A), calls)
    ans = [1 - erlang_a.abandon_probability(n, offered_load(c, 180.0), 180.0, 180.0) for n, c in ((4, 40.0), (2, 10.0))]
    sla = [
        erlang_a.answered_service_level(n, offered_load(c, 180.0), 180.0, 180.0, t) for n, c in ((4, 40.0), (2, 10.0))
    ]
    w = np.array([40 * ans[0], 10 * ans[1]])
    assert ya["service_level_answered"] == pytest.approx(float(w @ np.array(sla) / w.sum()), rel=1e-12)
    assert ya["abandonment"] == pytest.approx(1 - (40 * ans[0] + 10 * ans[1]) / 50, rel=1e-12)


@pytest.mark.parametrize("a", [A, A_ERLANG_A], ids=["erlang_c", "erlang_a"])
def test_stationary_plan_lands_on_its_prediction(a):
    """Constant traffic and agents: under the model's own assumptions the simulated year is
    the prediction (within the 99 % interval widened by the hour-boundary effects, 0.5 pp)."""
    p = _plan(np.full((1, 24 * 40), 60.0), 5)
    c = plan_check.check_plan(p, a, replications=8, seed=3)
    rows = c.rows.set_index("measure")
    assert set(rows["departure"]) == {"none"} and (rows["replications"] == 8).all()
    for m in ("service_level_offered", "service_level_answered", "abandonment"):
        assert abs(rows.loc[m, "difference"]) < 0.005, m
    assert abs(rows.loc["mean_wait_s", "difference"]) / rows.loc["mean_wait_s", "predicted"] < 0.03
    assert rows.loc["service_level_offered", "simulated_low"] <= rows.loc["service_level_offered", "simulated"]


def test_departures_are_paired_effects_in_the_expected_direction():
    """Constant handling times (less variable than exponential) answer more within the
    target; callers who hang up shorten the queue; every arrival in the hour's first 5
    minutes lengthens it. Paired, so each effect's interval is narrow."""
    p = _plan(np.full((1, 24 * 20), 60.0), 5)
    profile = np.zeros((24, 12))
    profile[:, 0] = 1.0
    log = plan_check.LogShape(np.full(50, 7.0), profile, 120.0)
    assert log.departures("erlang_c") == ("handling", "arrivals", "patience", "all")
    assert log.departures("erlang_a") == ("handling", "arrivals", "all")
    c = plan_check.check_plan(p, A, log, replications=6, seed=4)
    eff = c.rows[c.rows["measure"] == "service_level_offered"].set_index("departure")
    assert eff.loc["handling", "effect"] > 0.01 and eff.loc["patience", "effect"] > 0.01
    assert eff.loc["arrivals", "effect"] < -0.1
    assert math.isnan(eff.loc["none", "effect"])
    width = eff.loc["handling", "effect_high"] - eff.loc["handling", "effect_low"]
    assert width < eff.loc["handling", "effect"]
    ab = c.rows[c.rows["measure"] == "abandonment"].set_index("departure")
    assert ab.loc["patience", "simulated"] > 0 and ab.loc["handling", "simulated"] == 0


def test_arrivals_within_the_hour_follow_the_profile():
    rng = np.random.default_rng(0)
    profile = np.full((24, 12), 0.0)
    profile[:, 3] = 0.5
    profile[:, 11] = 0.5
    rates = np.full((2, 48), 100.0)
    out = plan_check._arrivals_within_hours(rates, np.arange(48) % 24, profile, rng)
    for t in out:
        assert (np.diff(t) >= 0).all() and t.min() >= 0 and t.max() < 48 * 3600
        bins = (t % 3600) // 300
        assert set(np.unique(bins)) == {3, 11}
        assert abs(t.size - 4800) < 4 * math.sqrt(4800)


def test_the_log_shape_of_a_call_log_and_of_intervals():
    t = pd.date_range("2023-01-02 08:00", periods=120, freq="min", tz="Europe/Oslo")
    calls = pd.DataFrame({"arrived_at": t, "talk_s": 100.0, "answered": True, "in_scope": True})
    log = plan_check.LogShape.of_log(calls, 30.0, 200.0, seed=1)
    assert log.handling_sample_s is not None and (log.handling_sample_s == 130.0).all()
    assert log.within_hour is not None and log.within_hour.shape == (24, 12)
    assert np.allclose(log.within_hour.sum(axis=1), 1.0)
    assert np.allclose(log.within_hour[8], 1 / 12) and np.allclose(log.within_hour[3], 1 / 12)
    intervals = pd.DataFrame({"offered": [10], "answered": [8], "talk_total_s": [800.0], "in_scope": [True]})
    shape = plan_check.LogShape.of_log(intervals, 30.0, 200.0, seed=1)
    assert shape.handling_sample_s is None and shape.within_hour is None
    assert shape.departures("erlang_c") == ("patience",)


def test_busy_time_by_hour_is_exact():
    start = np.array([100.0, 3500.0, 7000.0])
    end = np.array([400.0, 3700.0, 12000.0])
    busy = plan_check._busy_by_hour(start, end, 3)
    assert np.allclose(busy, [300.0 + 100.0, 100.0 + 200.0, 3600.0])  # the last call is cut at the plan's end


def test_spilled_load_moves_work_and_conserves_it():
    p = _plan(np.concatenate([np.full(12, 120.0), np.full(12, 5.0)])[None, :], 9)
    from lib.queues.simulator import simulate

    r = simulate(p.agents, 180.0, p.calls, replications=3, seed=1, records=True)
    spill = plan_check.spilled_load(r, 1, 24)
    assert abs(spill.sum()) < 0.2  # only work past the plan's end is lost
    assert spill[0, 12] > 0.2  # the busy morning's queue and long calls load the quiet hour after it


def test_isa_keeps_a_right_plan_and_moves_agents_after_a_drop():
    """Constant traffic: the formula plan is right and ISA stops at once. A sudden drop in
    traffic: ISA adds agents to the first quiet hour, where the busy hour's work lands."""
    rates = _rates(30.0, ("Oslo",))
    steady = staff("base", rates, None, A)
    small = Staffing(
        steady.concept,
        None,
        steady.boards,
        steady.hours.iloc[: 24 * 14],
        steady.calls[:, : 24 * 14],
        steady.aht_s[:, : 24 * 14],
        steady.agents[:, : 24 * 14],
        steady.asa_s[:, : 24 * 14],
    )
    isa = plan_check.iterative_staffing(small, A, replications=3, seed=2)
    assert isa.converged and isa.iterations <= 3
    assert abs(isa.history[-1] - isa.history[0]) <= 0.01 * isa.history[0]

    calls = np.tile(np.concatenate([np.full(8, 200.0), np.full(16, 8.0)]), 10)[None, :]
    p = _plan(calls, 0)
    p = Staffing(
        p.concept,
        None,
        p.boards,
        p.hours,
        p.calls,
        p.aht_s,
        plan_check.models.required_agents(p.calls, p.aht_s, 95.0, A),
        p.asa_s,
    )
    isa = plan_check.iterative_staffing(p, A, replications=3, seed=2)
    assert isa.converged
    after_drop = np.arange(calls.shape[1]) % 24 == 8
    assert (isa.plan.agents[0, after_drop] >= p.agents[0, after_drop]).all()
    assert isa.plan.agents[0, after_drop].sum() > p.agents[0, after_drop].sum()


def test_the_hourly_detail_carries_a_95_percent_interval_over_the_replications():
    """by_group's interval: centred on the pooled share, from the replications' spread (the
    ratio estimator), with the t quantile of R − 1 degrees of freedom; it covers the
    replications' own shares' mean, and its width falls like 1/√R."""
    p = _plan(np.full((2, 24 * 20), [[30.0], [8.0]]), [[4], [2]])
    c = plan_check.check_plan(p, A_ERLANG_A, replications=12, seed=5)
    d = plan_check.by_group(c)
    assert (d["replications"] == 12).all()
    assert (d["simulated_low"] < d["simulated"]).all() and (d["simulated"] < d["simulated_high"]).all()
    np.testing.assert_allclose(d["simulated_high"] - d["simulated"], d["simulated"] - d["simulated_low"], rtol=1e-9)
    # by hand for one board: the replications' answered-in-time calls and base (the plan's basis)
    r = c.runs["model"]
    num = r.answered_within[:, 0, :, 0].sum(axis=1)
    den = (r.answered if c.basis == "answered" else r.offered)[:, 0, :].sum(axis=1)
    share = num.sum() / den.sum()
    se = np.std(num - share * den, ddof=1) / math.sqrt(12) / den.mean()
    row = d[(d["group"] == "board") & (d["value"] == "b0")].iloc[0]
    assert row["simulated"] == pytest.approx(share, rel=1e-12)
    from scipy import stats

    half = stats.t.ppf(0.975, 11) * se
    assert row["simulated_high"] - row["simulated"] == pytest.approx(half, rel=1e-9)
    assert row["simulated_low"] <= float(np.mean(num / den)) <= row["simulated_high"]


def test_check_concepts_and_the_readings():
    rates = _rates(6.0)
    out = plan_check.check_concepts(
        rates,
        {"Erlang C": A, "Erlang A": A_ERLANG_A},
        [2026, 2033],
        plan_check.LogShape(np.array([60.0, 300.0]), None, 150.0),
        concepts=("base", "III"),
        replications=2,
        seed=1,
    )
    t = out.table
    assert tuple(t.columns) == plan_check.CHECK_COLUMNS and t["year"].dtype == "Int64"
    plans = t[["model", "concept", "year"]].drop_duplicates()
    assert len(plans) == 2 * (1 + 2)  # base once, III in both years, under both models
    logged = t[t["assumptions"] == "log"]
    assert set(logged["concept"]) == {"base"}
    assert set(logged[logged["model"] == "Erlang C"]["departure"]) == {"handling", "patience", "all"}
    assert set(logged[logged["model"] == "Erlang A"]["departure"]) == {"handling"}
    d = out.detail
    assert tuple(d.columns) == plan_check.DETAIL_COLUMNS
    one = d[(d["model"] == "Erlang C") & (d["concept"] == "base") & (d["departure"] == "none")]
    for group in ("hour_of_day", "load_band", "board"):
        assert one[one["group"] == group]["calls"].sum() == pytest.approx(2 * 6.0 * len(rates) / 2, rel=1e-9)
    s = plan_check.summary(t)
    assert len(s) == 6 and "SL alle difference" in s.columns
    e = plan_check.departure_effects(t)
    assert set(e["departure"]) == {"handling", "patience", "all"}
    assert len(plan_check.largest_gaps(d, n=3, min_calls=0)) == 3


def test_isa_concepts_table_and_reuse_of_the_check():
    rates = _rates(6.0, ("Oslo",))
    checked = plan_check.check_concepts(rates, {"Erlang C": A}, [2026], None, concepts=("base",), replications=2)
    table, runs = plan_check.isa_concepts(
        rates,
        A,
        2026,
        label="Erlang C",
        concepts=("base",),
        iteration_replications=1,
        replications=2,
        checked=checked.checks,
    )
    assert tuple(table.columns) == plan_check.ISA_COLUMNS and list(table["plan"]) == ["formel", "ISA"]
    assert runs[0][0] is checked.checks[0]  # the formula plan's check is reused
    assert table["converged"].all()
    assert len(plan_check.isa_detail(runs)["plan"].unique()) == 2


def test_bad_input_is_refused():
    p = _plan(np.full((1, 24), 10.0), 2)
    with pytest.raises(ValueError, match="at least 2"):
        plan_check.check_plan(p, A, replications=1)
    with pytest.raises(ValueError, match="unknown"):
        plan_check.check_plan(p, A, plan_check.LogShape(None, None, 100.0), departures=["weather"], replications=2)
