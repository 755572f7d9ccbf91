"""Callers' patience from the call log (issue 11): exponential fit with censoring, checked against Kaplan–Meier.

Every call in the log tells something about how long its caller would have waited before
hanging up (the caller's *patience*, the abandonment time of Erlang A):

* an **abandoned** call (``answered`` false) hung up after ``wait_s`` seconds: its patience
  is *observed*, ``wait_s`` (the call-log contract, ``docs/call_log_contract.md``: for an
  unanswered call ``wait_s`` is the time until the caller hung up);
* an **answered** call was picked up after ``wait_s`` seconds: its caller would have waited
  *at least* that long, so its patience is *right-censored* at ``wait_s``. A call answered
  at once (``wait_s`` = 0) is censored at 0 and tells nothing: it counts as a call but adds
  no waiting time and no abandonment.

Ignoring the censoring is wrong both ways: the mean ``wait_s`` of the abandoned calls only
is biased low (the patient callers were answered before they could hang up), and treating
answered waits as patience is biased low too.

**The exponential model** (:func:`fit_patience`). With patience exponential with rate
``θ`` (mean ``1/θ``) and censoring independent of patience, the log-likelihood of a group
is ``d log θ − θ T``, where ``d`` is the number of abandonments and ``T`` the total waiting
time of *all* its calls, answered and abandoned. The maximum-likelihood estimate is

    θ̂ = d / T,    mean patience μ̂ = 1 / θ̂ = T / d,

the Fisher information is ``d / θ²``, so ``SE(θ̂) = θ̂ / √d`` and, by the delta method,
``SE(μ̂) = μ̂ / √d``. The 95 % interval is the Wald interval of ``log μ̂`` (delta method,
``SE(log μ̂) = 1 / √d``) transformed back: ``μ̂ · exp(∓1.96 / √d)``. It stays positive, and
it is the same interval whether it is computed for the rate or for the mean. A group
without any abandonment has ``μ̂`` = ∞ (no finite estimate), a NaN standard error and lower
bound and an infinite upper bound.

**Periods** (:func:`period_of`, ``by=[..., "period"]``): :data:`PERIODS`, from the local
hour of ``arrived_at`` and the day type of :mod:`lib.core.oslo_calendar`: weekday daytime
08–16, the rest of a weekday (evening and night, including the early morning before 08)
and Saturdays, Sundays and public holidays.

**Goodness of fit** (:func:`kaplan_meier`, column ``gof_km_max_diff``). The Kaplan–Meier
estimate of the patience survival function ``S(t)`` = P(patience > t) (statsmodels'
``SurvfuncRight`` on ``wait_s`` with abandonment as the event) needs no distributional
assumption, only the same independent censoring. The goodness-of-fit number of a group is
the largest absolute distance between the two curves,

    D = sup_{0 ≤ t ≤ t95} | S_KM(t) − exp(−t / μ̂) |,

with ``t95`` (column ``gof_t_max_s``) the 95th percentile of the group's ``wait_s`` (all
calls): beyond it few callers are still at risk and the Kaplan–Meier curve is noisy. The
supremum is exact: the Kaplan–Meier curve is a right-continuous step function and the
exponential is continuous and decreasing, so it is attained at a step (just before or at
it) or at ``t95``. ``D`` is a distance in survival probability (0.02 = 2 percentage points),
not a test: with a year of calls any test rejects the exponential, while ``D`` says whether
the misfit matters. On exponential data ``D`` is sampling noise (≈ 0.002 with 200 000
calls); a fixed patience, or a mix of impatient and patient callers, gives ``D`` of 0.1 or
more.

**The staffing model's patience** (:func:`model_patience_s`): one number, the assumption
``patience_s`` of Erlang A, from the call-weighted mean of the groups' rates (hang-ups per
waiting hour), not of their means.

**Waits the cleaning removed** (``long_waits``): calls that waited more than the outlier
threshold (30 minutes) are removed by the cleaning (App. B), and with them the longest
waits; the fit counts each of them as 30 minutes at risk without hanging up (the window
estimate, :func:`fit_patience`).

**Interval statistics** (:mod:`lib.calllog.intervals`) carry ``d`` and ``T`` of every
interval as sums (abandoned calls; total waiting time of all callers), so the exponential fit
is the same estimate, ``T / d``, from the sums of the group's intervals. Where the export
gave only the answered calls' wait, ``T`` is the estimate the interval reader states. The
Kaplan–Meier curve needs every call's waiting time and cannot be drawn from intervals:
``gof_km_max_diff`` and ``gof_t_max_s`` are then empty, and :func:`kaplan_meier` refuses.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from statistics import NormalDist

import numpy as np
import pandas as pd

from lib.core import output_tables
from lib.core.districts import DISTRICTS, QUEUES
from lib.core.oslo_calendar import day_type, wall_clock

#: Periods of :func:`period_of`, in order.
PERIODS: tuple[str, ...] = ("weekday_day", "weekday_evening_night", "weekend_holiday")
#: Norwegian labels of :data:`PERIODS` for tables and figures.
PERIOD_LABELS = {
    "weekday_day": "Hverdag 08–16",
    "weekday_evening_night": "Hverdag kveld og natt",
    "weekend_holiday": "Helg og helligdag",
}
#: Weekday daytime: local hours [start, end).
DAY_HOURS: tuple[int, int] = (8, 16)
#: Quantile of the waits up to which the goodness-of-fit distance is taken.
GOF_QUANTILE = 0.95
#: Two-sided 95 % normal quantile (1.959964...).
Z95 = NormalDist().inv_cdf(0.975)
#: Columns of :func:`fit_patience`'s table after the group columns, in order.
PATIENCE_COLUMNS: tuple[str, ...] = (
    "calls",
    "abandoned",
    "total_wait_h",
    "rate_per_hour",
    "patience_s",
    "patience_se_s",
    "patience_low_s",
    "patience_high_s",
    "gof_km_max_diff",
    "gof_t_max_s",
)
#: Columns of :func:`kaplan_meier`'s table after the group columns, in order.
KM_COLUMNS: tuple[str, ...] = ("time_s", "at_risk", "abandoned", "survival", "survival_se")
#: Norwegian column labels of the notebook's tables.
PATIENCE_LABELS = {
    "queue": "Kø",
    "district": "Politidistrikt",
    "period": "Periode",
    "calls": "Telefoner",
    "abandoned": "Lagt på",
    "total_wait_h": "Samlet ventetid (timer)",
    "rate_per_hour": "Avbruddsrate (per time)",
    "patience_s": "Tålmodighet, snitt (s)",
    "patience_se_s": "Standardfeil (s)",
    "patience_low_s": "95 %-intervall, nedre (s)",
    "patience_high_s": "95 %-intervall, øvre (s)",
    "gof_km_max_diff": "Største avvik fra Kaplan–Meier",
    "gof_t_max_s": "Avvik målt til (s)",
}
# Project order of the group columns that have one (anything else is sorted).
_ORDERS: dict[str, Sequence[str]] = {"queue": QUEUES, "district": DISTRICTS, "period": PERIODS}


# --- Periods ---------------------------------------------------------------------------


def period_of(arrived_at) -> np.ndarray:
    """The :data:`PERIODS` label of each arrival time (object array).

    Weekday daytime is a weekday (:func:`lib.core.oslo_calendar.day_type` 0: Monday-Friday, not
    a public holiday) from 08:00 to 16:00 local time; the rest of a weekday is evening and
    night; Saturdays, Sundays and public holidays are weekend/holiday, all day. Naive times
    are Europe/Oslo wall-clock time, tz-aware ones are converted first.
    """
    kind = day_type(arrived_at)
    hour = np.asarray(wall_clock(arrived_at).hour)
    day = (hour >= DAY_HOURS[0]) & (hour < DAY_HOURS[1])
    code = np.where(kind != 0, 2, np.where(day, 0, 1))
    return np.asarray(PERIODS, dtype=object)[code]


# --- Input -----------------------------------------------------------------------------


NO_KAPLAN_MEIER = (
    "Kaplan–Meier needs each call's waiting time; interval statistics hold only sums per interval, so the "
    "exponential fit (total waiting time / abandoned) is not checked against it"
)


def _intervals_for(calls: pd.DataFrame, by: Sequence[str], in_scope_only: bool) -> pd.DataFrame:
    """The group columns and the sums (calls, abandoned, total wait) of an interval table's rows."""
    by = list(by)
    if not by:
        raise ValueError("by: give at least one group column, e.g. ['queue']")
    used = calls.loc[calls["in_scope"].to_numpy(dtype=bool)] if in_scope_only else calls
    if used.empty or used["offered"].sum() == 0:
        raise ValueError("no calls to fit patience on" + (" (none is in scope)" if in_scope_only else ""))
    wait = used["wait_total_s"].to_numpy(dtype=float)
    bad = ~np.isfinite(wait) | (wait < 0)
    if bad.any():
        raise ValueError(f"wait_total_s: {int(bad.sum())} value(s) missing, infinite or negative")
    frame = pd.DataFrame(
        {
            "calls": used["offered"].to_numpy(dtype=np.int64),
            "abandoned": used["abandoned"].to_numpy(dtype=np.int64),
            "total_wait_s": wait,
        },
        index=used.index,
    )
    for col in by:
        values = period_of(used["interval_start"]) if col == "period" else used[col]
        order = _ORDERS.get(col)
        known = order is not None and pd.Series(values, index=used.index).isin(order).all()
        frame[col] = pd.Categorical(values, categories=order, ordered=True) if known else values
    return frame


def _calls_for(calls: pd.DataFrame, by: Sequence[str], in_scope_only: bool) -> pd.DataFrame:
    """The group columns, ``wait_s`` and ``abandoned`` of the calls used, checked; group
    columns with a project order (:data:`_ORDERS`) as ordered categoricals."""
    by = list(by)
    if not by:
        raise ValueError("by: give at least one group column, e.g. ['queue']")
    if len(set(by)) != len(by):
        raise ValueError(f"by: a column given twice in {by}")
    need = ["wait_s", "answered", *(c for c in by if not (c == "period" and "period" not in calls))]
    if "period" in by and "period" not in calls:
        need.append("arrived_at")
    if in_scope_only:
        need.append("in_scope")
    missing = [c for c in dict.fromkeys(need) if c not in calls]
    if missing:
        hint = " (in_scope_only=True needs the cleaned log's in_scope flag)" if "in_scope" in missing else ""
        raise ValueError(f"calls lack column(s) {missing}{hint}")
    used = calls.loc[calls["in_scope"].to_numpy(dtype=bool)] if in_scope_only else calls
    if used.empty:
        raise ValueError("no calls to fit patience on" + (" (none is in scope)" if in_scope_only else ""))
    answered = used["answered"]
    if answered.isna().any():
        raise ValueError("answered: missing values")
    wait = used["wait_s"].to_numpy(dtype=float)
    bad = ~np.isfinite(wait) | (wait < 0)
    if bad.any():
        raise ValueError(f"wait_s: {int(bad.sum())} value(s) missing, infinite or negative")
    frame = pd.DataFrame({"wait_s": wait, "abandoned": ~answered.to_numpy(dtype=bool)}, index=used.index)
    for col in by:
        values = period_of(used["arrived_at"]) if col == "period" and "period" not in used else used[col]
        order = _ORDERS.get(col)
        known = order is not None and pd.Series(values, index=used.index).isin(order).all()
        frame[col] = pd.Categorical(values, categories=order, ordered=True) if known else values
    return frame


def _plain(df: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """``df`` with categorical group columns back as text."""
    for col in by:
        if isinstance(df[col].dtype, pd.CategoricalDtype):
            df[col] = df[col].astype(str)
    return df


# --- Kaplan–Meier ----------------------------------------------------------------------


def _km(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """:func:`kaplan_meier` on a frame of :func:`_calls_for` (group columns as they are there)."""
    from statsmodels.duration.survfunc import SurvfuncRight  # type: ignore[import-untyped, unused-ignore]

    parts = []
    for key, g in frame.groupby(by, observed=True, sort=True):
        sf = SurvfuncRight(g["wait_s"].to_numpy(), g["abandoned"].to_numpy(dtype=float))
        n = len(sf.surv_times)
        part = pd.DataFrame(
            {col: pd.Series([value] * n, dtype=frame[col].dtype) for col, value in zip(by, key, strict=True)}
        )
        part["time_s"] = np.asarray(sf.surv_times, dtype=float)
        part["at_risk"] = np.asarray(sf.n_risk, dtype=np.int64)
        part["abandoned"] = np.asarray(sf.n_events, dtype=np.int64)
        part["survival"] = np.asarray(sf.surv_prob, dtype=float)
        part["survival_se"] = np.asarray(sf.surv_prob_se, dtype=float)
        parts.append(part)
    return pd.concat(parts, ignore_index=True)[[*by, *KM_COLUMNS]]


def kaplan_meier(calls: pd.DataFrame, by: Sequence[str], *, in_scope_only: bool = True) -> pd.DataFrame:
    """Kaplan–Meier estimate of the patience survival function per group of ``by``.

    ``calls``: the cleaned log (or any frame with ``wait_s``, ``answered``, the ``by``
    columns; ``period`` is derived from ``arrived_at`` when absent). Abandonment is the
    event, an answered call is censored at its ``wait_s``; statsmodels'
    ``SurvfuncRight`` computes the estimate (an event and a censoring at the same second:
    the event first). ``in_scope_only``: use only the modelled districts' calls (the
    ``in_scope`` flag of the cleaned log).

    One row per group and second at which someone hung up: the group columns, then
    :data:`KM_COLUMNS`: ``time_s``, ``at_risk`` (callers still waiting just before it),
    ``abandoned`` (hung up at it), ``survival`` (share still waiting after it) and
    ``survival_se`` (Greenwood). Before the first row the survival is 1; a group in which
    nobody hung up has no rows.
    """
    by = list(by)
    if "offered" in calls.columns:
        raise ValueError(NO_KAPLAN_MEIER)
    return _plain(_km(_calls_for(calls, by, in_scope_only), by), by)


def km_distance(times: np.ndarray, survival: np.ndarray, patience_s: float, t_max: float) -> float:
    """``sup_{0 ≤ t ≤ t_max} |S_KM(t) − exp(−t / patience_s)|`` for one Kaplan–Meier curve.

    ``times``, ``survival``: the curve's steps (sorted event times and the survival after
    each; 1 before the first). Exact: checked at each step's left limit and value and at
    ``t_max``. ``patience_s`` = ∞ compares with a flat curve at 1.
    """
    times = np.asarray(times, dtype=float)
    survival = np.asarray(survival, dtype=float)
    keep = times <= t_max
    t, s = times[keep], survival[keep]
    before = np.concatenate([[1.0], s[:-1]])  # the left limit at each step
    rate = 0.0 if np.isinf(patience_s) else 1.0 / patience_s
    fit = np.exp(-rate * t)
    at_end = abs((s[-1] if len(s) else 1.0) - np.exp(-rate * t_max))
    gaps = np.concatenate([np.abs(s - fit), np.abs(before - fit), [at_end]])
    return float(gaps.max())


# --- The exponential fit ---------------------------------------------------------------


def fit_patience(
    calls: pd.DataFrame,
    by: Sequence[str],
    *,
    in_scope_only: bool = True,
    long_waits: pd.DataFrame | None = None,
    wait_limit_s: float | None = None,
) -> pd.DataFrame:
    """Exponential patience per group of ``by`` by maximum likelihood with censoring.

    ``calls``: the cleaned log (columns ``wait_s``, ``answered``, the ``by`` columns, and
    ``in_scope`` when ``in_scope_only``; ``by`` may name ``"period"``, derived from
    ``arrived_at`` by :func:`period_of` when the frame has no such column), e.g. ``by`` =
    ``["queue"]``, ``["queue", "period"]`` or ``["district"]``. ``in_scope_only``: use only
    the modelled districts' calls (``in_scope``), as the staffing model does; ``False``
    fits every kept call (Trøndelag included).

    One row per group (project order for queue, district and period): the group columns,
    then :data:`PATIENCE_COLUMNS`: ``calls``, ``abandoned`` (``d``), ``total_wait_h``
    (``T``, hours: the waiting time of every call, answered or not), ``rate_per_hour``
    (``d / T``), ``patience_s`` (``T / d``, seconds), ``patience_se_s`` (Fisher information
    and delta method: ``patience_s / √d``), ``patience_low_s`` and ``patience_high_s`` (95 %
    interval ``patience_s · exp(∓1.96 / √d)``), ``gof_km_max_diff`` (largest distance
    between the Kaplan–Meier curve and the fitted exponential up to ``gof_t_max_s``, the
    group's 95th percentile of ``wait_s``). See the module docstring. ``calls`` may also be
    the cleaned interval table of interval statistics: the same estimate from sums, without
    the Kaplan–Meier check (empty ``gof_*`` columns).

    ``long_waits`` (columns district, queue, calls; notebook 01's ``long_waits`` table) and
    ``wait_limit_s`` (the cleaning's ``outlier_threshold_s``): the calls the cleaning removed
    for waiting longer than the limit. Each such caller was at risk of hanging up for the whole
    ``wait_limit_s`` without doing so (whatever happened later), so the fit is taken on the
    window [0, wait_limit_s]: they add ``wait_limit_s`` each to ``T`` and nothing to ``d``
    (every kept call waited at most the limit), which removes the bias of dropping the longest
    waits (they are counted in ``calls`` too). Used where ``by`` is made of queue and district
    only (a removed call's period is not known); other groupings ignore them.
    """
    by = list(by)
    intervals = "offered" in calls.columns
    if intervals:
        frame = _intervals_for(calls, by, in_scope_only)
        g = frame.groupby(by, observed=True, sort=True)
        out = g[["calls", "abandoned", "total_wait_s"]].sum()
        out["gof_t_max_s"] = np.nan
    else:
        frame = _calls_for(calls, by, in_scope_only)
        g = frame.groupby(by, observed=True, sort=True)
        out = g.agg(
            calls=("wait_s", "size"),
            abandoned=("abandoned", "sum"),
            total_wait_s=("wait_s", "sum"),
        )
        out["gof_t_max_s"] = g["wait_s"].quantile(GOF_QUANTILE)
    out = out.reset_index()
    if long_waits is not None and len(long_waits) and set(by) <= {"queue", "district"}:
        if wait_limit_s is None:
            raise ValueError("fit_patience: long_waits needs wait_limit_s (the cleaning's outlier_threshold_s)")
        lw = long_waits
        if in_scope_only and "in_scope" in calls:
            lw = lw[lw["district"].isin(pd.unique(calls.loc[calls["in_scope"].astype(bool), "district"]))]
        extra = lw.groupby(by, sort=True)["calls"].sum() if by else pd.Series([lw["calls"].sum()])
        add = out.set_index(by).index.map(extra).to_numpy(dtype=float) if by else extra.to_numpy(dtype=float)
        add = np.nan_to_num(add)
        out["calls"] = out["calls"] + add
        out["total_wait_s"] = out["total_wait_s"] + add * float(wait_limit_s)
    d = out["abandoned"].to_numpy(dtype=float)
    total = out["total_wait_s"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate_s = np.where(total > 0, d / np.where(total > 0, total, 1.0), np.where(d > 0, np.inf, 0.0))
        patience = np.where(d > 0, total / np.where(d > 0, d, 1.0), np.inf)
        root_d = np.sqrt(d)
        half = np.where(d > 0, Z95 / np.where(d > 0, root_d, 1.0), np.nan)
        se = np.where(d > 0, patience / np.where(d > 0, root_d, 1.0), np.nan)
        low = np.where(d > 0, patience * np.exp(-half), np.nan)
        high = np.where(d > 0, patience * np.exp(half), np.inf)
    out["calls"] = out["calls"].astype(np.int64)
    out["abandoned"] = out["abandoned"].astype(np.int64)
    out["total_wait_h"] = total / 3600.0
    out["rate_per_hour"] = rate_s * 3600.0
    out["patience_s"] = patience
    out["patience_se_s"] = se
    out["patience_low_s"] = low
    out["patience_high_s"] = high

    out = _plain(out, by)
    if intervals:  # no waiting time of single calls, so no Kaplan–Meier curve to compare with
        out["gof_km_max_diff"] = np.nan
        return out[[*by, *PATIENCE_COLUMNS]]
    curves = {
        tuple(key): (c["time_s"].to_numpy(), c["survival"].to_numpy())
        for key, c in _plain(_km(frame, by), by).groupby(by, sort=False)
    }
    empty = (np.empty(0), np.empty(0))
    distances = [
        km_distance(*curves.get(tuple(key), empty), patience_s=p, t_max=t)
        for key, p, t in zip(
            out[by].itertuples(index=False, name=None), out["patience_s"], out["gof_t_max_s"], strict=True
        )
    ]
    out["gof_km_max_diff"] = np.asarray(distances, dtype=float)
    return out[[*by, *PATIENCE_COLUMNS]]


def write_patience(table: pd.DataFrame, outputs_dir: str | Path) -> Path:
    """Write :func:`fit_patience`'s table as the result table ``patience``
    (:func:`lib.core.output_tables.write`); the path written."""
    missing = [c for c in PATIENCE_COLUMNS if c not in table]
    if missing:
        raise ValueError(f"write_patience: missing column(s) {missing}")
    return output_tables.write("patience", table, outputs_dir)


# --- The staffing model's patience -----------------------------------------------------


def read_model_patience_s(outputs_dir: str | Path) -> float:
    """The staffing model's patience (seconds) as notebook 05 fitted it: :func:`model_patience_s`
    of the per-queue rows (level "queue") of the run's ``patience`` table, the fit that counts
    the waits the cleaning removed (so later notebooks use the same value, not a refit)."""
    t = output_tables.read("patience", outputs_dir)
    by_queue = t[t["level"] == "queue"]
    if by_queue.empty:
        raise ValueError("the patience table has no per-queue rows (level 'queue'): notebook 05 writes them")
    return model_patience_s(by_queue)


def model_patience_s(table: pd.DataFrame) -> float:
    """The staffing model's mean patience (seconds): one over the call-weighted mean of the
    groups' **rates** (hang-ups per waiting hour), over the rows of ``table``
    (:func:`fit_patience`, fitted with ``in_scope_only=True``).

    ``sum(calls) / sum(calls / patience_s)``. Why rates: Erlang A's abandonment is governed by
    the hazard of hanging up near zero wait, and a board's callers mix the groups, each by its
    share of the calls, so their hazard is the call-weighted mean of the groups' hazards
    (averaging the means instead overstates the patience of a mix: 290 s and 550 s pool to
    ≈ 350 s by rate and ≈ 380 s by mean). A table by ``["queue"]`` gives the national value;
    the rows of one district of a ``["district", "queue"]`` table give that district's. This
    is the assumption ``patience_s``.
    """
    missing = [c for c in ("calls", "patience_s") if c not in table]
    if missing:
        raise ValueError(f"model_patience_s: missing column(s) {missing}")
    if table.empty:
        raise ValueError("model_patience_s: empty table")
    calls = table["calls"].to_numpy(dtype=float)
    patience = table["patience_s"].to_numpy(dtype=float)
    if not np.isfinite(patience).all():
        raise ValueError("model_patience_s: a group without abandonments has no finite patience; fit on coarser groups")
    if calls.sum() <= 0:
        raise ValueError("model_patience_s: no calls")
    return float(calls.sum() / (calls / patience).sum())
