"""Patience from the log (issue 11, lib.traffic.patience): the censored exponential MLE, its standard
error and interval, the Kaplan–Meier check, periods, the staffing model's scalar and the figure.

Simulated queues: each caller has a patience P and an answer time A (both drawn with numpy,
seeded); the log sees wait = min(P, A), abandoned when P < A. With P ~ Exp(mean 90 s) and
A ~ Exp(mean 60 s), 40 % of the callers hang up, after a mean of 1 / (1/90 + 1/60) = 36 s.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from test_figures import all_text, check_figure

from lib.core import plotstyle
from lib.report import figures
from lib.traffic import patience as pat

N = 200_000
TRUE_PATIENCE = 90.0
ANSWER_MEAN = 60.0


def simulate(patience: np.ndarray, rng: np.random.Generator, answer_mean: float = ANSWER_MEAN, **columns):
    """A log of len(patience) calls with exponential answer times: the columns fit_patience reads."""
    answer = rng.exponential(answer_mean, len(patience))
    abandoned = patience < answer
    frame = pd.DataFrame({"wait_s": np.minimum(patience, answer), "answered": ~abandoned, "in_scope": True})
    for name, value in {"queue": "sentralbord", **columns}.items():
        frame[name] = value
    return frame


def exponential_log(seed: int = 11, n: int = N, mean: float = TRUE_PATIENCE, **columns) -> pd.DataFrame:
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    return simulate(rng.exponential(mean, n), rng, **columns)


@pytest.fixture(scope="module")
def exp_log() -> pd.DataFrame:
    return exponential_log()


@pytest.fixture(scope="module")
def exp_fit(exp_log) -> pd.DataFrame:
    return pat.fit_patience(exp_log, ["queue"])


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# --- the exponential MLE with censoring ------------------------------------------------------


def test_the_mle_recovers_the_patience_within_two_percent(exp_log, exp_fit):
    assert list(exp_fit.columns) == ["queue", *pat.PATIENCE_COLUMNS]
    row = exp_fit.iloc[0]
    print(f"\nMLE on {N:,} simulated calls: {row.patience_s:.2f} s (truth {TRUE_PATIENCE:.0f} s)")
    assert abs(row.patience_s / TRUE_PATIENCE - 1) < 0.02
    assert row.patience_low_s < TRUE_PATIENCE < row.patience_high_s
    # the formulas, from the log itself
    d = int((~exp_log["answered"]).sum())
    total = exp_log["wait_s"].sum()
    assert row.calls == N and row.abandoned == d
    assert row.total_wait_h == pytest.approx(total / 3600)
    assert row.rate_per_hour == pytest.approx(3600 * d / total)
    assert row.patience_s == pytest.approx(total / d)
    assert row.patience_se_s == pytest.approx(row.patience_s / np.sqrt(d))
    assert row.patience_low_s == pytest.approx(row.patience_s * np.exp(-pat.Z95 / np.sqrt(d)))
    assert row.patience_high_s == pytest.approx(row.patience_s * np.exp(pat.Z95 / np.sqrt(d)))
    assert d / N == pytest.approx(ANSWER_MEAN / (ANSWER_MEAN + TRUE_PATIENCE), abs=0.005)  # 40 % hang up


def test_ignoring_the_censoring_is_biased_low(exp_log, exp_fit):
    """The mean wait of the abandoned calls is E[P | P < A] = 36 s, not 90 s: the patient callers
    were answered before they hung up. Counting answered waits as patience is no better."""
    abandoned = ~exp_log["answered"]
    naive = exp_log.loc[abandoned, "wait_s"].mean()
    everyone = exp_log["wait_s"].mean()
    expected = 1 / (1 / TRUE_PATIENCE + 1 / ANSWER_MEAN)
    print(
        f"\nnaive mean of abandoned waits {naive:.1f} s, mean of all waits {everyone:.1f} s, "
        f"censored MLE {exp_fit['patience_s'].iloc[0]:.1f} s (truth {TRUE_PATIENCE:.0f} s)"
    )
    assert naive == pytest.approx(expected, rel=0.02)
    assert naive < 0.5 * TRUE_PATIENCE and everyone < 0.5 * TRUE_PATIENCE
    assert abs(exp_fit["patience_s"].iloc[0] - TRUE_PATIENCE) < 0.05 * (TRUE_PATIENCE - naive)


def test_the_standard_error_matches_the_spread_over_replications():
    """200 replications of 20 000 calls, fitted in one call (one group per replication)."""
    reps, n = 200, 20_000
    log = pd.concat([exponential_log(seed=1000 + r, n=n, rep=r) for r in range(reps)], ignore_index=True)
    fit = pat.fit_patience(log, ["rep"])
    assert len(fit) == reps and list(fit["rep"]) == list(range(reps))
    spread, se = fit["patience_s"].std(ddof=1), fit["patience_se_s"].mean()
    covered = ((fit["patience_low_s"] < TRUE_PATIENCE) & (TRUE_PATIENCE < fit["patience_high_s"])).mean()
    print(f"\nSD over {reps} replications {spread:.3f} s, mean Fisher SE {se:.3f} s, 95 % coverage {covered:.3f}")
    assert 0.8 < spread / se < 1.2  # the SD of 200 draws is itself uncertain by ≈ 5 %
    assert abs(fit["patience_s"].mean() - TRUE_PATIENCE) < 3 * spread / np.sqrt(reps) + 0.01 * TRUE_PATIENCE
    assert 0.9 <= covered <= 0.99


def test_calls_answered_at_once_add_no_waiting_time(exp_log, exp_fit):
    """A call answered at wait 0 is censored at 0: one more call, no waiting time, no abandonment,
    so the estimate and the Kaplan–Meier curve do not move."""
    instant = pd.DataFrame(
        {"wait_s": 0.0, "answered": True, "in_scope": True, "queue": "sentralbord"}, index=range(50_000)
    )
    more = pd.concat([exp_log, instant], ignore_index=True)
    fit = pat.fit_patience(more, ["queue"])
    assert fit["calls"].iloc[0] == N + 50_000
    for col in ("abandoned", "total_wait_h", "rate_per_hour", "patience_s", "patience_se_s"):
        assert fit[col].iloc[0] == pytest.approx(exp_fit[col].iloc[0]), col
    km, km_more = pat.kaplan_meier(exp_log, ["queue"]), pat.kaplan_meier(more, ["queue"])
    np.testing.assert_allclose(km_more["survival"], km["survival"])
    np.testing.assert_array_equal(km_more["at_risk"], km["at_risk"])


def test_a_group_without_abandonments_has_no_finite_patience():
    log = pd.DataFrame(
        {"queue": ["sentralbord"] * 3 + ["operasjonssentral"] * 3, "wait_s": [5.0, 10, 20, 5, 10, 20]}
    ).assign(answered=[True, True, True, False, True, True], in_scope=True)
    fit = pat.fit_patience(log, ["queue"]).set_index("queue")
    assert np.isinf(fit.loc["sentralbord", "patience_s"]) and np.isinf(fit.loc["sentralbord", "patience_high_s"])
    assert np.isnan(fit.loc["sentralbord", "patience_se_s"]) and np.isnan(fit.loc["sentralbord", "patience_low_s"])
    assert fit.loc["sentralbord", "rate_per_hour"] == 0 and fit.loc["sentralbord", "gof_km_max_diff"] == 0
    assert fit.loc["operasjonssentral", "patience_s"] == pytest.approx(35.0)
    with pytest.raises(ValueError, match="no finite patience"):
        pat.model_patience_s(fit.reset_index())


# --- groups, periods, scope ------------------------------------------------------------------


def test_fits_each_queue_on_its_own():
    rng = np.random.default_rng(np.random.SeedSequence(21))
    log = pd.concat(
        [
            simulate(rng.exponential(60.0, N), rng, queue="sentralbord"),
            simulate(rng.exponential(120.0, N // 2), rng, answer_mean=90.0, queue="operasjonssentral"),
        ],
        ignore_index=True,
    )
    fit = pat.fit_patience(log, ["queue"])
    assert list(fit["queue"]) == ["sentralbord", "operasjonssentral"]  # the project's order
    assert list(fit["calls"]) == [N, N // 2]
    np.testing.assert_allclose(fit["patience_s"], [60.0, 120.0], rtol=0.03)
    assert (fit["gof_km_max_diff"] < 0.02).all()


def test_periods_follow_the_oslo_calendar():
    times = pd.DatetimeIndex(
        [
            "2023-01-02 08:00",  # Monday
            "2023-01-02 07:59",
            "2023-01-02 15:59",
            "2023-01-02 16:00",
            "2023-01-07 10:00",  # Saturday
            "2023-01-08 10:00",  # Sunday
            "2023-05-17 10:00",  # Constitution Day, a Wednesday
            "2023-06-30 23:30",  # Friday night
        ]
    ).tz_localize("Europe/Oslo")
    expected = ["weekday_day", "weekday_evening_night", "weekday_day", "weekday_evening_night"]
    expected += ["weekend_holiday"] * 3 + ["weekday_evening_night"]
    assert list(pat.period_of(times)) == expected
    # tz-aware in another zone: 07:30 UTC is 08:30 in Oslo in winter
    assert list(pat.period_of(pd.DatetimeIndex(["2023-01-02 07:30"]).tz_localize("UTC"))) == ["weekday_day"]


def test_fits_by_queue_and_period_from_arrival_times():
    rng = np.random.default_rng(np.random.SeedSequence(31))
    n = 30_000
    start = pd.Timestamp("2023-01-01", tz="Europe/Oslo")
    arrived = start + pd.to_timedelta(rng.uniform(0, 365 * 86_400, n), unit="s")
    log = simulate(rng.exponential(90.0, n), rng, arrived_at=arrived)
    fit = pat.fit_patience(log, ["queue", "period"])
    assert list(fit["period"]) == list(pat.PERIODS)
    assert fit["calls"].sum() == n
    expected_counts = pd.Series(pat.period_of(log["arrived_at"])).value_counts()
    assert dict(zip(fit["period"], fit["calls"], strict=True)) == expected_counts.to_dict()
    assert ((fit["patience_low_s"] < 90) & (90 < fit["patience_high_s"])).all()


def test_uses_only_modelled_calls_when_asked(exp_log):
    log = exp_log.head(1000).assign(district="Oslo")
    log.loc[log.index[:100], ["district", "in_scope"]] = ["Trøndelag", False]
    assert pat.fit_patience(log, ["district"])["district"].tolist() == ["Oslo"]
    everything = pat.fit_patience(log, ["district"], in_scope_only=False)
    assert everything["district"].tolist() == ["Oslo", "Trøndelag"]  # the project's district order
    assert everything["calls"].tolist() == [900, 100]
    with pytest.raises(ValueError, match="in_scope"):
        pat.fit_patience(log.drop(columns="in_scope"), ["queue"])
    pat.fit_patience(log.drop(columns="in_scope"), ["queue"], in_scope_only=False)


def test_rejects_bad_input(exp_log):
    log = exp_log.head(10).copy()
    with pytest.raises(ValueError, match="at least one"):
        pat.fit_patience(log, [])
    with pytest.raises(ValueError, match="lack"):
        pat.fit_patience(log, ["district"])
    with pytest.raises(ValueError, match="arrived_at"):
        pat.fit_patience(log, ["period"])
    log.loc[log.index[0], "wait_s"] = -1.0
    with pytest.raises(ValueError, match="negative"):
        pat.fit_patience(log, ["queue"])


# --- Kaplan–Meier and the goodness of fit ----------------------------------------------------


def test_kaplan_meier_agrees_with_the_exponential_on_exponential_data(exp_log, exp_fit):
    km = pat.kaplan_meier(exp_log, ["queue"])
    assert list(km.columns) == ["queue", *pat.KM_COLUMNS]
    assert km["time_s"].is_monotonic_increasing and km["survival"].is_monotonic_decreasing
    assert km["abandoned"].sum() == exp_fit["abandoned"].iloc[0]
    at = km.iloc[np.searchsorted(km["time_s"], 60.0)]
    assert at["survival"] == pytest.approx(np.exp(-at["time_s"] / TRUE_PATIENCE), abs=0.01)
    gof = exp_fit["gof_km_max_diff"].iloc[0]
    t95 = np.quantile(exp_log["wait_s"], 0.95)
    print(f"\nGoF on exponential patience: D = {gof:.4f} up to t95 = {t95:.1f} s")
    assert exp_fit["gof_t_max_s"].iloc[0] == pytest.approx(t95)
    assert gof < 0.01


@pytest.mark.parametrize(
    "kind",
    ["fixed 60 s", "two-point 15 s / 300 s", "exponential mixture 20 s / 300 s"],
)
def test_kaplan_meier_disagrees_when_patience_is_not_exponential(kind, exp_fit):
    rng = np.random.default_rng(np.random.SeedSequence(41))
    half = rng.random(N) < 0.5
    patience = {
        "fixed 60 s": np.full(N, 60.0),
        "two-point 15 s / 300 s": np.where(half, 15.0, 300.0),
        "exponential mixture 20 s / 300 s": np.where(half, rng.exponential(20.0, N), rng.exponential(300.0, N)),
    }[kind]
    fit = pat.fit_patience(simulate(patience, rng), ["queue"])
    gof = fit["gof_km_max_diff"].iloc[0]
    print(f"\nGoF on {kind} patience: D = {gof:.3f} (exponential data: {exp_fit['gof_km_max_diff'].iloc[0]:.4f})")
    assert gof > 0.1 and gof > 20 * exp_fit["gof_km_max_diff"].iloc[0]


def test_the_distance_is_the_exact_supremum():
    # one step: at t = 10 from 1 to 0.5, fitted mean 10 s, horizon 20 s
    # just before 10: |1 - e^-1| = 0.632; at 10: |0.5 - e^-1| = 0.132; at 20: |0.5 - e^-2| = 0.365
    assert pat.km_distance(np.array([10.0]), np.array([0.5]), 10.0, 20.0) == pytest.approx(1 - np.exp(-1))
    # a flat curve: the largest gap is at the horizon
    assert pat.km_distance(np.array([]), np.array([]), 10.0, 30.0) == pytest.approx(1 - np.exp(-3))
    # steps beyond the horizon are ignored
    assert pat.km_distance(np.array([50.0]), np.array([0.0]), np.inf, 30.0) == 0.0


# --- the staffing model's patience and the table ---------------------------------------------


def test_model_patience_pools_the_rates_weighted_by_calls():
    """Rates (hang-ups per waiting hour) are averaged, not means (issue 23)."""
    table = pd.DataFrame({"queue": ["sentralbord", "operasjonssentral"], "calls": [300, 100]})
    table = table.assign(patience_s=[100.0, 300.0])
    assert pat.model_patience_s(table) == pytest.approx(400 / (300 / 100 + 100 / 300))
    with pytest.raises(ValueError, match="missing"):
        pat.model_patience_s(table.drop(columns="calls"))
    with pytest.raises(ValueError, match="empty"):
        pat.model_patience_s(table.iloc[:0])


def test_write_patience(tmp_path, exp_fit):
    path = pat.write_patience(exp_fit, tmp_path / "outputs")
    assert path == tmp_path / "outputs" / "tables" / "patience.csv"
    back = pd.read_csv(path)
    assert list(back.columns) == list(exp_fit.columns)
    assert back["patience_s"].iloc[0] == pytest.approx(exp_fit["patience_s"].iloc[0], abs=1e-9)
    with pytest.raises(ValueError, match="missing"):
        pat.write_patience(exp_fit.drop(columns="patience_s"), tmp_path)


# --- the figure ------------------------------------------------------------------------------


def test_the_figure_follows_the_house_style():
    rng = np.random.default_rng(np.random.SeedSequence(51))
    log = pd.concat(
        [
            simulate(rng.exponential(60.0, 40_000), rng, queue="sentralbord"),
            simulate(np.full(40_000, 120.0), rng, answer_mean=90.0, queue="operasjonssentral"),
        ],
        ignore_index=True,
    )
    fitted, km = pat.fit_patience(log, ["queue"]), pat.kaplan_meier(log, ["queue"])
    fig = figures.patience_fit(km, fitted)
    check_figure(fig)
    assert plotstyle.title_of(fig).startswith("Tålmodighet: andel som fortsatt venter")
    ax = fig.axes[0]
    assert ax.get_xlabel() == "Ventetid (s)" and ax.get_ylabel().startswith("Andel som ikke har lagt på")
    text = all_text(fig)
    assert "Sentralbord" in text and "Operasjonssentral" in text and "Kaplan–Meier" in text
    assert "prosentpoeng" in text and "," in text  # the distance with a decimal comma
    assert len(ax.lines) == 2 * len(fitted)
    with pytest.raises(ValueError, match="km_curves lacks"):
        figures.patience_fit(km.drop(columns="survival"), fitted)


# --- the synthetic log -----------------------------------------------------------------------


def test_long_waits_removed_by_the_cleaning_count_as_time_at_risk():
    """Exponential patience, waits cut at a limit the way the cleaning cuts them: without the
    removed calls the fit is biased low; counting each as the limit at risk gives it back."""
    rng = np.random.default_rng(5)
    n, mean, limit = 200_000, 600.0, 900.0
    patience = rng.exponential(mean, n)
    offered_wait = rng.exponential(900.0, n)  # when an agent would have answered
    wait = np.minimum(patience, offered_wait)
    calls = pd.DataFrame({"queue": "operasjonssentral", "district": "Oslo", "wait_s": wait})
    calls["answered"] = offered_wait < patience
    calls["in_scope"] = True
    kept = calls[calls["wait_s"] <= limit]
    removed = pd.DataFrame({"district": ["Oslo"], "queue": ["operasjonssentral"], "calls": [len(calls) - len(kept)]})
    naive = pat.fit_patience(kept, ["queue"]).loc[0, "patience_s"]
    fixed = pat.fit_patience(kept, ["queue"], long_waits=removed, wait_limit_s=limit).loc[0, "patience_s"]
    assert naive < 0.93 * mean
    assert fixed == pytest.approx(mean, rel=0.02)
    with pytest.raises(ValueError, match="wait_limit_s"):
        pat.fit_patience(kept, ["queue"], long_waits=removed)
