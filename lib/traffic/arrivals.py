"""Hourly arrival rates and handling times per district: the traffic the staffing model is fed.

Appendix B computes the staffing hour by hour over a whole year from the *expected* traffic
of each hour. This module turns the cleaned 2023 call log into that traffic:

* **The hour grid** (:func:`lib.core.oslo_calendar.hour_grid`). Every elapsed hour of the year,
  from local midnight on 1 January to local midnight on 1 January of the next year: 8 760
  hours (the DST days have 23 and 25 local hours; on the autumn day the local hour 2 occurs
  twice). Each hour carries its local date, local hour of day and day type: ``"weekday"``,
  ``"saturday"`` or ``"sunday_holiday"`` (Sundays and Norway's public holidays; a holiday
  on a Saturday counts as a holiday).
* **Observed counts.** Every cleaned, in-scope call, answered or not, in the elapsed hour
  it arrived (calls per hour).
* **The arrival model** (``arrival_model="glm"``, the assumption's default). A Poisson
  log-linear model of the count y of each district d and elapsed hour t,

      log mu[d, t] = alpha[d, dow'(t), hour(t)] + beta[d, month(t)],

  with dow' = Monday ... Sunday and public holidays treated as Sundays. It keeps each
  district's weekly profile (7 x 24 hours) and its seasonal level (12 months) and smooths
  the hour-to-hour Poisson noise of single hours: an hour's expected rate borrows from the
  52-ish hours sharing its weekday and hour and from its month. Fitted by maximum
  likelihood with iterative proportional fitting (:func:`fit_margins`): for a Poisson
  model whose terms are categorical, the MLE is the unique member of the log-linear family
  that reproduces the observed total of every level of every term, so alternately scaling
  the fitted values to each term's observed margins (two ``np.bincount`` per sweep)
  converges to it. The fitted rates therefore sum exactly to the observed count, by
  district, by weekday-hour and by month. ``arrival_model="empirical"`` uses the raw
  hourly counts instead, as a sensitivity: they carry each hour's Poisson noise into the
  staffing (square-root staffing is concave in the load, so the noise tends to lower the
  year's total; hours that happen to have no call also lose the one-agent floor).
* **Handling time** (AHT, seconds per handled call) = mean talk time of the answered
  in-scope calls + after-call work (``after_call_work_s``, App. B). The *hour type* is
  district x day class (``"weekday"`` / ``"weekend_holiday"``) x local hour of day, 48
  cells per district. A cell with fewer than ``min_answered`` answered calls falls back
  to the district x day class mean, then to the district mean, then to the national mean
  of the modelled districts; the table of :func:`handling_times` says which level each
  cell uses.

The output (:func:`build_rates`, written by :func:`write_rates`) is interface 3 of the
project: one row per modelled district and elapsed hour, columns :data:`RATE_COLUMNS`.

**Interval statistics** (:mod:`lib.calllog.intervals`) give the same input as sums: every
interval lies within one elapsed hour, so its offered calls count in that hour and its
answered calls and talk time in that hour's handling-time cell. From a log aggregated to
intervals the rates and handling times are those of the log itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from lib.core.assumptions import ARRIVAL_MODELS
from lib.core.districts import TOTAL, modelled_districts
from lib.core.manifest import claim
from lib.core.oslo_calendar import DAY_CLASSES, hour_grid, hour_index, hour_starts
from lib.core.paths import resolve

#: The report's Norwegian labels for tables and figures (keys: lib.core.oslo_calendar.DAY_TYPES).
DAY_TYPE_LABELS = {"weekday": "Hverdag", "saturday": "Lørdag", "sunday_holiday": "Søn- og helligdag"}
DAY_CLASS_LABELS = {"weekday": "Hverdag", "weekend_holiday": "Helg og helligdag"}
#: Fallback levels of the handling time, finest first.
AHT_LEVELS = ("district x day class x hour", "district x day class", "district", "national")
#: Columns of the arrival-rate table (interface 3), in order.
RATE_COLUMNS = ("district", "hour_start", "date", "hour", "day_type", "observed", "rate_per_hour", "aht_s")
RATES_FILE = "arrival_rates.parquet"
CLEAN_FILE = "calls_clean.parquet"
#: Norwegian column labels of the notebook's tables.
FIT_LABELS = {
    "district": "Politidistrikt",
    "model": "Modell",
    "calls": "Anrop",
    "fitted": "Modell (sum)",
    "cells": "Timer",
    "parameters": "Parametre",
    "df": "Frihetsgrader",
    "deviance": "Devians",
    "pearson_chi2": "Pearson χ²",
    "dispersion": "Dispersjon (χ²/fg)",
}
MONTH_TABLE_LABELS = {
    "måned": "Måned",
    "observed": "Observert",
    "fitted": "Modell (Poisson)",
    "difference": "Differanse",
}
AHT_SUMMARY_LABELS = {
    "district": "Politidistrikt",
    "day_class": "Dagtype",
    "answered": "Besvarte anrop",
    "aht_mean_s": "Behandlingstid, snitt (sek)",
    "aht_min_s": "Laveste time (sek)",
    "aht_max_s": "Høyeste time (sek)",
    "cells_own": "Timer med egne data",
    "cells_fallback": "Timer med reserveverdi",
}
DOW_LABELS = ("man", "tir", "ons", "tor", "fre", "lør", "søn")
MONTH_LABELS = ("jan", "feb", "mar", "apr", "mai", "jun", "jul", "aug", "sep", "okt", "nov", "des")


# --- The cleaned log -------------------------------------------------------------------


#: The columns of the cleaned log this module reads (``lib.calllog.read_clean(processed_dir,
#: columns=CLEAN_COLUMNS)``: the notebook reads the file, so the traffic layer needs no call-log code).
CLEAN_COLUMNS = ["district", "arrived_at", "talk_s", "answered", "in_scope", "id_conflict"]


def _sums(calls: pd.DataFrame) -> tuple[pd.Series, np.ndarray, np.ndarray, np.ndarray]:
    """(arrival times, calls, answered calls, talk seconds of the answered calls) per row: a
    call log's row is one call; an interval table's row holds its interval's sums."""
    if "offered" in calls.columns:
        return (
            calls["interval_start"],
            calls["offered"].to_numpy(dtype=float),
            calls["answered"].to_numpy(dtype=float),
            calls["talk_total_s"].to_numpy(dtype=float),
        )
    answered = calls["answered"].to_numpy(dtype=bool)
    talk = calls["talk_s"].to_numpy(dtype=float) if "talk_s" in calls else np.zeros(len(calls))
    return calls["arrived_at"], np.ones(len(calls)), answered.astype(float), np.where(answered, talk, 0.0)


def _modelled_calls(calls: pd.DataFrame, districts: tuple[str, ...]) -> pd.DataFrame:
    """The calls of the modelled districts; checks them against the log's ``in_scope`` flag."""
    keep = calls["district"].isin(districts).to_numpy()
    if "in_scope" in calls:
        disagree = int((keep != calls["in_scope"].to_numpy(dtype=bool)).sum())
        if disagree:
            raise ValueError(
                f"{disagree} call(s) whose in_scope flag disagrees with the modelled districts "
                f"{list(districts)}: excluded_districts must be the same in notebooks 01 and 02"
            )
    return calls.loc[keep]


def count_arrivals(calls: pd.DataFrame, districts: tuple[str, ...], year: int) -> np.ndarray:
    """Calls arriving per district and elapsed hour of ``year``: int array (len(districts), 8 760).

    ``calls`` holds only calls of ``districts`` (columns ``district``, ``arrived_at``), or an
    interval table's rows of them (``interval_start``, ``offered``).
    """
    times, offered, _, _ = _sums(calls)
    h = hour_index(times, year)
    d = pd.Categorical(calls["district"], categories=list(districts)).codes.astype(np.int64)
    if (d < 0).any():
        raise ValueError("count_arrivals: calls of a district outside `districts`")
    n_hours = len(hour_starts(year))
    size = len(districts) * n_hours
    if "offered" not in calls.columns:
        return np.bincount(d * n_hours + h, minlength=size).reshape(len(districts), n_hours)
    counts = np.bincount(d * n_hours + h, weights=offered, minlength=size)
    return np.rint(counts).astype(np.int64).reshape(len(districts), n_hours)


# --- The Poisson log-linear model ------------------------------------------------------


def fit_margins(
    y: np.ndarray, factors: list[np.ndarray], *, tol: float = 1e-10, max_iter: int = 10_000
) -> tuple[np.ndarray, int]:
    """Maximum-likelihood Poisson means of a log-linear model with categorical main effects.

    ``y`` holds counts per cell (each cell one hour of exposure); ``factors`` one integer
    code array per term (e.g. district x weekday x hour, district x month), each cell in
    exactly one level of each term. Iterative proportional fitting: scale the fitted values
    so each term's level totals equal the observed ones, term after term, until every
    level total is within ``tol`` (relative to max(observed, 1)). A level with an observed
    total of 0 gets fitted values 0 (its parameter is at -infinity, as in any GLM fit).
    Returns the fitted means (same shape as ``y``) and the number of sweeps.
    """
    y = np.asarray(y, dtype=float).ravel()
    codes = [np.asarray(f, dtype=np.intp).ravel() for f in factors]
    if any(c.shape != y.shape for c in codes):
        raise ValueError("fit_margins: every factor needs one code per cell")
    if (y < 0).any():
        raise ValueError("fit_margins: counts must be >= 0")
    sizes = [int(c.max()) + 1 if c.size else 0 for c in codes]
    targets = [np.bincount(c, weights=y, minlength=n) for c, n in zip(codes, sizes, strict=True)]
    mu = np.full_like(y, y.mean() if y.size else 0.0)
    if y.sum() == 0:
        return mu, 0
    for sweep in range(1, max_iter + 1):
        for c, t, n in zip(codes, targets, sizes, strict=True):
            fit = np.bincount(c, weights=mu, minlength=n)
            mu *= np.divide(t, fit, out=np.zeros_like(t), where=fit > 0)[c]
        gap = max(
            np.max(np.abs(np.bincount(c, weights=mu, minlength=n) - t) / np.maximum(t, 1.0))
            for c, t, n in zip(codes, targets, sizes, strict=True)
        )
        if gap <= tol:
            return mu, sweep
    raise RuntimeError(f"fit_margins: no convergence in {max_iter} sweeps (gap {gap:.3g})")


def poisson_deviance(y: np.ndarray, mu: np.ndarray) -> float:
    """2 sum[y log(y/mu) - (y - mu)], the y = 0 terms being 2 mu."""
    y, mu = np.asarray(y, float), np.asarray(mu, float)
    pos = y > 0
    term = np.zeros_like(y)
    term[pos] = y[pos] * np.log(y[pos] / mu[pos])
    return float(2.0 * np.sum(term - (y - mu)))


def pearson_chi2(y: np.ndarray, mu: np.ndarray) -> float:
    """sum (y - mu)^2 / mu over the cells with mu > 0."""
    y, mu = np.asarray(y, float), np.asarray(mu, float)
    pos = mu > 0
    return float(np.sum((y[pos] - mu[pos]) ** 2 / mu[pos]))


def _model_factors(grid: pd.DataFrame, n_districts: int, with_month: bool = True) -> list[np.ndarray]:
    """Cell codes (district-major, hour-minor) of the model's terms."""
    n_hours = len(grid)
    d = np.repeat(np.arange(n_districts), n_hours)
    how = np.tile(grid["dow_model"].to_numpy() * 24 + grid["hour"].to_numpy(), n_districts)
    factors = [d * 168 + how]
    if with_month:
        factors.append(d * 12 + np.tile(grid["month"].to_numpy() - 1, n_districts))
    return factors


def _n_parameters(y: np.ndarray, factors: list[np.ndarray], n_districts: int) -> int:
    """Identifiable parameters: levels with a positive total, less one per district and extra term.

    Each district's terms are linked (every weekday-hour occurs in every month), so a main-
    effects model has sum(levels) - (terms - 1) free parameters per district.
    """
    y = np.asarray(y, float).ravel()
    levels = sum(int((np.bincount(f, weights=y) > 0).sum()) for f in factors)
    active = int((y.reshape(n_districts, -1).sum(axis=1) > 0).sum())
    return levels - (len(factors) - 1) * active


def _fit_row(label: str, y: np.ndarray, mu: np.ndarray, n_params: int) -> dict:
    cells = int((np.asarray(mu) > 0).sum())
    df = cells - n_params
    chi2 = pearson_chi2(y, mu)
    return {
        "model": label,
        "calls": int(np.sum(y)),
        "fitted": float(np.sum(mu)),
        "cells": cells,
        "parameters": n_params,
        "df": df,
        "deviance": poisson_deviance(y, mu),
        "pearson_chi2": chi2,
        "dispersion": chi2 / df if df > 0 else float("nan"),
    }


@dataclass
class GlmFit:
    """The fitted Poisson model: fitted means (districts x hours) and goodness of fit.

    ``stats``: one row per district and a total row (column ``district`` = :data:`lib.core.districts.TOTAL`), with
    calls, fitted, cells (hours with a positive fitted mean), parameters, df, deviance,
    Pearson chi2 and dispersion (chi2 / df; 1 for Poisson noise, above 1 for extra-Poisson
    variation such as day-to-day shocks). ``models``: the same totals for the nested models
    (district x weekday-hour only, and with month), for comparison.
    """

    fitted: np.ndarray
    sweeps: int
    stats: pd.DataFrame
    models: pd.DataFrame


def fit_glm(counts: np.ndarray, grid: pd.DataFrame, districts: tuple[str, ...], *, tol: float = 1e-10) -> GlmFit:
    """Fit log mu = alpha[district, dow', hour] + beta[district, month] to ``counts``.

    ``counts`` is the (districts x hours) array of :func:`count_arrivals`.
    """
    nd, nh = counts.shape
    if nh != len(grid) or nd != len(districts):
        raise ValueError("fit_glm: counts must be (len(districts), len(grid))")
    y = counts.ravel().astype(float)
    factors = _model_factors(grid, nd)
    mu, sweeps = fit_margins(y, factors, tol=tol)
    rows = []
    for i, name in enumerate(districts):
        sl = slice(i * nh, (i + 1) * nh)
        sub = [f[sl] - f[sl].min() for f in factors]
        rows.append({"district": name, **_fit_row("glm", y[sl], mu[sl], _n_parameters(y[sl], sub, 1))})
    total = _fit_row("glm", y, mu, _n_parameters(y, factors, nd))
    stats = pd.DataFrame([*rows, {"district": TOTAL, **total}]).drop(columns="model")

    f1 = _model_factors(grid, nd, with_month=False)
    mu1, _ = fit_margins(y, f1, tol=tol)
    models = pd.DataFrame(
        [
            _fit_row("district x weekday x hour", y, mu1, _n_parameters(y, f1, nd)),
            _fit_row("district x weekday x hour + district x month", y, mu, _n_parameters(y, factors, nd)),
        ]
    )
    return GlmFit(fitted=mu.reshape(nd, nh), sweeps=sweeps, stats=stats, models=models)


# --- Handling time ---------------------------------------------------------------------


def handling_times(
    calls: pd.DataFrame, districts: tuple[str, ...], year: int, *, after_call_work_s: float, min_answered: int
) -> pd.DataFrame:
    """Handling time (seconds per handled call) per district, day class and local hour of day.

    ``calls``: calls of ``districts`` in ``year`` (columns ``district``, ``arrived_at``,
    ``talk_s``, ``answered``), or an interval table's rows of them (answered calls and talk
    time as sums per interval). One row per district x :data:`DAY_CLASSES` x hour 0-23 (48 per
    district) with ``n_answered`` and ``mean_talk_s`` of the cell itself, ``level`` (the
    :data:`AHT_LEVELS` entry whose mean is used: the finest level with at least
    ``min_answered`` answered calls), ``talk_used_s`` and ``aht_s`` = ``talk_used_s`` +
    ``after_call_work_s`` (seconds per handled call; App. B: 30 s).
    """
    acw = float(after_call_work_s)
    if min_answered < 1:
        raise ValueError("min_answered must be >= 1")
    grid = hour_grid(year)
    nd = len(districts)
    if "offered" in calls.columns:
        times, _, n_answered, talk = _sums(calls)
        ans = calls
    else:
        ans = calls.loc[calls["answered"].to_numpy(dtype=bool)]
        times, n_answered, talk = ans["arrived_at"], np.ones(len(ans)), ans["talk_s"].to_numpy(dtype=float)
    h = hour_index(times, year)
    d = pd.Categorical(ans["district"], categories=list(districts)).codes.astype(np.int64)
    c = (grid["day_class"].to_numpy()[h] == "weekend_holiday").astype(np.int64)
    cell = (d * 2 + c) * 24 + grid["hour"].to_numpy()[h]
    if "offered" in calls.columns:
        n = np.rint(np.bincount(cell, weights=n_answered, minlength=nd * 48)).reshape(nd, 2, 24)
    else:
        n = np.bincount(cell, minlength=nd * 48).reshape(nd, 2, 24).astype(float)
    s = np.bincount(cell, weights=talk, minlength=nd * 48).reshape(nd, 2, 24)
    if n.sum() == 0:
        raise ValueError("handling_times: no answered calls in the modelled districts")

    # Counts and talk sums at each level, broadcast back to the 48 cells of every district.
    levels_n = [
        n,
        np.broadcast_to(n.sum(2, keepdims=True), n.shape),
        np.broadcast_to(n.sum((1, 2), keepdims=True), n.shape),
        np.full(n.shape, n.sum()),
    ]
    levels_s = [
        s,
        np.broadcast_to(s.sum(2, keepdims=True), s.shape),
        np.broadcast_to(s.sum((1, 2), keepdims=True), s.shape),
        np.full(s.shape, s.sum()),
    ]
    level = np.full(n.shape, len(AHT_LEVELS) - 1)
    for k in range(len(AHT_LEVELS) - 2, -1, -1):  # finest qualifying level wins
        level = np.where(levels_n[k] >= min_answered, k, level)
    used_n = np.choose(level, levels_n)
    used_s = np.choose(level, levels_s)
    talk_used = used_s / used_n
    with np.errstate(invalid="ignore", divide="ignore"):
        own_mean = np.where(n > 0, s / np.where(n > 0, n, 1), np.nan)
    return pd.DataFrame(
        {
            "district": np.repeat(np.array(districts, dtype=object), 48),
            "day_class": np.tile(np.repeat(np.array(DAY_CLASSES, dtype=object), 24), nd),
            "hour": np.tile(np.arange(24), 2 * nd),
            "n_answered": n.ravel().astype(np.int64),
            "mean_talk_s": own_mean.ravel(),
            "level": np.array(AHT_LEVELS, dtype=object)[level.ravel()],
            "talk_used_s": talk_used.ravel(),
            "aht_s": talk_used.ravel() + acw,
        }
    )


def aht_summary(aht: pd.DataFrame, rates: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per district and day class: answered calls, call-weighted mean AHT, range over hours, levels used.

    With ``rates`` (interface 3) the mean is weighted by the expected calls of each hour
    (the load-relevant mean); otherwise by the answered calls of each cell.
    """
    a = aht.copy()
    if rates is not None:
        r = rates.assign(day_class=np.where(rates["day_type"] == "weekday", "weekday", "weekend_holiday"))
        w = r.groupby(["district", "day_class", "hour"], sort=False)["rate_per_hour"].sum()
        a["weight"] = w.reindex(pd.MultiIndex.from_frame(a[["district", "day_class", "hour"]])).fillna(0).to_numpy()
    else:
        a["weight"] = a["n_answered"].astype(float)
    a["wx"] = a["weight"] * a["aht_s"]
    g = a.groupby(["district", "day_class"], sort=False)
    out = pd.DataFrame(
        {
            "answered": g["n_answered"].sum(),
            "aht_mean_s": g["wx"].sum() / g["weight"].sum(),
            "aht_min_s": g["aht_s"].min(),
            "aht_max_s": g["aht_s"].max(),
            "cells_own": g["level"].agg(lambda x: int((x == AHT_LEVELS[0]).sum())),
            "cells_fallback": g["level"].agg(lambda x: int((x != AHT_LEVELS[0]).sum())),
        }
    ).reset_index()
    return out


# --- The rate table (interface 3) ------------------------------------------------------


@dataclass
class ArrivalRates:
    """What :func:`build_rates` produces.

    ``rates``: interface 3 (columns :data:`RATE_COLUMNS`; ``rate_per_hour`` from the chosen
    model) plus nothing else. ``fitted``: the GLM's rate per row (always computed, for the
    diagnostics, whichever model is chosen). ``fit``: the :class:`GlmFit`. ``aht``: the
    :func:`handling_times` table. ``counts``: calls used (item, count). ``grid``: the
    :func:`hour_grid` of the year (the rows of every district follow it).
    """

    rates: pd.DataFrame
    fitted: np.ndarray
    fit: GlmFit
    aht: pd.DataFrame
    counts: pd.DataFrame
    grid: pd.DataFrame
    arrival_model: str = "glm"
    districts: tuple[str, ...] = field(default_factory=tuple)


def build_rates(
    calls: pd.DataFrame,
    *,
    year: int,
    excluded_districts: tuple[str, ...] | list[str],
    arrival_model: str,
    after_call_work_s: float,
    min_answered: int,
) -> ArrivalRates:
    """Expected calls per hour and handling time for every modelled district and hour.

    ``calls``: the cleaned log (interface 2; needs ``district``, ``arrived_at``, ``talk_s``,
    ``answered``, and uses ``in_scope`` as a check when present), or the cleaned interval
    table of interval statistics (:mod:`lib.calllog.intervals`). The other arguments are
    the assumptions of the same names (``min_answered`` is ``min_answered_per_cell``):
    ``year`` of the log, ``excluded_districts`` (not modelled), ``arrival_model``
    (:data:`ARRIVAL_MODELS`: ``"glm"`` or ``"empirical"``, see the module docstring),
    ``after_call_work_s`` (seconds per handled call) and ``min_answered`` (answered calls an
    hour type needs for its own handling time).
    """
    if arrival_model not in ARRIVAL_MODELS:
        raise ValueError(f"arrival_model must be one of {ARRIVAL_MODELS}, not {arrival_model!r}")
    year = int(year)
    districts = modelled_districts(tuple(excluded_districts))
    grid = hour_grid(year)
    used = _modelled_calls(calls, districts)
    counts = count_arrivals(used, districts, year)
    fit = fit_glm(counts, grid, districts)
    aht = handling_times(used, districts, year, after_call_work_s=after_call_work_s, min_answered=min_answered)

    nd, nh = counts.shape
    aht_cube = aht["aht_s"].to_numpy().reshape(nd, 2, 24)
    c = (grid["day_class"].to_numpy() == "weekend_holiday").astype(np.int64)
    g = grid.iloc[np.tile(np.arange(nh), nd)].reset_index(drop=True)
    fitted = fit.fitted.ravel()
    observed = counts.ravel()
    rates = pd.DataFrame(
        {
            "district": pd.Series(np.repeat(np.array(districts, dtype=object), nh), dtype="str"),
            "hour_start": g["hour_start"],
            "date": g["date"],
            "hour": g["hour"],
            "day_type": g["day_type"].astype("str"),
            "observed": observed.astype(np.int64),
            "rate_per_hour": fitted if arrival_model == "glm" else observed.astype(float),
            "aht_s": aht_cube[:, c, grid["hour"].to_numpy()].ravel(),
        }
    )

    if "offered" in calls.columns:  # interval statistics: calls are sums of the rows
        offered, answered_sum = used["offered"].sum(), used["answered"].sum()
        items = [
            ("interval rows in the cleaned table", len(calls)),
            ("calls of the modelled districts", int(offered)),
            ("  of which answered", int(answered_sum)),
            ("calls of excluded districts (not used)", int(calls["offered"].sum() - offered)),
        ]
    else:
        answered = used["answered"].to_numpy(dtype=bool)
        items = [
            ("rows in the cleaned log", len(calls)),
            ("calls of the modelled districts", len(used)),
            ("  of which answered", int(answered.sum())),
            ("rows of excluded districts (not used)", len(calls) - len(used)),
        ]
    if "id_conflict" in used:
        items.append(("  id conflicts kept among the used calls", int(used["id_conflict"].sum())))
    items += [("modelled districts", nd), ("hours per district", nh), ("district-hours", nd * nh)]
    counts_table = pd.DataFrame(items, columns=["item", "count"])
    return ArrivalRates(
        rates=rates,
        fitted=fitted,
        fit=fit,
        aht=aht,
        counts=counts_table,
        grid=grid,
        arrival_model=arrival_model,
        districts=districts,
    )


def write_rates(rates: pd.DataFrame, processed_dir: str | Path = "data/processed") -> Path:
    """Write interface 3 to ``{processed_dir}/arrival_rates.parquet``; the path written."""
    missing = [c for c in RATE_COLUMNS if c not in rates]
    if missing:
        raise ValueError(f"write_rates: missing column(s) {missing}")
    out = resolve(processed_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / RATES_FILE
    rates.loc[:, list(RATE_COLUMNS)].to_parquet(path, index=False)
    return claim(path)


# --- Goodness-of-fit views -------------------------------------------------------------


def _with_fitted(result: ArrivalRates) -> pd.DataFrame:
    r = result.rates[["district", "hour_start", "date", "hour", "day_type", "observed"]].copy()
    r["fitted"] = result.fitted
    return r


def by_hour_of_week(result: ArrivalRates, months: tuple[int, ...] | None = None) -> pd.DataFrame:
    """Mean calls per hour, all modelled districts together, by the model's weekday and hour.

    Weekday as in the model (public holidays as Sunday). Over the whole year observed and
    fitted agree exactly (a property of the MLE); restricted to ``months`` (e.g. summer)
    they test the model's assumption of one weekly profile all year.
    """
    grid = result.grid
    r = _with_fitted(result)
    nh = len(grid)
    r["dow"] = np.tile(grid["dow_model"].to_numpy(), len(r) // nh)
    r["month"] = np.tile(grid["month"].to_numpy(), len(r) // nh)
    if months is not None:
        r = r[r["month"].isin(months)]
    nat = r.groupby(["hour_start", "dow", "hour"], sort=False)[["observed", "fitted"]].sum().reset_index()
    out = nat.groupby(["dow", "hour"])[["observed", "fitted"]].mean().reset_index()
    out["hour_of_week"] = out["dow"] * 24 + out["hour"]
    out["label"] = [f"{DOW_LABELS[d]} {h:02d}" for d, h in zip(out["dow"], out["hour"], strict=True)]
    return out[["hour_of_week", "label", "dow", "hour", "observed", "fitted"]]


def by_month(result: ArrivalRates) -> pd.DataFrame:
    """Calls per month, all modelled districts: observed, fitted, difference (equal by the MLE)."""
    r = _with_fitted(result)
    r["month"] = r["date"].dt.month
    out = r.groupby("month")[["observed", "fitted"]].sum().reset_index()
    out["difference"] = out["observed"] - out["fitted"]
    out.insert(1, "måned", [MONTH_LABELS[m - 1] for m in out["month"]])
    return out


def by_date(result: ArrivalRates) -> pd.DataFrame:
    """Calls per local date, all modelled districts: observed, fitted and Pearson residual."""
    r = _with_fitted(result)
    out = r.groupby("date")[["observed", "fitted"]].sum().reset_index()
    out["day_type"] = r.groupby("date")["day_type"].first().to_numpy()
    out["pearson_residual"] = (out["observed"] - out["fitted"]) / np.sqrt(out["fitted"].where(out["fitted"] > 0))
    return out


def month_hour_ratio(result: ArrivalRates) -> pd.DataFrame:
    """Observed / fitted calls by month (rows) and local hour of day (columns), all districts.

    The model has no month x hour interaction; a pattern here (e.g. a later evening in
    summer) is what it misses.
    """
    r = _with_fitted(result)
    r["month"] = r["date"].dt.month
    g = r.groupby(["month", "hour"])[["observed", "fitted"]].sum()
    ratio = (g["observed"] / g["fitted"]).unstack("hour")
    ratio.index = [MONTH_LABELS[m - 1] for m in ratio.index]
    return ratio


# --- Figures ---------------------------------------------------------------------------


def _n_districts(result: ArrivalRates) -> int:
    return len(result.districts) or int(result.rates["district"].nunique())


def plot_hour_of_week(result: ArrivalRates, summer: tuple[int, ...] = (6, 7, 8)):
    """Observed vs fitted mean calls per hour by hour of week: whole year, and ``summer`` only."""
    from lib.core import plotstyle

    fig, axes = plotstyle.subplots(2, 1, figsize=(11, 7.2), sharex=True)
    for ax, months, title in [(axes[0], None, "Hele året"), (axes[1], summer, "Juni–august")]:
        t = by_hour_of_week(result, months)
        ax.plot(t["hour_of_week"], t["observed"], color="0.55", lw=1.6, label="Observert")
        ax.plot(t["hour_of_week"], t["fitted"], color="C0", lw=1.0, ls="--", label="Modell (Poisson)")
        ax.set_title(title, loc="left")
        ax.set_ylabel("Telefoner per time (gjennomsnitt)")
        ax.set_ylim(bottom=0)
        plotstyle.axis_format(ax, "y")
    axes[1].set_xticks(np.arange(0, 168, 24) + 12, ["man", "tir", "ons", "tor", "fre", "lør", "søn/helligdag"])
    axes[1].set_xticks(np.arange(0, 169, 24), minor=True)
    axes[1].tick_params(axis="x", which="major", length=0)
    axes[1].tick_params(axis="x", which="minor", length=8)
    axes[1].set_xlabel("Ukedag og time på døgnet (helligdager som søndag)")
    fig.suptitle(f"Innkommende telefoner per time, observert og modell ({_n_districts(result)} politidistrikter)")
    plotstyle.legend_below(fig)
    return fig


def plot_month_and_days(result: ArrivalRates):
    """Calls per month (observed vs fitted bars) and per day (observed vs fitted line)."""
    from lib.core import plotstyle

    m, d = by_month(result), by_date(result)
    fig, (ax1, ax2) = plotstyle.subplots(1, 2, figsize=(12, 4.6), gridspec_kw={"width_ratios": [1, 2.2]})
    x = np.arange(len(m))
    ax1.bar(x - 0.2, m["observed"] / 1e3, 0.4, color="0.6", label="Observert")
    ax1.bar(x + 0.2, m["fitted"] / 1e3, 0.4, color="C0", label="Modell (Poisson)")
    ax1.set_xticks(x, m["måned"])
    ax1.set_xlabel("Måned")
    ax1.set_ylabel("Telefoner per måned (tusen)")
    ax1.set_title("Per måned")
    ax2.plot(d["date"], d["observed"], color="0.55", lw=0.9, label="Observert")
    ax2.plot(d["date"], d["fitted"], color="C0", lw=0.9, label="Modell (Poisson)")
    hol = d[d["day_type"] == "sunday_holiday"]
    ax2.scatter(hol["date"], hol["observed"], s=6, color="C3", zorder=3, label="Søn- og helligdag")
    firsts = pd.date_range(d["date"].min(), d["date"].max(), freq="MS")
    ax2.set_xticks(firsts, [MONTH_LABELS[t.month - 1] for t in firsts], ha="left")
    ax2.set_xlabel("Dato (første dag i måneden)")
    ax2.set_ylabel("Telefoner per dag")
    ax2.set_ylim(bottom=0)
    ax2.set_title("Per dag")
    for ax in (ax1, ax2):
        plotstyle.axis_format(ax, "y")
    year = int(pd.Timestamp(d["date"].min()).year)
    fig.suptitle(
        f"Telefoner per måned og per dag i {year}, observert og modell ({_n_districts(result)} politidistrikter)"
    )
    plotstyle.legend_below(fig)
    return fig
