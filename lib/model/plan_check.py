"""The simulation check of a staffing plan: what the queue model predicts for the plan, against
what the plan gives when the whole year is simulated (the compiled simulator,
:mod:`lib.queues.simulator`), and staffing that the simulation confirms.

**Predicted against simulated.** A plan of whole agents is *predicted* to beat its target
in most hours (the agents are rounded up), so the simulated service level must be set
against the model's own prediction for the same plan, not against the target. For every
board-hour with traffic the queue model of the plan (:mod:`lib.queues.models`: Erlang C or
Erlang A with the plan's patience) gives its service level on both bases, its answered
share and its mean wait of the answered calls; the year's predicted value of a measure is
their call-weighted mean (the answered basis and the mean wait weighted by the predicted
answered calls). The same plan is then simulated over the whole year, ``replications``
times (:func:`check_plan`):

* **under the model's own assumptions** (assumption set ``"model"``): Poisson arrivals at
  each hour's rate, exponential handling times with the hour's AHT, no hang-ups (Erlang C)
  or exponential patience with the plan's mean (Erlang A). What remains between simulated
  and predicted is what the hour-by-hour formula leaves out even then: a queue that
  carries over from one hour into the next, calls that run past the hour's end, and agents
  who go off duty only when their call ends (the simulator's count rule);
* **under what the log shows** (assumption set ``"log"``), one departure from the model at a
  time (:data:`DEPARTURES`) and all of them together: the log's handling times (talk time
  plus after-call work, their shape scaled to each board-hour's AHT), the log's arrivals
  within the hour (the share of each hour's calls in each 5-minute bin, by hour of day;
  only a call-level log has them), and, for Erlang C plans, callers who hang up after the
  fitted exponential patience. Every run of a replication shares its random streams
  (common random numbers: :func:`lib.queues.simulator.simulate`), so each departure's
  *effect* is a paired difference from the model run with a tight interval.

For every measure (:data:`MEASURES`): predicted, simulated (mean over the replications)
with its 95 % t-interval, the difference simulated − predicted, and for the departures the
paired effect against the model run. :func:`by_group` breaks the service level down by
hour of day, load band and board (the hours where the formula and the queue part).

**Staffing that the simulation confirms** (:func:`iterative_staffing`): the iterative
staffing algorithm of Feldman, Mandelbaum, Massey and Whitt (*Management Science* 54(2),
2008): simulate the plan, measure each board-hour's offered load *as the simulation sees
it*, set the hour's agents by the stationary formula at that load, and repeat with the same
random numbers until the plan stops changing. The offered load of an hour is the formula's
(expected calls × AHT) plus the work the queue moves into it (:func:`spilled_load`: the busy
time of the answered calls within the hour, minus the handling time of those that arrived in
it; a call that waits into the next hour, or runs past the hour's end, loads the next hour).
Measuring the spill as a difference within each replication keeps the arrivals' Poisson noise
out of the plan (taking the simulated busy time alone would staff each quiet hour by three
replications' chance arrivals). (FMMW set the agents from the distribution of the number of callers in the system to hit
a delay probability; with a service-level target the stationary formula at the simulated
load plays that part.) Where the formula plan is right the iteration stops at once; where
work spills over hour boundaries it moves agents to where the work lands.

Units: calls per hour, seconds, agents (whole numbers); shares in [0, 1]; differences of
shares in share points (× 100 for percentage points).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial

import numpy as np
import pandas as pd
from scipy import stats

from lib.core.assumptions import ERLANG_C, Assumptions
from lib.model.concepts import board_hours, service_time_s, year_dependent
from lib.model.staffing import Staffing, staff
from lib.queues import models
from lib.queues.erlang import offered_load
from lib.queues.simulator import ANSWERED, HOUR_S, SimulationResult, simulate

__all__ = [
    "CHECK_COLUMNS",
    "DEPARTURES",
    "DETAIL_COLUMNS",
    "ISA_COLUMNS",
    "LOAD_BANDS",
    "MEASURES",
    "IsaResult",
    "LogShape",
    "PlanCheck",
    "by_group",
    "check_plan",
    "handling_times",
    "iterative_staffing",
    "predicted_by_hour",
]

#: The measures of a check, in row order: share of offered calls answered within the target,
#: share of answered calls answered within it, share of offered calls that hung up, mean wait
#: of the answered calls (s).
MEASURES: tuple[str, ...] = ("service_level_offered", "service_level_answered", "abandonment", "mean_wait_s")
#: The departures from the model's assumptions simulated one at a time ("all": together).
DEPARTURES: tuple[str, ...] = ("handling", "arrivals", "patience", "all")
#: Load bands (offered load in Erlangs) of :func:`by_group`: [low, high).
LOAD_BANDS: tuple[tuple[float, float], ...] = ((0, 1), (1, 2), (2, 5), (5, 10), (10, 20), (20, math.inf))
#: Columns of the year's check (outputs/tables/simulation_check.csv).
CHECK_COLUMNS: tuple[str, ...] = (
    "concept",
    "year",
    "model",
    "assumptions",
    "departure",
    "measure",
    "predicted",
    "simulated",
    "simulated_low",
    "simulated_high",
    "difference",
    "effect",
    "effect_low",
    "effect_high",
    "replications",
    "calls",
)
#: Columns of :func:`by_group` (outputs/tables/simulation_check_detail.csv).
DETAIL_COLUMNS: tuple[str, ...] = (
    "concept",
    "year",
    "model",
    "assumptions",
    "departure",
    "basis",
    "group",
    "value",
    "calls",
    "predicted",
    "simulated",
    "simulated_low",
    "simulated_high",
    "replications",
    "difference",
)
#: Columns of the ISA comparison (outputs/tables/isa_staffing.csv).
ISA_COLUMNS: tuple[str, ...] = (
    "concept",
    "year",
    "model",
    "plan",
    "agent_hours",
    "person_years",
    "service_level",
    "service_level_low",
    "service_level_high",
    "hours_below_target",
    "iterations",
    "converged",
)
_BIN_S = 300.0  # the within-hour arrival profile's bins (s)
_BINS = int(HOUR_S / _BIN_S)


# --- What the log shows ------------------------------------------------------------------------


def handling_times(
    clean: pd.DataFrame, after_call_work_s: float, rng: np.random.Generator, size: int = 20_000
) -> float | np.ndarray:
    """The log's handling times (s): a sample of ``size`` of the in-scope answered calls' talk
    times plus ``after_call_work_s``, drawn with ``rng``. Interval statistics give no
    distribution, only the talk time's sum: then the exponential mean (talk per answered call
    plus after-call work)."""
    used = clean.loc[clean["in_scope"].to_numpy(dtype=bool)]
    if "offered" in used.columns:
        answered = float(used["answered"].sum())
        if answered <= 0:
            raise ValueError("handling_times: no answered calls in scope")
        return float(used["talk_total_s"].sum()) / answered + after_call_work_s
    answered_calls = used.loc[used["answered"].to_numpy(dtype=bool)]
    if answered_calls.empty:
        raise ValueError("handling_times: no answered calls in scope")
    return rng.choice(answered_calls["talk_s"].to_numpy() + after_call_work_s, size=size)


def within_hour_profile(clean: pd.DataFrame) -> np.ndarray | None:
    """Share of each hour's in-scope calls arriving in each 5-minute bin, by local hour of day:
    (24, 12), rows summing to 1 (an hour of day without calls: uniform). None for interval
    statistics, which do not say when within the hour a call came."""
    if "arrived_at" not in clean.columns:
        return None
    used = clean.loc[clean["in_scope"].to_numpy(dtype=bool), "arrived_at"]
    t = pd.DatetimeIndex(used)
    counts = np.bincount(t.hour.to_numpy() * _BINS + t.minute.to_numpy() // int(_BIN_S // 60), minlength=24 * _BINS)
    counts = counts.reshape(24, _BINS).astype(float)
    total = counts.sum(axis=1, keepdims=True)
    return np.where(total > 0, counts / np.maximum(total, 1.0), 1.0 / _BINS)


@dataclass(frozen=True)
class LogShape:
    """What the log says beyond the hourly rates, for the ``"log"`` assumption set.

    ``handling_sample_s``: the log's handling times (s; None: exponential, e.g. from interval
    statistics); ``within_hour``: (24, 12) shares of each hour's calls per 5-minute bin by hour
    of day (None: uniform within the hour); ``patience_s``: the fitted exponential patience (s)
    that callers of an Erlang C plan hang up after.
    """

    handling_sample_s: np.ndarray | None
    within_hour: np.ndarray | None
    patience_s: float

    @classmethod
    def of_log(cls, clean: pd.DataFrame, after_call_work_s: float, patience_s: float, seed: int) -> LogShape:
        """From the cleaned log (or interval table), drawing the handling sample with ``seed``."""
        sample = handling_times(clean, after_call_work_s, np.random.default_rng(seed))
        return cls(
            None if np.ndim(sample) == 0 else np.asarray(sample, dtype=float),
            within_hour_profile(clean),
            float(patience_s),
        )

    def departures(self, model: str) -> tuple[str, ...]:
        """The departures the log gives for a plan of ``model``: the handling times when the log
        has a distribution, the arrivals within the hour when it has arrival times, hang-ups for
        Erlang C (Erlang A has them already), and "all" when there is more than one."""
        out = [
            d
            for d, has in (
                ("handling", self.handling_sample_s is not None),
                ("arrivals", self.within_hour is not None),
                ("patience", model == ERLANG_C and self.patience_s > 0),
            )
            if has
        ]
        return (*out, "all") if len(out) > 1 else tuple(out)


def _arrivals_within_hours(
    calls_per_hour: np.ndarray, hour_of_day: np.ndarray, profile: np.ndarray, rng: np.random.Generator
) -> list[np.ndarray]:
    """Poisson arrival times (s) per board: each board-hour's count Poisson at its rate, each
    call in a 5-minute bin drawn from the hour of day's ``profile``, uniform within the bin."""
    counts = rng.poisson(calls_per_hour)
    cum = np.cumsum(profile, axis=1)
    cum[:, -1] = 1.0
    flat = (np.arange(24)[:, None] + cum).ravel()  # hour of day + cumulative share, ascending
    out = []
    for b in range(calls_per_hour.shape[0]):  # a loop over boards (11), not over calls
        hour = np.repeat(np.arange(calls_per_hour.shape[1]), counts[b])
        hod = hour_of_day[hour]
        # The bin by the inverse CDF of its hour of day, all hours of day in one sorted array.
        bins = np.searchsorted(flat, hod + rng.random(hour.size), side="right") - hod * _BINS
        t = hour * HOUR_S + (np.clip(bins, 0, _BINS - 1) + rng.random(hour.size)) * _BIN_S
        out.append(np.sort(np.minimum(t, (hour + 1) * HOUR_S - 1e-6)))
    return out


# --- The model's prediction ---------------------------------------------------------------------


def _patience_of(a: Assumptions) -> float:
    return math.inf if a.queue_model == ERLANG_C else float(a.patience_s)


def predicted_by_hour(plan: Staffing, a: Assumptions) -> dict[str, np.ndarray]:
    """The plan's queue model (``a.queue_model``) per board-hour, arrays (boards, hours):
    ``service_level_offered``, ``service_level_answered``, ``answered_share``, ``mean_wait_s``
    (answered calls), at the plan's rates, AHT and agents; NaN in hours without traffic."""
    model = models.queue_model(a)
    target = service_time_s(plan.concept, a)
    busy = plan.calls > 0
    out = {
        k: np.full(plan.calls.shape, np.nan)
        for k in ("service_level_offered", "service_level_answered", "answered_share", "mean_wait_s")
    }
    n, c, h = plan.agents[busy], plan.calls[busy], plan.aht_s[busy]
    out["service_level_offered"][busy] = model.service_level(n, c, h, target, a, "offered")
    out["service_level_answered"][busy] = model.service_level(n, c, h, target, a, "answered")
    out["answered_share"][busy] = model.answered_share(n, c, h, a)
    out["mean_wait_s"][busy] = model.mean_wait_s(n, c, h, a)
    return out


def _year_predicted(p: Mapping[str, np.ndarray], calls: np.ndarray) -> dict[str, float]:
    busy = calls > 0
    w = calls[busy]
    answered = w * p["answered_share"][busy]
    return {
        "service_level_offered": float(np.sum(w * p["service_level_offered"][busy]) / w.sum()),
        "service_level_answered": float(np.sum(answered * p["service_level_answered"][busy]) / answered.sum()),
        "abandonment": float(np.sum(w * (1.0 - p["answered_share"][busy])) / w.sum()),
        "mean_wait_s": float(np.sum(answered * p["mean_wait_s"][busy]) / answered.sum()),
    }


def _year_simulated(r: SimulationResult) -> dict[str, np.ndarray]:
    """Per replication: the four measures over the whole year."""
    return {
        "service_level_offered": r.service_level("offered")[:, 0],
        "service_level_answered": r.service_level("answered")[:, 0],
        "abandonment": r.abandonment(),
        "mean_wait_s": r.mean_wait_s(),
    }


def _interval(x: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and two-sided t-interval of the mean (NaN bounds with one value)."""
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    mean = float(x.mean()) if x.size else math.nan
    if x.size < 2:
        return mean, math.nan, math.nan
    half = float(stats.t.ppf(0.5 + level / 2, x.size - 1)) * float(x.std(ddof=1)) / math.sqrt(x.size)
    return mean, mean - half, mean + half


# --- The check -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanCheck:
    """One plan's check: ``rows`` (:data:`CHECK_COLUMNS`), the per-board-hour prediction
    (``predicted``: :func:`predicted_by_hour`) and the simulation of each assumption set
    (``runs``: "model" and each departure -> :class:`SimulationResult`)."""

    concept: str
    year: int | None
    model: str
    basis: str
    plan: Staffing
    predicted: dict[str, np.ndarray]
    runs: dict[str, SimulationResult]
    rows: pd.DataFrame = field(repr=False)


def _simulate(
    plan: Staffing,
    a: Assumptions,
    log: LogShape | None,
    departure: str | None,
    replications: int,
    seed: int,
    threads: int | None,
    records: bool = False,
) -> SimulationResult:
    """The plan simulated under the model's assumptions (``departure`` None) or with one
    departure (or "all") from them; every departure shares the model run's random streams."""
    target = service_time_s(plan.concept, a)
    use = set(DEPARTURES[:-1]) if departure == "all" else {departure}
    patience = _patience_of(a)
    if "patience" in use and log is not None:
        patience = log.patience_s
    handling = log.handling_sample_s if ("handling" in use and log is not None) else None
    aht = _filled_aht(plan)
    run = partial(
        simulate,
        plan.agents,
        aht,
        handling_sample_s=handling,
        patience_s=patience,
        target_s=[target],
        threads=threads,
        records=records,
    )
    if "arrivals" not in use or log is None or log.within_hour is None:
        return run(plan.calls, replications=replications, seed=seed)
    # Arrivals of their own in each replication: one call per replication, numbered as in the
    # model run (the handling and patience streams stay paired with it).
    hod = _hour_of_day(plan)
    parts = []
    for r in range(replications):  # a loop over replications (20), not over calls
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(r, 1_000_003)))
        arrivals = _arrivals_within_hours(plan.calls, hod, log.within_hour, rng)
        parts.append(run(arrival_times_s=arrivals, seed=seed, replication_offset=r))
    return _stack(parts)


def _stack(parts: Sequence[SimulationResult]) -> SimulationResult:
    """Replications of several runs as one result (records are not kept)."""

    def cat(name: str) -> np.ndarray:
        return np.concatenate([getattr(p, name) for p in parts])

    return SimulationResult(
        target_s=parts[0].target_s,
        offered=cat("offered"),
        answered=cat("answered"),
        abandoned=cat("abandoned"),
        unresolved=cat("unresolved"),
        answered_within=cat("answered_within"),
        wait_answered_s=cat("wait_answered_s"),
        wait_abandoned_s=cat("wait_abandoned_s"),
        wait_unresolved_s=cat("wait_unresolved_s"),
    )


def _hour_of_day(plan: Staffing) -> np.ndarray:
    """Local hour of day (0-23) of each hour of the plan."""
    if "hour" in plan.hours:
        return plan.hours["hour"].to_numpy(dtype=np.int64)
    return pd.DatetimeIndex(plan.hours["hour_start"]).hour.to_numpy(dtype=np.int64)


def _filled_aht(plan: Staffing) -> np.ndarray:
    """The plan's AHT with hours without traffic (AHT 0) filled from the board's nearest earlier
    (else later) hour: a call that waits into such an hour is handled at a real AHT."""
    aht = np.where(plan.aht_s > 0, plan.aht_s, np.nan)
    filled = pd.DataFrame(aht.T).ffill().bfill().to_numpy().T
    return np.ascontiguousarray(np.nan_to_num(filled, nan=1.0))


def check_plan(
    plan: Staffing,
    a: Assumptions,
    log: LogShape | None = None,
    *,
    departures: Iterable[str] | None = None,
    replications: int = 20,
    seed: int = 0,
    model_label: str | None = None,
    threads: int | None = None,
) -> PlanCheck:
    """Predicted against simulated for ``plan`` (made under ``a``: its queue model, patience,
    basis and target), over every hour of the plan, ``replications`` times from ``seed``.

    ``log``: what the log shows (None: the model run only); ``departures``: which of the log's
    departures to simulate (None: every one the log gives, :meth:`LogShape.departures`).
    Returns a :class:`PlanCheck` whose ``rows`` are :data:`CHECK_COLUMNS`.
    """
    if replications < 2:
        raise ValueError(f"replications must be at least 2 (an interval needs two); got {replications!r}")
    label = model_label or a.queue_model
    chosen = () if log is None else tuple(log.departures(a.queue_model) if departures is None else departures)
    unknown = set(chosen) - set(DEPARTURES)
    if unknown:
        raise ValueError(f"departures: unknown {sorted(unknown)}; known: {DEPARTURES}")
    predicted = predicted_by_hour(plan, a)
    year_pred = _year_predicted(predicted, plan.calls)
    runs = {"model": _simulate(plan, a, log, None, replications, seed, threads)}
    for d in chosen:
        runs[d] = _simulate(plan, a, log, d, replications, seed, threads)
    base = _year_simulated(runs["model"])
    rows = []
    for name, run in runs.items():
        sim = _year_simulated(run)
        calls = float(run.offered.sum(axis=(1, 2)).mean())
        for m in MEASURES:
            mean, low, high = _interval(sim[m])
            eff = _interval(sim[m] - base[m]) if name != "model" else (math.nan,) * 3
            rows.append(
                {
                    "concept": plan.concept,
                    "year": plan.year,
                    "model": label,
                    "assumptions": "model" if name == "model" else "log",
                    "departure": "none" if name == "model" else name,
                    "measure": m,
                    "predicted": year_pred[m],
                    "simulated": mean,
                    "simulated_low": low,
                    "simulated_high": high,
                    "difference": mean - year_pred[m],
                    "effect": eff[0],
                    "effect_low": eff[1],
                    "effect_high": eff[2],
                    "replications": run.offered.shape[0],
                    "calls": calls,
                }
            )
    out = pd.DataFrame(rows, columns=list(CHECK_COLUMNS))
    out["year"] = out["year"].astype("Int64")
    return PlanCheck(plan.concept, plan.year, label, a.service_level_basis, plan, predicted, runs, out)


def _band_labels() -> list[str]:
    return [f"{lo:g}–{hi:g}" if math.isfinite(hi) else f"{lo:g}+" for lo, hi in LOAD_BANDS]


def by_group(check: PlanCheck, runs: Sequence[str] = ("model",)) -> pd.DataFrame:
    """The service level on the plan's basis, predicted and simulated (pooled over the
    replications), by hour of day, load band (offered load, Erlangs: :data:`LOAD_BANDS`) and
    board, for each of ``runs`` ("model" and departures of the check). :data:`DETAIL_COLUMNS`;
    ``calls`` are the plan's expected calls of the group per year; ``simulated_low`` and
    ``simulated_high`` the 95 % interval of the simulated share over the ``replications``
    simulated years (:func:`_ratio_interval`)."""
    plan, basis = check.plan, check.basis
    busy = plan.calls > 0
    hod = _hour_of_day(plan)
    load = offered_load(plan.calls, plan.aht_s)
    edges = [lo for lo, _ in LOAD_BANDS[1:]]
    band = np.digitize(load, edges)
    labels = _band_labels()
    keys = {
        "hour_of_day": (np.broadcast_to(hod, plan.calls.shape), [f"{h:02d}" for h in range(24)]),
        "load_band": (band, labels),
        "board": (np.broadcast_to(np.arange(len(plan.boards))[:, None], plan.calls.shape), list(plan.boards)),
    }
    p = check.predicted
    w_pred = plan.calls * (p["answered_share"] if basis == "answered" else 1.0)
    pred_num = np.where(busy, w_pred * p[f"service_level_{basis}"], 0.0)
    w_pred = np.where(busy, w_pred, 0.0)
    rows = []
    for name in runs:
        r = check.runs[name]
        within_r = r.answered_within[..., 0]  # (replications, boards, hours)
        den_r = r.answered if basis == "answered" else r.offered
        reps = within_r.shape[0]
        for group, (idx, names) in keys.items():
            k = idx[busy]
            n = len(names)
            calls = np.bincount(k, plan.calls[busy], minlength=n)
            pred = _safe(np.bincount(k, pred_num[busy], minlength=n), np.bincount(k, w_pred[busy], minlength=n))
            # per replication and group: calls answered within the target, and the base
            num = np.stack([np.bincount(k, within_r[j][busy], minlength=n) for j in range(reps)])
            den = np.stack([np.bincount(k, den_r[j][busy], minlength=n) for j in range(reps)])
            sim = _safe(num.sum(axis=0), den.sum(axis=0))
            low, high = _ratio_interval(num, den, sim)
            for i in np.flatnonzero(calls > 0):
                rows.append(
                    {
                        "concept": check.concept,
                        "year": check.year,
                        "model": check.model,
                        "assumptions": "model" if name == "model" else "log",
                        "departure": "none" if name == "model" else name,
                        "basis": basis,
                        "group": group,
                        "value": names[i],
                        "calls": float(calls[i]),
                        "predicted": float(pred[i]),
                        "simulated": float(sim[i]),
                        "simulated_low": float(low[i]),
                        "simulated_high": float(high[i]),
                        "replications": reps,
                        "difference": float(sim[i] - pred[i]),
                    }
                )
    out = pd.DataFrame(rows, columns=list(DETAIL_COLUMNS))
    out["year"] = out["year"].astype("Int64")
    return out


def _ratio_interval(
    num: np.ndarray, den: np.ndarray, ratio: np.ndarray, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Two-sided t-interval of a share pooled over replications, ``ratio`` = Σ num / Σ den
    (``num``, ``den``: (replications, groups)), from the replications' spread: the ratio
    estimator's standard error s/(√R·mean den), s the standard deviation of num − ratio·den
    over the R replications (each simulated year is independent; a group's calls differ from
    year to year, so its share is a ratio of two random sums). NaN where there is no base."""
    reps = num.shape[0]
    resid = num - ratio * den
    mean_den = den.mean(axis=0)
    se = _safe(resid.std(axis=0, ddof=1) / math.sqrt(reps), mean_den)
    half = float(stats.t.ppf(0.5 + level / 2, reps - 1)) * se
    return ratio - half, ratio + half


def _safe(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    out = np.full(num.shape, np.nan)
    np.divide(num, den, out=out, where=den > 0)
    return out


# --- Staffing that the simulation confirms (ISA) -------------------------------------------------


@dataclass(frozen=True)
class IsaResult:
    """The iterative staffing algorithm's plan: ``agents`` (boards, hours), the agent-hours of
    every iteration's plan (``history``, the formula plan first), whether the plan stopped
    changing (``converged``) and the simulated offered load of the last iteration (``load``,
    Erlangs, boards × hours)."""

    plan: Staffing
    history: tuple[int, ...]
    converged: bool
    load: np.ndarray

    @property
    def iterations(self) -> int:
        return len(self.history) - 1


def _busy_by_hour(start: np.ndarray, end: np.ndarray, n_hours: int) -> np.ndarray:
    """Seconds of [start, end) intervals (one board) that fall in each hour, vectorised:
    busy time before H = Σ_{start<H} min(end, H) − start, from sorted starts and ends."""
    bounds = np.arange(n_hours + 1) * HOUR_S
    s, e = np.sort(start), np.sort(np.minimum(end, n_hours * HOUR_S))
    ns, ne = np.searchsorted(s, bounds), np.searchsorted(e, bounds)
    cs, ce = np.concatenate([[0.0], np.cumsum(s)]), np.concatenate([[0.0], np.cumsum(e)])
    before = ce[ne] + bounds * (ns - ne) - cs[ns]
    return np.diff(before)


def spilled_load(r: SimulationResult, n_boards: int, n_hours: int) -> np.ndarray:
    """The load (Erlangs) the queue moves into each board-hour, mean over the replications: the
    busy time of the answered calls within the hour minus the handling time of the answered
    calls that arrived in it, / 3 600 s. Positive where work waits or runs over into the hour,
    negative where it leaves it; the hourly formula assumes 0 (every call's work in its hour
    of arrival). A difference within each replication, so the arrivals' Poisson noise, which
    the formula's expected rates leave out, mostly cancels."""
    c = r.calls
    if c is None:
        raise ValueError("spilled_load needs the calls (simulate with records=True)")
    reps = int(r.offered.shape[0])
    spill = np.zeros((n_boards, n_hours))
    block = c.replication.astype(np.int64) * n_boards + c.board
    order = np.argsort(block, kind="stable")
    cuts = np.searchsorted(block[order], np.arange(reps * n_boards + 1))
    for k in range(reps * n_boards):  # a loop over replication-boards, not over calls
        i = order[cuts[k] : cuts[k + 1]]
        ans = i[c.outcome[i] == ANSWERED]
        start = c.arrival_s[ans] + c.wait_s[ans]
        landed = _busy_by_hour(start, start + c.handling_s[ans], n_hours)
        hour = np.minimum((c.arrival_s[ans] // HOUR_S).astype(np.int64), n_hours - 1)
        spill[k % n_boards] += landed - np.bincount(hour, c.handling_s[ans], minlength=n_hours)
    return spill / HOUR_S / reps


def iterative_staffing(
    plan: Staffing,
    a: Assumptions,
    *,
    replications: int = 5,
    seed: int = 0,
    max_iterations: int = 10,
    threads: int | None = None,
) -> IsaResult:
    """ISA (module docstring) from the formula ``plan`` made under ``a``: simulate under the
    model's assumptions (``replications`` per iteration, the same streams every time), set
    each board-hour's agents by ``a``'s queue model at the simulated offered load (its
    target, occupancy cap and minimum staffing), until the plan stops changing or after
    ``max_iterations``."""
    target = service_time_s(plan.concept, a)
    aht = _filled_aht(plan)
    patience = _patience_of(a)
    agents = plan.agents
    history = [int(agents.sum())]
    converged = False
    load = offered_load(plan.calls, plan.aht_s)
    for _ in range(max_iterations):
        r = simulate(
            agents,
            aht,
            plan.calls,
            patience_s=patience,
            target_s=[target],
            replications=replications,
            seed=seed,
            records=True,
            threads=threads,
        )
        load = np.maximum(offered_load(plan.calls, plan.aht_s) + spilled_load(r, *plan.calls.shape), 0.0)
        calls = np.where(load > 1e-9, load * HOUR_S / aht, 0.0)
        new = models.required_agents(calls, aht, target, a)
        history.append(int(new.sum()))
        if np.array_equal(new, agents):
            converged = True
            break
        agents = new
    out = Staffing(plan.concept, plan.year, plan.boards, plan.hours, plan.calls, plan.aht_s, agents, plan.asa_s)
    return IsaResult(out, tuple(history), converged, load)


def isa_rows(check_formula: PlanCheck, check_isa: PlanCheck, isa: IsaResult, a: Assumptions) -> pd.DataFrame:
    """The formula plan against ISA's (:data:`ISA_COLUMNS`): agent-hours, person-years, the
    simulated service level on the plan's basis (model run), and the share of the busy
    board-hours whose simulated service level (pooled over replications) falls below the target."""
    rows = []
    for name, chk, its, conv in (
        ("formel", check_formula, 0, True),
        ("ISA", check_isa, isa.iterations, isa.converged),
    ):
        r = chk.runs["model"]
        level = r.service_level(chk.basis)[:, 0]
        mean, low, high = _interval(level)
        within = r.answered_within[..., 0].sum(axis=0)
        den = (r.answered if chk.basis == "answered" else r.offered).sum(axis=0)
        busy = chk.plan.calls > 0
        per_hour = _safe(within[busy].astype(float), den[busy].astype(float))
        below = float(np.mean(per_hour[np.isfinite(per_hour)] < a.service_level_target))
        rows.append(
            {
                "concept": chk.concept,
                "year": chk.year,
                "model": chk.model,
                "plan": name,
                "agent_hours": int(chk.plan.agents.sum()),
                "person_years": chk.plan.agents.sum() / a.hours_per_person_year,
                "service_level": mean,
                "service_level_low": low,
                "service_level_high": high,
                "hours_below_target": below,
                "iterations": its,
                "converged": conv,
            }
        )
    out = pd.DataFrame(rows, columns=list(ISA_COLUMNS))
    out["year"] = out["year"].astype("Int64")
    return out


# --- Every concept's plan --------------------------------------------------------------------------


#: The concepts whose plans the check simulates (the decompositions of IIb are not plans).
CHECKED_CONCEPTS: tuple[str, ...] = ("base", "I", "IIa", "IIb", "III")


@dataclass(frozen=True)
class ConceptChecks:
    """The check of every concept's plan under every queue model: ``checks`` (PlanCheck per
    plan), ``table`` (:data:`CHECK_COLUMNS`, one frame) and ``detail`` (:func:`by_group`)."""

    checks: tuple[PlanCheck, ...]
    table: pd.DataFrame
    detail: pd.DataFrame


def plans_of(rates, a: Assumptions, years: Sequence[int], concepts: Sequence[str] = CHECKED_CONCEPTS) -> list[Staffing]:
    """The formula plans (:func:`lib.model.staffing.staff`) of ``concepts`` under ``a`` in each
    of ``years``; a year-independent concept once (year None)."""
    bh = board_hours(rates)
    return [staff(c, bh, y, a) for c in concepts for y in ([None] if not year_dependent(c, a) else list(years))]


def check_concepts(
    rates,
    assumptions: Mapping[str, Assumptions],
    years: Sequence[int],
    log: LogShape | None,
    *,
    concepts: Sequence[str] = CHECKED_CONCEPTS,
    departures_for: Sequence[str] = ("base",),
    replications: int = 20,
    seed: int = 0,
    threads: int | None = None,
) -> ConceptChecks:
    """:func:`check_plan` for every plan of ``concepts`` in ``years`` under each queue model
    (``assumptions``: label -> the assumptions the plans are made under, e.g. {"Erlang C": a,
    "Erlang A": a_erlang_a}); the log's departures for the plans of ``departures_for`` (the
    first of ``years`` for year-dependent ones). Every plan uses the same ``seed`` (common
    random numbers across plans)."""
    checks = []
    for label, a in assumptions.items():
        for plan in plans_of(rates, a, years, concepts):
            with_log = plan.concept in departures_for and plan.year in (None, years[0])
            checks.append(
                check_plan(
                    plan,
                    a,
                    log,
                    departures=None if with_log else (),
                    replications=replications,
                    seed=seed,
                    model_label=label,
                    threads=threads,
                )
            )
    table = pd.concat([c.rows for c in checks], ignore_index=True)
    detail = pd.concat([by_group(c, list(c.runs)) for c in checks], ignore_index=True)
    return ConceptChecks(tuple(checks), table, detail)


def isa_concepts(
    rates,
    a: Assumptions,
    year: int,
    *,
    label: str,
    concepts: Sequence[str] = CHECKED_CONCEPTS,
    iteration_replications: int = 3,
    replications: int = 20,
    seed: int = 0,
    threads: int | None = None,
    checked: Sequence[PlanCheck] = (),
) -> tuple[pd.DataFrame, list[tuple[PlanCheck, PlanCheck, IsaResult]]]:
    """ISA for every concept's plan in ``year`` under ``a``, each plan and ISA's checked under
    the model's assumptions with ``replications`` (:func:`isa_rows`): the table
    (:data:`ISA_COLUMNS`) and, per concept, (formula check, ISA check, ISA result). A formula
    plan's check already in ``checked`` (same concept, year and label, e.g. from
    :func:`check_concepts` with the same seed and replications) is reused."""
    done = {(c.concept, c.year, c.model): c for c in checked if c.runs["model"].offered.shape[0] == replications}
    out, rows = [], []
    for plan in plans_of(rates, a, [year], concepts):
        isa = iterative_staffing(plan, a, replications=iteration_replications, seed=seed, threads=threads)
        formula = done.get((plan.concept, plan.year, label)) or check_plan(
            plan, a, None, replications=replications, seed=seed, model_label=label, threads=threads
        )
        confirmed = check_plan(
            isa.plan, a, None, replications=replications, seed=seed, model_label=label, threads=threads
        )
        rows.append(isa_rows(formula, confirmed, isa, a))
        out.append((formula, confirmed, isa))
    return pd.concat(rows, ignore_index=True), out


# --- Readings of the tables ---------------------------------------------------------------------

_SHARES = ("service_level_offered", "service_level_answered", "abandonment")


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """The model runs of :func:`check_concepts`'s table, one row per plan (model, concept,
    year): each measure predicted and simulated, and the difference; shares in per cent and
    the differences in percentage points, waits in seconds."""
    m = table[table["assumptions"] == "model"].copy()
    scale = np.where(m["measure"].isin(_SHARES), 100.0, 1.0)
    for col in ("predicted", "simulated", "simulated_low", "simulated_high", "difference"):
        m[col] = m[col] * scale
    short = {
        "service_level_offered": "SL alle",
        "service_level_answered": "SL besvarte",
        "abandonment": "lagt på",
        "mean_wait_s": "ventetid s",
    }
    m["measure"] = m["measure"].map(short)
    m["year"] = m["year"].astype("string").fillna("–")
    out = m.pivot_table(
        index=["model", "concept", "year"],
        columns="measure",
        values=["predicted", "simulated", "difference"],
        sort=False,
    )
    out.columns = [f"{measure} {what}" for what, measure in out.columns]
    order = [f"{s} {w}" for s in short.values() for w in ("predicted", "simulated", "difference")]
    return out[[c for c in order if c in out.columns]].round(2)


def departure_effects(table: pd.DataFrame) -> pd.DataFrame:
    """Each departure's paired effect against the model run, per plan that has them: the
    service level on all calls and on the answered calls and the abandonment in percentage
    points (with the 95 % interval of the service level's), the mean wait in seconds."""
    d = table[table["assumptions"] == "log"]
    rows = []
    for key, g in d.groupby(["model", "concept", "year", "departure"], sort=False, dropna=False):
        e = g.set_index("measure")
        rows.append(
            {
                "model": key[0],
                "concept": key[1],
                "year": "–" if pd.isna(key[2]) else str(key[2]),
                "departure": key[3],
                "SL alle pp": 100 * e.loc["service_level_offered", "effect"],
                "SL alle pp lav": 100 * e.loc["service_level_offered", "effect_low"],
                "SL alle pp høy": 100 * e.loc["service_level_offered", "effect_high"],
                "SL besvarte pp": 100 * e.loc["service_level_answered", "effect"],
                "lagt på pp": 100 * e.loc["abandonment", "effect"],
                "ventetid s": e.loc["mean_wait_s", "effect"],
            }
        )
    return pd.DataFrame(rows).round(2)


def largest_gaps(detail: pd.DataFrame, n: int = 8, min_calls: float = 1000.0) -> pd.DataFrame:
    """The ``n`` groups (hour of day, load band, board) of the model runs with the largest
    simulated − predicted gap in service level, among groups of at least ``min_calls`` calls
    a year; the gap in percentage points, and (where the detail has it) the half-width of the
    simulated share's 95 % interval over the replications ("± pp"), to set the gap against."""
    m = detail[(detail["departure"] == "none") & (detail["calls"] >= min_calls)].copy()
    m["gap pp"] = 100 * m["difference"]
    columns = ["model", "concept", "year", "group", "value", "calls", "predicted", "simulated", "gap pp"]
    if "simulated_high" in m:
        m["± pp"] = 100 * (m["simulated_high"] - m["simulated"])
        columns.append("± pp")
    m = m.reindex(m["gap pp"].abs().sort_values(ascending=False).index).head(n)
    return m[columns].round({"calls": 0, "predicted": 4, "simulated": 4, "gap pp": 2, "± pp": 2})


def isa_detail(runs: Sequence[tuple[PlanCheck, PlanCheck, IsaResult]]) -> pd.DataFrame:
    """By-group rows (:func:`by_group`, model runs) of the formula and the ISA plan of every
    concept of :func:`isa_concepts`, with a column ``plan`` ("formel", "ISA")."""
    parts = []
    for formula, confirmed, _ in runs:
        parts.append(by_group(formula).assign(plan="formel"))
        parts.append(by_group(confirmed).assign(plan="ISA"))
    return pd.concat(parts, ignore_index=True)
