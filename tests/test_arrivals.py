"""Hourly arrival rates and handling times (lib/traffic/arrivals.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize

from lib.calllog import read_clean
from lib.core.districts import DISTRICTS, modelled_districts
from lib.core.oslo_calendar import DAY_TYPES, TIMEZONE, hour_grid
from lib.traffic import arrivals
from lib.traffic.arrivals import RATE_COLUMNS, build_rates, fit_margins

MODELLED = modelled_districts(("Trøndelag",))
#: The report's assumptions, as plain values (after-call work in seconds).
SETTINGS = {
    "year": 2023,
    "excluded_districts": ("Trøndelag",),
    "arrival_model": "glm",
    "after_call_work_s": 30.0,
    "min_answered": 30,
}


def _calls(hour_starts, districts, talk=None, answered=None, offset_s=600):
    """A cleaned-log frame: one call per (hour_start, district), ``offset_s`` into the hour."""
    n = len(hour_starts)
    arrived = pd.Series(pd.DatetimeIndex(hour_starts)) + pd.to_timedelta(np.broadcast_to(offset_s, n), unit="s")
    answered = np.ones(n, bool) if answered is None else np.asarray(answered, bool)
    talk = np.where(answered, 120.0, 0.0) if talk is None else np.asarray(talk, float)
    districts = np.asarray(districts, dtype=object)
    return pd.DataFrame(
        {
            "call_id": [f"T{i:08d}" for i in range(n)],
            "district": districts,
            "queue": "sentralbord",
            "arrived_at": arrived,
            "wait_s": 10.0,
            "talk_s": talk,
            "answered": answered,
            "in_scope": districts != "Trøndelag",
            "id_conflict": False,
        }
    )


@pytest.fixture(scope="module")
def grid():
    return hour_grid(2023)


@pytest.fixture(scope="module")
def year_calls(grid):
    """A small Poisson year for all 12 districts (≈ 80 000 calls) with a weekly and seasonal shape."""
    rng = np.random.default_rng(np.random.SeedSequence(4242))
    prof = (
        (0.5 + np.exp(-(((grid["hour"].to_numpy() - 11) / 4.0) ** 2)))
        * np.where(grid["day_type"] == "weekday", 1.0, 0.5)
        * (1 + 0.2 * np.cos(2 * np.pi * grid["month"] / 12))
    )
    size = np.linspace(1.0, 0.5, len(DISTRICTS))
    lam = np.outer(size, prof) * 80_000 / (size.sum() * prof.sum())
    n = rng.poisson(lam).ravel()
    h = np.repeat(np.tile(np.arange(len(grid)), len(DISTRICTS)), n)
    d = np.repeat(np.repeat(np.arange(len(DISTRICTS)), len(grid)), n)
    ans = rng.random(n.sum()) < 0.8
    calls = _calls(
        grid["hour_start"].iloc[h],
        np.array(DISTRICTS, dtype=object)[d],
        talk=np.where(ans, rng.exponential(150, n.sum()), 0.0),
        answered=ans,
        offset_s=rng.uniform(0, 3599, n.sum()),
    )
    return calls


@pytest.fixture(scope="module")
def glm(year_calls):
    return build_rates(year_calls, **SETTINGS)


# --- The Poisson model ------------------------------------------------------------------------


def _independent_mle(y, a, b):
    """Poisson MLE by Newton's method on the log-likelihood (scipy), design = one-hot(a) + one-hot(b)[1:]."""
    na, nb = a.max() + 1, b.max() + 1
    X = np.hstack([np.eye(na)[a], np.eye(nb)[b][:, 1:]])

    def nll(theta):
        eta = X @ theta
        return np.exp(eta).sum() - y @ eta

    def grad(theta):
        return X.T @ (np.exp(X @ theta) - y)

    def hess(theta):
        return X.T @ (np.exp(X @ theta)[:, None] * X)

    res = minimize(nll, np.zeros(X.shape[1]), jac=grad, hess=hess, method="trust-exact", options={"gtol": 1e-9})
    assert res.success, res.message
    return np.exp(X @ res.x)


def test_ipf_equals_an_independent_maximum_likelihood_fit():
    rng = np.random.default_rng(np.random.SeedSequence(7))
    # An unbalanced design (like weekday-hours x months): every pair present, 1-4 cells each.
    pairs = [(i, j) for i in range(6) for j in range(4)]
    reps = rng.integers(1, 5, len(pairs))
    a = np.repeat([p[0] for p in pairs], reps)
    b = np.repeat([p[1] for p in pairs], reps)
    y = rng.poisson(3 + 2 * a + b).astype(float)
    mu, sweeps = fit_margins(y, [a, b], tol=1e-12)
    ref = _independent_mle(y, a, b)
    np.testing.assert_allclose(mu, ref, rtol=1e-7)
    assert sweeps > 1  # unbalanced: not a one-step fit


def test_ipf_is_exact_in_one_sweep_on_a_complete_table():
    # Independence in a 2 x 2 table: mu = row total x column total / N.
    y = np.array([10.0, 20.0, 30.0, 40.0])
    mu, _ = fit_margins(y, [np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1])])
    np.testing.assert_allclose(mu, [30 * 40 / 100, 30 * 60 / 100, 70 * 40 / 100, 70 * 60 / 100])


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 5), st.integers(1, 4), st.data())
def test_ipf_reproduces_every_margin(na, nb, data):
    reps = data.draw(st.lists(st.integers(1, 3), min_size=na * nb, max_size=na * nb))
    a = np.repeat(np.repeat(np.arange(na), nb), reps)
    b = np.repeat(np.tile(np.arange(nb), na), reps)
    y = np.array(data.draw(st.lists(st.integers(0, 20), min_size=len(a), max_size=len(a))), float)
    mu, _ = fit_margins(y, [a, b])
    for f in (a, b):
        np.testing.assert_allclose(np.bincount(f, mu), np.bincount(f, y), rtol=1e-8, atol=1e-8)
    assert np.all(mu >= 0) and np.isclose(mu.sum(), y.sum())


def test_deviance_and_pearson_by_hand():
    y, mu = np.array([0.0, 2.0]), np.array([1.0, 1.0])
    assert arrivals.poisson_deviance(y, mu) == pytest.approx(4 * np.log(2))
    assert arrivals.pearson_chi2(y, mu) == pytest.approx(2.0)
    assert arrivals.poisson_deviance(y, y + (y == 0)) == pytest.approx(2.0)  # only the y = 0 cell


def test_glm_rates_sum_to_the_count_and_match_the_model_margins(glm, year_calls, grid):
    r = glm.rates
    in_scope = int(year_calls["in_scope"].sum())
    assert r["observed"].sum() == in_scope
    assert r["rate_per_hour"].sum() == pytest.approx(in_scope, rel=1e-9)
    r = r.assign(dow=np.tile(grid["dow_model"], len(MODELLED)), month=np.tile(grid["month"], len(MODELLED)))
    for keys in (["district", "dow", "hour"], ["district", "month"]):
        g = r.groupby(keys)[["observed", "rate_per_hour"]].sum()
        np.testing.assert_allclose(g["rate_per_hour"], g["observed"], rtol=1e-8)
    # The model smooths: single hours differ from the counts.
    assert not np.allclose(r["rate_per_hour"], r["observed"])
    assert (r["rate_per_hour"] > 0).all()


def test_fit_statistics_are_consistent(glm):
    s = glm.fit.stats.set_index("district")
    assert list(s.index) == [*MODELLED, "Total"]
    assert (s.loc[list(MODELLED), "parameters"] == 7 * 24 + 12 - 1).all()
    assert s.loc["Total", "cells"] == 11 * 8760
    assert s.loc["Total", "df"] == 11 * 8760 - 11 * 179
    assert s.loc["Total", "deviance"] == pytest.approx(s.loc[list(MODELLED), "deviance"].sum())
    # Simulated from a Poisson process of (nearly) this form: dispersion close to 1.
    assert 0.9 < s.loc["Total", "dispersion"] < 1.1
    m = glm.fit.models
    assert m["deviance"].iloc[1] < m["deviance"].iloc[0]  # the month term earns its keep


def test_empirical_mode_equals_the_raw_counts(year_calls):
    emp = build_rates(year_calls, **{**SETTINGS, "arrival_model": "empirical"})
    assert (emp.rates["rate_per_hour"] == emp.rates["observed"]).all()
    raw = (
        year_calls[year_calls["in_scope"]]
        .assign(hour_start=lambda f: f["arrived_at"].dt.tz_convert("UTC").dt.floor("h").dt.tz_convert(TIMEZONE))
        .groupby(["district", "hour_start"])
        .size()
    )
    got = emp.rates.set_index(["district", "hour_start"])["observed"]
    got = got[got > 0]
    assert got.sort_index().to_dict() == raw.sort_index().to_dict()
    with pytest.raises(ValueError, match="arrival_model"):
        build_rates(year_calls, **{**SETTINGS, "arrival_model": "poisson"})


def test_in_scope_flag_must_agree_with_the_modelled_districts(year_calls):
    with pytest.raises(ValueError, match="excluded_districts must be the same"):
        build_rates(year_calls, **{**SETTINGS, "excluded_districts": ()})


# --- Handling time ------------------------------------------------------------------------


def test_aht_is_mean_talk_plus_after_call_work_with_fallbacks():
    wed = pd.Timestamp("2023-05-10", tz=TIMEZONE)  # an ordinary Wednesday
    sat = pd.Timestamp("2023-05-13", tz=TIMEZONE)
    h = lambda day, hour: day + pd.Timedelta(hours=hour)  # noqa: E731
    starts = [h(wed, 10)] * 40 + [h(wed, 11)] * 5 + [h(sat, 10)] * 10 + [h(wed, 10)] * 3 + [h(wed, 12)] * 4
    talk = [100.0] * 40 + [300.0] * 5 + [50.0] * 10 + [0.0] * 3 + [1000.0] * 4
    answered = [True] * 55 + [False] * 3 + [True] * 4
    district = ["Oslo"] * 58 + ["Agder"] * 4
    calls = _calls(starts, district, talk=talk, answered=answered)
    acw = 30.0  # App. B; the after_call_work_s assumption
    aht = arrivals.handling_times(calls, ("Oslo", "Agder"), 2023, after_call_work_s=acw, min_answered=30).set_index(
        ["district", "day_class", "hour"]
    )
    own = aht.loc[("Oslo", "weekday", 10)]
    assert own["level"] == arrivals.AHT_LEVELS[0] and own["n_answered"] == 40  # unanswered not counted
    assert own["aht_s"] == pytest.approx(100 + acw)
    few = aht.loc[("Oslo", "weekday", 11)]  # 5 < 30 answered: district x weekday (45 calls)
    assert few["level"] == arrivals.AHT_LEVELS[1] and few["mean_talk_s"] == pytest.approx(300)
    assert few["aht_s"] == pytest.approx((40 * 100 + 5 * 300) / 45 + acw)
    empty = aht.loc[("Oslo", "weekday", 3)]
    assert empty["level"] == arrivals.AHT_LEVELS[1] and np.isnan(empty["mean_talk_s"])
    wknd = aht.loc[("Oslo", "weekend_holiday", 10)]  # 10 answered at the weekend: district (55)
    assert wknd["level"] == arrivals.AHT_LEVELS[2]
    assert wknd["aht_s"] == pytest.approx((4000 + 1500 + 500) / 55 + acw)
    agder = aht.loc[("Agder", "weekday", 12)]  # 4 answered in the district: national (59)
    assert agder["level"] == arrivals.AHT_LEVELS[3]
    assert agder["aht_s"] == pytest.approx((6000 + 4000) / 59 + acw)
    assert len(aht) == 2 * 48
    # after_call_work_s overrides; a lower threshold keeps the cell's own mean.
    aht5 = arrivals.handling_times(calls, ("Oslo", "Agder"), 2023, after_call_work_s=0, min_answered=4).set_index(
        ["district", "day_class", "hour"]
    )
    assert aht5.loc[("Oslo", "weekday", 11), "aht_s"] == pytest.approx(300)
    assert aht5.loc[("Agder", "weekday", 12), "aht_s"] == pytest.approx(1000)


def test_rates_carry_the_aht_of_their_hour_type(glm):
    r = glm.rates
    aht = glm.aht.set_index(["district", "day_class", "hour"])["aht_s"]
    cls = np.where(r["day_type"] == "weekday", "weekday", "weekend_holiday")
    want = aht.reindex(pd.MultiIndex.from_arrays([r["district"], cls, r["hour"]])).to_numpy()
    np.testing.assert_allclose(r["aht_s"].to_numpy(), want)
    summary = arrivals.aht_summary(glm.aht, r)
    assert len(summary) == 2 * len(MODELLED) and (summary["aht_mean_s"] > 30).all()


# --- Output schema ----------------------------------------------------------------------


def test_output_is_interface_3(glm, tmp_path):
    r = glm.rates
    assert tuple(r.columns) == RATE_COLUMNS
    assert len(r) == len(MODELLED) * 8760
    assert list(r["district"].unique()) == list(MODELLED)
    assert (r.groupby("district", sort=False).size() == 8760).all()
    for _, g in r.groupby("district", sort=False):
        assert g["hour_start"].is_monotonic_increasing
    assert str(r["hour_start"].dt.tz) == TIMEZONE
    assert r["date"].dt.tz is None and (r["date"] == r["date"].dt.normalize()).all()
    assert (r["date"] == r["hour_start"].dt.tz_localize(None).dt.normalize()).all()
    assert r["hour"].between(0, 23).all() and pd.api.types.is_integer_dtype(r["hour"])
    assert pd.api.types.is_integer_dtype(r["observed"])
    assert r["rate_per_hour"].dtype == float and r["aht_s"].dtype == float
    assert set(r["day_type"]) == set(DAY_TYPES)
    assert r.notna().all().all()
    path = arrivals.write_rates(r, tmp_path)
    assert path == tmp_path / "arrival_rates.parquet"
    back = pd.read_parquet(path)
    pd.testing.assert_frame_equal(back, r, check_dtype=False)
    assert str(back["hour_start"].dt.tz) == TIMEZONE


def test_diagnostic_tables(glm):
    m = arrivals.by_month(glm)
    assert len(m) == 12 and np.allclose(m["difference"], 0, atol=1e-6)
    w = arrivals.by_hour_of_week(glm)
    assert len(w) == 168 and np.allclose(w["observed"], w["fitted"])
    summer = arrivals.by_hour_of_week(glm, (6, 7, 8))
    assert len(summer) == 168
    d = arrivals.by_date(glm)
    assert len(d) == 365 and d["observed"].sum() == glm.rates["observed"].sum()
    assert arrivals.month_hour_ratio(glm).shape == (12, 24)


def test_missing_inputs_are_clear_errors(tmp_path, glm):
    with pytest.raises(
        FileNotFoundError, match=r"neither calls_clean\.parquet nor intervals_clean\.parquet.*notebook 01"
    ):
        read_clean(tmp_path, columns=arrivals.CLEAN_COLUMNS)
    with pytest.raises(ValueError, match=r"missing column\(s\) \['aht_s'\]"):
        arrivals.write_rates(glm.rates.drop(columns="aht_s"), tmp_path)
    with pytest.raises(ValueError, match="min_answered"):
        arrivals.handling_times(glm.rates.head(0), MODELLED, 2023, after_call_work_s=30.0, min_answered=0)
