"""The calibrated synthetic 2023 call log (the real 02800 log is confidential).

``python -m lib.calllog.synthetic --out data/raw/calls_2023.parquet [--seed N]`` writes a log in the
contract of ``docs/call_log_contract.md`` that reproduces what POD-rapport 7/2024 publishes about
2023 (appendix A.1, Tabell A.1/A.2, the text of Figur A.1/A.2), and prints the
target-versus-achieved table of :func:`calibration_table`. The file carries a marker in its
Parquet key-value metadata (:data:`MARKER_KEY`: generator and seed, :func:`write_log`), so
:func:`synthetic_seed` can tell it from a real export by its footer alone (``make clean``
deletes only a marked file).

How a log is made (every number is a field of :class:`SyntheticParams`):

1. **Volume.** The year is cut into the 35 040 quarter-hours of the 8 760 elapsed hours of
   2023 in Europe/Oslo (:func:`lib.core.oslo_calendar.hour_starts`: 26 March has 23 local hours
   and 29 October 25). A district's intensity in a quarter-hour is proportional to its
   residents (SSB 1 Jan 2024, :func:`lib.core.districts.population`) times an hour-of-day profile
   for the day type (weekday, Saturday, Sunday/public holiday), a day-of-week factor and a
   month factor.
2. **Routing.** A quarter-hour lies wholly inside or outside a switchboard's opening hours
   (Tabell A.1 changes only on quarter-hours; :func:`lib.calllog.opening_hours.is_open`). Calls in
   opening hours go to ``sentralbord``, the others to ``operasjonssentral``. Trøndelag's
   switchboard calls are missing from the real log (report fn 21), so they are not drawn;
   its OPS calls are.
3. **Exact counts.** Each queue's registered count (Tabell A.2, defects included) minus its
   duplicate rows is spread over that queue's cells by one multinomial draw with the
   intensities as probabilities; each call gets a uniform whole-second arrival in its cell.
4. **Outcome.** A call is answered with probability ``expit(level_q + offset_q[period])``.
   An answered call's access time has the shape Erlang C gives a queue: a share is picked
   up at once (after a short ring, uniform on [0, ring_max_s]), the rest wait an
   exponential time with mean ``scale_q × multiplier_q[period]``, so the tail is
   exponential (the report: access time is exponentially distributed). Talk time is
   lognormal; unanswered callers hang up after an exponential patience time (their
   ``wait_s``) and have ``talk_s = 0``. Periods (:data:`PERIODS`, local time): weekday day
   07-16, weekday evening 16-20, night (weekdays 20-07, weekends 21-07), weekend/holiday
   morning 07-13 (before most weekend switchboards open) and weekend/holiday day 13-21.
   The shapes are parameters; the two levels per queue are solved so its answered share
   and the mean access time of its answered calls hit Tabell A.2 (halfway between the raw
   and the cleaned log, so both are within tolerance).
5. **Defects** the report cleans away (appendix B), in documented exact numbers: exact
   duplicate rows, 0-second calls, calls with over 30 minutes of talk or access time, and
   a few call-id conflicts (same id, different content).

Times are whole seconds, as telephony exports give them. Deterministic: one
``numpy.random.SeedSequence(seed)`` spawns an independent stream per step.

What the published facts force, and what could not be met:

* The national answer rate must be ≈ 90 % in weekday daytime but below 70 % in every hour
  from 16:00 to 07:00 and at weekends, while OPS (which takes most of those calls) answers
  74.9 % overall. Resolved by letting OPS answer ≈ 92-93 % on weekday days and evenings
  (16-20) and ≈ 75 % on weekend afternoons, hours in which the open switchboards answer
  badly (≈ 51 % weekday evenings, ≈ 44 % at weekends) and so keep the national rate below
  70 %, and ≈ 67 % at night and on weekend mornings, when OPS takes the calls alone.
  Switchboards answer ≈ 68 % late at night (little traffic). The price: weekday daytime
  switchboards answer ≈ 91 % rather than 90 % (the switchboard total is fixed at 79 %),
  and weekend days carry ≈ 80-85 % of a weekday's calls so that OPS gets 37.7 % of them.
* Tabell A.2's total mean access time (62.5 s) is not the answered-call-weighted mean of
  the queues' 43.9 s and 81.2 s (≈ 57.6 s; 62.5 is their plain average), so matching the
  per-queue values gives ≈ 57.6 s in total.
* Trøndelag's switchboard volume implied by population (:func:`implied_trondelag_switchboard_calls`,
  ≈ 120 000) is above the report's ≈ 90 000 (fn 21): per-capita volume is taken equal in
  all districts.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from scipy import optimize, special

from lib.calllog import Thresholds, kept_mask
from lib.calllog.opening_hours import is_open
from lib.core import oslo_calendar
from lib.core.assumptions import PUBLISHED, Assumptions
from lib.core.districts import DISTRICTS, OPS, SWITCHBOARD, population
from lib.core.oslo_calendar import TIMEZONE, hour_starts
from lib.core.paths import display_path, resolve

#: Periods of the answer/wait shapes, by local hour and day type (see module docstring).
PERIODS = ("weekday_day", "weekday_evening", "night", "weekend_morning", "weekend_day")
#: Defect kinds (row attribute ``kind`` of :func:`generate` with ``keep_kind=True``).
KINDS = ("normal", "zero_total", "talk_outlier", "wait_outlier", "duplicate", "id_conflict")
TRONDELAG = "Trøndelag"
#: The report's assumptions: the log is calibrated to the report, whatever a run overrides.
_REPORT = Assumptions()
OUTLIER_LIMIT_S = float(_REPORT.outlier_threshold_s)  # App. B: over 30 min is an outlier
QUARTER = pd.Timedelta(minutes=15)
#: Key of the marker :func:`write_log` stores in the Parquet file's key-value metadata; its
#: value is JSON ``{"generator": "lib.calllog.synthetic", "seed": <seed>}`` (see :func:`synthetic_seed`).
MARKER_KEY = "kontakt_politiet.synthetic"
MARKER_GENERATOR = "lib.calllog.synthetic"
#: The queue-consistent twin (lib.model.twin), the log make report and make test generate.
TWIN_GENERATOR = "lib.model.twin"
#: Generator names a marker may carry: this module's, the twin's, and the name this module had
#: before lib/ became packages (logs generated then are still recognised, and still removed by
#: make clean).
MARKER_GENERATORS = (MARKER_GENERATOR, TWIN_GENERATOR, "lib.synthetic")
#: Suffix of the hidden truth written beside a twin's log (``calls_2023.parquet`` ->
#: ``calls_2023.truth.json``); the analysis never reads it.
TRUTH_SUFFIX = ".truth.json"


def _talk_mean_s() -> float:
    """Mean talk time, seconds: report fn 11 of §5.2.2.1, 5 min per call = waiting + talk +
    ≈ 1.5 min preparation, with the published mean access time (62.5 s) as the waiting."""
    return (
        60 * (_REPORT.citizen_minutes_per_call - _REPORT.preparation_minutes_per_call)
        - PUBLISHED["total_mean_access_s"].value
    )


@dataclass(frozen=True)
class SyntheticParams:
    """Every distribution and share of the synthetic log. Shapes are the project's
    assumptions (the report publishes only the facts in :func:`calibration_table`)."""

    year: int = _REPORT.data_year
    #: Registered rows per queue, defects included (Tabell A.2).
    switchboard_calls: int = int(PUBLISHED["switchboard_calls"].value)
    ops_calls: int = int(PUBLISHED["ops_calls"].value)

    # --- volume ------------------------------------------------------------------------
    #: Relative calls per local hour 00..23 on a weekday (Figur A.1 text: most calls in
    #: daytime when the switchboards are open, falling after 15:00, lowest 00-08). The
    #: evening/night level also sets the share of calls falling outside opening hours; it
    #: is tuned so that share matches Tabell A.2's OPS share (37.7 %) without forcing.
    hourly_weekday: tuple[float, ...] = (
        1.0,
        0.65,
        0.5,
        0.42,
        0.42,
        0.55,
        0.95,
        2.8,
        6.7,
        8.15,
        8.25,
        7.95,
        7.75,
        7.55,
        7.2,
        6.6,
        6.2,
        5.7,
        5.2,
        4.6,
        3.9,
        3.3,
        2.6,
        1.8,
    )
    #: Saturday (Figur A.2 text: flatter over the day, visible night dip).
    hourly_saturday: tuple[float, ...] = (
        2.2,
        1.6,
        1.2,
        0.95,
        0.8,
        0.75,
        0.85,
        1.2,
        1.9,
        2.8,
        3.7,
        4.4,
        5.0,
        5.5,
        5.7,
        5.7,
        5.6,
        5.4,
        5.2,
        4.9,
        4.6,
        4.2,
        3.6,
        2.9,
    )
    #: Sunday and Norwegian public holidays (holidays behave like Sundays).
    hourly_sunday_holiday: tuple[float, ...] = (
        2.5,
        1.9,
        1.4,
        1.05,
        0.85,
        0.75,
        0.8,
        1.05,
        1.7,
        2.6,
        3.5,
        4.3,
        4.9,
        5.4,
        5.6,
        5.7,
        5.7,
        5.6,
        5.4,
        5.1,
        4.7,
        4.2,
        3.4,
        2.5,
    )
    #: Day-of-week factor Monday..Sunday: Monday highest, declining through the week
    #: (assumption; the common pattern of public-service phone lines).
    weekday_factor: tuple[float, ...] = (1.12, 1.04, 1.00, 0.97, 0.90, 1.00, 1.00)
    #: Month factor January..December: summer holiday (July) and Christmas (December)
    #: lower (assumption).
    month_factor: tuple[float, ...] = (1.04, 1.03, 1.05, 0.98, 1.00, 0.98, 0.78, 0.98, 1.05, 1.05, 1.03, 0.90)

    # --- answering (logit offsets and wait multipliers by PERIODS) ------------------------
    #: Local hours where the periods start: weekday day 07-16, weekday evening 16-20,
    #: weekday night 20-07, weekend/holiday morning 07-13, weekend/holiday day 13-21,
    #: weekend/holiday night 21-07.
    period_start_hours: tuple[int, ...] = (7, 16, 20, 7, 13, 21)
    #: Switchboards answer ≈ 90 % in weekday daytime (Figur A.1 text). The national rate
    #: is below 70 % from 16:00 to 07:00 and all weekend although OPS, which takes most of
    #: those calls, answers 74.9 % overall; so the few switchboards open in the weekday
    #: evening rush and at weekends must answer badly (they carry the load alone), which
    #: also pulls the switchboard total down from ≈ 90 % to 79 %. Late at night (Oslo,
    #: Vest, Sør-Øst after 20:00), with little traffic, they answer better.
    sb_answer_offset: tuple[float, ...] = (0.0, -2.3, -1.6, -2.6, -2.6)
    #: OPS: the resolution chosen for "almost only off-hours calls, yet 74.9 % answered":
    #: OPS answers well in weekday day/evening hours and on weekend afternoons (112
    #: pressure lower, and the national rate is held below 70 % there by the badly
    #: answering open switchboards), and below 70 % at night and on weekend mornings,
    #: when OPS takes the calls alone.
    ops_answer_offset: tuple[float, ...] = (1.6, 1.35, -0.4, -0.4, 0.0)
    #: Mean wait of the answered calls that queue, relative, by period (longer where
    #: fewer are answered).
    sb_wait_multiplier: tuple[float, ...] = (1.0, 1.6, 1.3, 1.6, 1.6)
    ops_wait_multiplier: tuple[float, ...] = (0.8, 0.8, 1.2, 1.2, 1.0)
    #: Share of answered calls that queue (the rest are picked up at once): Erlang C's
    #: waiting probability. Chosen so that ≈ 80 % of answered calls are answered within
    #: 95 s (A.1); a pure exponential at the published means would give ≈ 81.5 %.
    sb_delayed_share: float = 0.75
    ops_delayed_share: float = 0.8
    #: Ring time of calls picked up at once, uniform on [0, this] seconds (assumption).
    ring_max_s: float = 8.0
    #: Patience of callers who hang up, mean seconds (exponential). Not published;
    #: chosen near the queues' mean access times.
    sb_patience_mean_s: float = 60.0
    ops_patience_mean_s: float = 90.0

    # --- talk time ----------------------------------------------------------------------
    #: Mean talk time of answered calls, seconds (fn 11 of §5.2.2.1, see _talk_mean_s).
    talk_mean_s: float = field(default_factory=_talk_mean_s)
    #: Log-scale standard deviation of the lognormal talk time (assumption: CV ≈ 1.1,
    #: typical of call-centre handling times).
    talk_sigma: float = 0.9

    # --- defects (appendix B's cleaning rules), shares of each queue's rows ---------------
    #: Exact duplicate rows (double export of the same call).
    duplicate_share: float = 0.002
    #: 0-second calls: unanswered, wait 0, talk 0 (line dropped at once).
    zero_total_share: float = 0.003
    #: Answered calls with talk time over 30 min.
    talk_outlier_share: float = 0.0005
    #: Answered calls with access time over 30 min (rare: they move the mean access time).
    wait_outlier_share: float = 0.00003
    #: Outlier durations are uniform on (1800, this] seconds.
    outlier_max_s: float = 7200.0
    #: Pairs of different calls sharing one call_id (the second row takes the first's id).
    id_conflicts: int = 12
    #: Where the answered-share and access-time levels aim between the value that makes
    #: the raw log exact (0) and the one that makes the cleaned log exact (1).
    calibration_anchor: float = 0.5

    def __post_init__(self):
        for name, n in (
            ("hourly_weekday", 24),
            ("hourly_saturday", 24),
            ("hourly_sunday_holiday", 24),
            ("weekday_factor", 7),
            ("month_factor", 12),
            ("sb_answer_offset", 5),
            ("ops_answer_offset", 5),
            ("sb_wait_multiplier", 5),
            ("ops_wait_multiplier", 5),
        ):
            v = np.asarray(getattr(self, name), dtype=float)
            if v.shape != (n,) or (name not in ("sb_answer_offset", "ops_answer_offset") and (v < 0).any()):
                raise ValueError(f"SyntheticParams.{name}: expected {n} non-negative numbers")
        h = self.period_start_hours
        if len(h) != 6 or not all(0 <= x <= 24 for x in h) or not (h[0] <= h[1] <= h[2] and h[3] <= h[4] <= h[5]):
            raise ValueError("SyntheticParams.period_start_hours: 6 ordered hours (weekday 3, weekend 3)")
        for name in ("sb_delayed_share", "ops_delayed_share"):
            if not 0 < getattr(self, name) <= 1:
                raise ValueError(f"SyntheticParams.{name} must be in (0, 1]")
        for name in ("duplicate_share", "zero_total_share", "talk_outlier_share", "wait_outlier_share"):
            if not 0 <= getattr(self, name) < 0.05:
                raise ValueError(f"SyntheticParams.{name} must be in [0, 0.05)")


# ------------------------------------------------------------------------------------------
# Step 1-2: the cells (district × quarter-hour) with intensity and routing
# ------------------------------------------------------------------------------------------
def period_code(
    local_hour: np.ndarray, day_type: np.ndarray, start_hours: tuple[int, ...] = (7, 16, 20, 7, 13, 21)
) -> np.ndarray:
    """Code into :data:`PERIODS` from the local hour (0-23) and day type code
    (:func:`lib.core.oslo_calendar.day_type`);
    ``start_hours``: see :attr:`SyntheticParams.period_start_hours`."""
    day, evening, night, morning, wday, wnight = start_hours
    weekday = day_type == 0
    code = np.full(local_hour.shape, 2, dtype=np.int8)  # night
    code[weekday & (local_hour >= day) & (local_hour < evening)] = 0
    code[weekday & (local_hour >= evening) & (local_hour < night)] = 1
    code[~weekday & (local_hour >= morning) & (local_hour < wday)] = 3
    code[~weekday & (local_hour >= wday) & (local_hour < wnight)] = 4
    return code


def cells(params: SyntheticParams) -> pd.DataFrame:
    """One row per district × quarter-hour: start (seconds since the epoch, UTC), district
    code (index into :data:`DISTRICTS`), local hour, day type code, relative intensity
    (calls per quarter-hour up to a common factor) and ``open`` (switchboard open: its
    calls go to ``sentralbord``, else to ``operasjonssentral``). Cached; do not modify."""
    return _cells(
        params.year,
        (params.hourly_weekday, params.hourly_saturday, params.hourly_sunday_holiday),
        params.weekday_factor,
        params.month_factor,
    )


@lru_cache(maxsize=2)
def _cells(year: int, hourly: tuple, weekday_factor: tuple, month_factor: tuple) -> pd.DataFrame:
    hours = hour_starts(year)
    quarters = pd.date_range(hours[0], periods=len(hours) * 4, freq=QUARTER)
    local = quarters.tz_convert(TIMEZONE)
    hour = local.hour.to_numpy()
    dtype = oslo_calendar.day_type(local)
    profile = np.array(hourly)
    weekday = np.where(dtype == 2, 6, local.day_of_week.to_numpy())  # holidays count as Sunday
    w = (
        profile[dtype, hour]
        * np.asarray(weekday_factor)[weekday]
        * np.asarray(month_factor)[local.month.to_numpy() - 1]
    )
    pop = population().to_numpy(dtype=float)
    n_q, n_d = len(quarters), len(DISTRICTS)
    d_code = np.repeat(np.arange(n_d, dtype=np.int8), n_q)
    start = np.tile(quarters.tz_convert("UTC").as_unit("s").asi8, n_d)
    is_open_ = is_open(np.asarray(DISTRICTS, dtype=object)[d_code], np.tile(local, n_d))
    return pd.DataFrame(
        {
            "start_s": start,  # seconds since the epoch, UTC
            "district": d_code,
            "hour": np.tile(hour, n_d).astype(np.int8),
            "day_type": np.tile(dtype, n_d),
            "intensity": (pop[:, None] / pop.sum() * w[None, :]).ravel(),
            "open": is_open_,
        }
    )


# ------------------------------------------------------------------------------------------
# Step 4 helpers: truncated distributions and the calibration solves
# ------------------------------------------------------------------------------------------
def _trunc_expon(rng, mean: np.ndarray, cap: float) -> np.ndarray:
    """Exponential with the given means, conditioned on ≤ cap (inverse CDF)."""
    u = rng.random(mean.shape)
    return -mean * np.log1p(-u * -np.expm1(-cap / mean))


def _trunc_expon_mean(mean, cap: float):
    """E[X | X ≤ cap] for X exponential with the given mean."""
    mean = np.asarray(mean, dtype=float)
    return mean - cap * np.exp(-cap / mean) / -np.expm1(-cap / mean)


def _lognormal_mu(mean: float, sigma: float, cap: float) -> float:
    """mu of a lognormal(mu, sigma) whose mean conditioned on ≤ cap equals ``mean``."""

    def trunc_mean(mu):
        return (
            np.exp(mu + sigma**2 / 2)
            * special.ndtr((np.log(cap) - mu - sigma**2) / sigma)
            / special.ndtr((np.log(cap) - mu) / sigma)
        )

    return optimize.brentq(lambda mu: trunc_mean(mu) - mean, -5, np.log(cap))


def _trunc_lognormal(rng, n: int, mu: float, sigma: float, cap: float) -> np.ndarray:
    """Lognormal(mu, sigma) conditioned on ≤ cap (inverse CDF)."""
    u = rng.random(n) * special.ndtr((np.log(cap) - mu) / sigma)
    return np.exp(mu + sigma * special.ndtri(u))


def _solve_level(n_by_period: np.ndarray, offset: np.ndarray, target_share: float) -> float:
    """Logit level a with Σ n_p expit(a + offset_p) / Σ n_p = target_share."""
    n = n_by_period / n_by_period.sum()
    return optimize.brentq(lambda a: n @ special.expit(a + offset) - target_share, -20, 20)


def _solve_scale(
    answered_by_period: np.ndarray,
    multiplier: np.ndarray,
    target_mean: float,
    delayed: float,
    ring_mean: float,
    cap: float,
) -> float:
    """Wait scale s with the answered-weighted mean access time equal to ``target_mean``:
    (1 − delayed) × ring_mean + delayed × E[exponential(s × multiplier) | ≤ cap]."""
    w = answered_by_period / answered_by_period.sum()
    return optimize.brentq(
        lambda s: (1 - delayed) * ring_mean + delayed * (w @ _trunc_expon_mean(s * multiplier, cap)) - target_mean,
        1e-3,
        cap,
    )


def _defect_counts(n_rows: int, p: SyntheticParams) -> dict[str, int]:
    """Exact defect rows in a queue of ``n_rows`` registered rows."""
    return {
        "duplicate": round(p.duplicate_share * n_rows),
        "zero_total": round(p.zero_total_share * n_rows),
        "talk_outlier": round(p.talk_outlier_share * n_rows),
        "wait_outlier": round(p.wait_outlier_share * n_rows),
    }


def defect_counts(params: SyntheticParams | None = None) -> pd.DataFrame:
    """The planted defect rows (exact), index duplicate, zero_total, talk_outlier,
    wait_outlier, id_conflict; columns the two queues. Id conflicts are drawn over both
    queues, so their row carries the total number of pairs in the ``sentralbord`` column
    and 0 in the other."""
    p = params or SyntheticParams()
    t = pd.DataFrame({q: _defect_counts(n, p) for q, n in ((SWITCHBOARD, p.switchboard_calls), (OPS, p.ops_calls))})
    t.loc["id_conflict"] = [p.id_conflicts, 0]
    return t


# ------------------------------------------------------------------------------------------
# The generator
# ------------------------------------------------------------------------------------------
def _allocate(q: int, n: int, c: pd.DataFrame, r_alloc, r_time) -> tuple[np.ndarray, np.ndarray]:
    """Exactly ``n`` calls of queue ``q`` (0 switchboard, 1 OPS) spread over its cells by one
    multinomial draw: the cell index of each call and its arrival (seconds since the epoch,
    UTC; uniform whole second inside the quarter-hour)."""
    open_ = c["open"].to_numpy()
    mask = ~open_ if q == 1 else open_ & (c["district"].to_numpy() != DISTRICTS.index(TRONDELAG))
    idx = np.flatnonzero(mask)
    lam = c["intensity"].to_numpy()[idx]
    cell = np.repeat(idx, r_alloc.multinomial(n, lam / lam.sum()))
    return cell, c["start_s"].to_numpy()[cell] + r_time.integers(0, 900, n)


def _plant_kinds(n: int, counts: dict[str, int], rng) -> np.ndarray:
    """Codes into :data:`KINDS`: exactly ``counts`` zero-total, talk- and wait-outlier rows
    at random positions, the rest normal (0)."""
    kind = np.zeros(n, dtype=np.int8)
    order, pos = rng.permutation(n), 0
    for k, name in enumerate(KINDS[1:4], start=1):
        kind[order[pos : pos + counts[name]]] = k
        pos += counts[name]
    return kind


def _levels(
    q: int, period: np.ndarray, kind: np.ndarray, counts: dict[str, int], p: SyntheticParams
) -> tuple[np.ndarray, float]:
    """Answer probability by period and the wait scale (seconds) of queue ``q``, solved so
    the answered share and mean access time of answered calls hit Tabell A.2, aiming
    ``calibration_anchor`` of the way from "raw log exact" to "cleaned log exact"."""
    key = "switchboard" if q == 0 else "ops"
    t_share, t_wait = PUBLISHED[f"{key}_answered_share"].value, PUBLISHED[f"{key}_mean_access_s"].value
    a, normal = p.calibration_anchor, kind == 0
    n_orig, n_norm = len(kind), normal.sum()
    n_to, n_wo = counts["talk_outlier"], counts["wait_outlier"]  # outliers are answered calls
    # raw log: (answered normal + outliers) / all original rows = target (duplicates are neutral)
    share_normal = a * t_share + (1 - a) * (t_share * n_orig - n_to - n_wo) / n_norm
    offset = np.asarray(p.sb_answer_offset if q == 0 else p.ops_answer_offset)
    n_by_period = np.bincount(period[normal], minlength=len(PERIODS)).astype(float)
    p_ans = special.expit(_solve_level(n_by_period, offset, share_normal) + offset)
    # raw log: talk outliers wait like normal calls, wait outliers ≈ midpoint of their range
    ans = n_norm * share_normal
    mean_wo = (OUTLIER_LIMIT_S + p.outlier_max_s) / 2
    wait_normal = a * t_wait + (1 - a) * (t_wait * (ans + n_to + n_wo) - n_wo * mean_wo) / (ans + n_to)
    mult = np.asarray(p.sb_wait_multiplier if q == 0 else p.ops_wait_multiplier)
    delayed = p.sb_delayed_share if q == 0 else p.ops_delayed_share
    scale = _solve_scale(n_by_period * p_ans, mult, wait_normal, delayed, p.ring_max_s / 2, OUTLIER_LIMIT_S)
    return p_ans, scale


def _queue_calls(q: int, n_rows: int, c: pd.DataFrame, p: SyntheticParams, rngs) -> dict:
    """One queue's original rows (duplicates are added later) as column arrays."""
    (r_alloc, r_time, r_kind, r_ans, r_wait, r_talk, r_pat, r_out) = rngs
    counts = _defect_counts(n_rows, p)
    n = n_rows - counts["duplicate"]
    cell, start = _allocate(q, n, c, r_alloc, r_time)
    period = period_code(c["hour"].to_numpy()[cell], c["day_type"].to_numpy()[cell], p.period_start_hours)
    kind = _plant_kinds(n, counts, r_kind)
    p_ans, scale = _levels(q, period, kind, counts, p)

    answered = np.where(kind == 0, r_ans.random(n) < p_ans[period], kind != 1)
    mult = np.asarray(p.sb_wait_multiplier if q == 0 else p.ops_wait_multiplier)
    delayed = p.sb_delayed_share if q == 0 else p.ops_delayed_share
    queued = _trunc_expon(r_wait, scale * mult[period], OUTLIER_LIMIT_S)
    ring = r_wait.random(n) * p.ring_max_s
    access = np.where(r_wait.random(n) < delayed, queued, ring)
    patience = p.sb_patience_mean_s if q == 0 else p.ops_patience_mean_s
    hang_up = np.maximum(1.0, np.round(_trunc_expon(r_pat, np.full(n, patience), OUTLIER_LIMIT_S)))
    wait = np.where(answered, np.round(access), hang_up)
    mu = _lognormal_mu(p.talk_mean_s, p.talk_sigma, OUTLIER_LIMIT_S)
    talk = np.maximum(1.0, np.round(_trunc_lognormal(r_talk, n, mu, p.talk_sigma, OUTLIER_LIMIT_S)))
    talk = np.where(answered, talk, 0.0)
    too_long = r_out.integers(int(OUTLIER_LIMIT_S) + 1, int(p.outlier_max_s) + 1, n).astype(float)
    talk = np.where(kind == 2, too_long, talk)
    wait = np.where(kind == 3, too_long, wait)
    wait[kind == 1] = talk[kind == 1] = 0.0
    return {
        "start_s": start,
        "district": c["district"].to_numpy()[cell],
        "queue": np.full(n, q, np.int8),
        "wait_s": wait,
        "talk_s": talk,
        "answered": answered,
        "kind": kind,
    }


def generate(seed: int = 2023, keep_kind: bool = False, progress: bool = False, **params) -> pd.DataFrame:
    """The synthetic 2023 log as a DataFrame in the columns of the call-log contract.

    ``seed``: root of the ``SeedSequence``; ``params``: overrides of
    :class:`SyntheticParams` fields. ``keep_kind=True`` adds a ``kind`` column (one of
    :data:`KINDS`) saying which rows are planted defects, for tests and diagnostics.
    ``progress``: say on stderr which step it is at. Rows are in arrival order; duplicates
    directly follow their original.
    """

    def step(k: int, what: str) -> None:
        if progress:
            print(f"  [{k}/4] {what}", file=sys.stderr, flush=True)

    p = replace(SyntheticParams(), **params)
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(18)]
    step(1, "intensity and routing of every district and quarter-hour")
    c = cells(p)
    parts = []
    for q, n_q, what in ((0, p.switchboard_calls, "switchboard"), (1, p.ops_calls, "operations-centre")):
        step(2 + q, f"{n_q:,} {what} calls: arrivals, waits, talk times, planted defects")
        parts.append(_queue_calls(q, n_q, c, p, streams[8 * q : 8 * q + 8]))
    cols = {k: np.concatenate([part[k] for part in parts]) for k in parts[0]}
    step(4, "call ids, id conflicts and duplicates")
    return assemble(cols, p, streams[16], streams[17], keep_kind=keep_kind)


def assemble(cols: dict[str, np.ndarray], p: SyntheticParams, r_dup, r_conf, keep_kind: bool = False) -> pd.DataFrame:
    """The log in the contract's columns from both queues' original rows (column arrays
    ``start_s`` (UTC epoch seconds), ``district`` (code), ``queue`` (0/1), ``wait_s``,
    ``talk_s``, ``answered``, ``kind`` (code into :data:`KINDS`)): chronological call ids,
    ``p.id_conflicts`` id conflicts and the duplicate rows (streams ``r_conf``, ``r_dup``).
    Shared with the queue-consistent twin (:mod:`lib.model.twin`)."""
    # Chronological call ids over both queues (ties broken by district, then queue).
    order = np.lexsort((cols["queue"], cols["district"], cols["start_s"]))
    cols = {k: v[order] for k, v in cols.items()}
    n = len(order)
    call_no = np.arange(1, n + 1)

    # id conflicts: pairs of distinct normal rows; the second takes the first's number.
    normal_rows = np.flatnonzero(cols["kind"] == 0)
    pairs = r_conf.choice(normal_rows, size=2 * p.id_conflicts, replace=False).reshape(-1, 2)
    call_no[pairs[:, 1]] = call_no[pairs[:, 0]]
    cols["kind"][pairs[:, 1]] = KINDS.index("id_conflict")
    in_pair = np.zeros(n, bool)
    in_pair[pairs.ravel()] = True
    # duplicates: per queue, copies of rows outside the conflict pairs.
    dup_src = []
    for q, n_q in ((0, p.switchboard_calls), (1, p.ops_calls)):
        pool = np.flatnonzero((cols["queue"] == q) & ~in_pair)
        dup_src.append(r_dup.choice(pool, size=_defect_counts(n_q, p)["duplicate"], replace=False))
    rows = np.sort(np.concatenate([np.arange(n), *dup_src]), kind="stable")
    is_dup = np.zeros(len(rows), bool)
    is_dup[1:] = rows[1:] == rows[:-1]

    df = pd.DataFrame(
        {
            "call_id": pd.array(np.char.add("SYN", np.char.zfill(call_no[rows].astype(str), 8)), dtype="str"),
            "district": pd.Categorical.from_codes(cols["district"][rows], categories=list(DISTRICTS))
            .astype(str)
            .astype("str"),
            "queue": pd.Categorical.from_codes(cols["queue"][rows], categories=[SWITCHBOARD, OPS])
            .astype(str)
            .astype("str"),
            "arrived_at": pd.to_datetime(cols["start_s"][rows], unit="s", utc=True).as_unit("us").tz_convert(TIMEZONE),
            "wait_s": cols["wait_s"][rows].astype("float64"),
            "talk_s": cols["talk_s"][rows].astype("float64"),
            "answered": cols["answered"][rows].astype(bool),
        }
    )
    if keep_kind:
        kind = cols["kind"][rows].copy()
        kind[is_dup] = KINDS.index("duplicate")
        df["kind"] = np.asarray(KINDS, dtype=object)[kind]
    return df


def _facts(df: pd.DataFrame) -> dict[str, float]:
    """The published-comparable aggregates of one log."""
    out: dict[str, float] = {}
    ans = df["answered"].to_numpy()
    for q, key in ((SWITCHBOARD, "switchboard"), (OPS, "ops")):
        m = (df["queue"] == q).to_numpy()
        out[f"{key}_calls"] = int(m.sum())
        out[f"{key}_answered_share"] = ans[m].mean()
        out[f"{key}_mean_access_s"] = df["wait_s"].to_numpy()[m & ans].mean()
    out["total_calls"] = len(df)
    out["total_answered_share"] = ans.mean()
    out["total_mean_access_s"] = df["wait_s"].to_numpy()[ans].mean()
    out["service_level_95s"] = (df["wait_s"].to_numpy()[ans] <= _REPORT.service_time_today_s).mean()
    return out


def hourly_profile(df: pd.DataFrame) -> pd.DataFrame:
    """National average calls per hour and answered share by local hour for weekdays and
    weekend days: the quantities of Figur A.1/A.2, as :func:`lib.calllog.describe.hourly_profile`
    computes them for notebook 01 (Monday-Friday vs Saturday-Sunday, the report's day
    kinds), in long form with columns group, hour, calls_per_hour, answered_share."""
    from lib.calllog import describe  # describe is the analysis side; imported here to keep one definition

    t = pd.concat(
        [
            describe.hourly_profile(
                df, kind, year=_REPORT.data_year, missing_switchboards=_REPORT.excluded_districts
            ).assign(group=kind)
            for kind in ("weekday", "weekend")
        ],
        ignore_index=True,
    )
    return t.rename(columns={"answer_rate": "answered_share"})[["group", "hour", "calls_per_hour", "answered_share"]]


def calibration_table(df: pd.DataFrame) -> pd.DataFrame:
    """Target versus achieved for the published 2023 facts, on the raw and the cleaned log.

    The cleaned log is the raw one less the rows the project's cleaning rules remove
    (:data:`lib.calllog.rules.RULES`, at the report's outlier threshold).
    Columns: fact, log (raw/cleaned), target, achieved, tolerance, rule, ok, source. Rules:
    ``equal`` (exact), ``within`` (|achieved − target| ≤ tolerance), ``at_most``,
    ``at_least``, ``report`` (shown, not checked: ``ok`` is NA).
    """
    rows = []
    checks = [
        ("switchboard_calls", "equal", 0),
        ("ops_calls", "equal", 0),
        ("switchboard_answered_share", "within", 0.003),
        ("ops_answered_share", "within", 0.003),
        ("switchboard_mean_access_s", "within", 1.0),
        ("ops_mean_access_s", "within", 1.0),
        ("service_level_95s", "within", 0.01),
        ("total_answered_share", "within", 0.003),
        ("total_calls", "report", np.nan),
        ("total_mean_access_s", "report", np.nan),
    ]
    cleaned = df[kept_mask(df, Thresholds(outlier_threshold_s=OUTLIER_LIMIT_S))]
    for log, frame in (("raw", df), ("cleaned", cleaned)):
        facts = _facts(frame)
        for name, rule, tol in checks:
            if log == "cleaned" and rule == "equal":
                rule = "report"  # cleaning removes rows: the exact counts hold for the raw log
            rows.append(
                {
                    "fact": name,
                    "log": log,
                    "target": PUBLISHED[name].value,
                    "achieved": facts[name],
                    "tolerance": tol,
                    "rule": rule,
                    "source": PUBLISHED[name].source,
                }
            )
        prof = hourly_profile(frame)
        wd, we = prof[prof.group == "weekday"], prof[prof.group == "weekend"]
        day = wd[(wd.hour >= 8) & (wd.hour < 16)]
        off = wd[(wd.hour >= 16) | (wd.hour < 7)]
        rows += [
            {
                "fact": "weekday_daytime_answered_share",
                "log": log,
                "target": PUBLISHED["weekday_daytime_answered_share"].value,
                "achieved": np.average(day.answered_share, weights=day.calls_per_hour),
                "tolerance": 0.03,
                "rule": "within",
                "source": PUBLISHED["weekday_daytime_answered_share"].source,
            },
            {
                "fact": "weekday_16_07_max_hourly_answered_share",
                "log": log,
                "target": PUBLISHED["off_hours_answered_share_max"].value,
                "achieved": off.answered_share.max(),
                "tolerance": 0.0,
                "rule": "at_most",
                "source": PUBLISHED["off_hours_answered_share_max"].source,
            },
            {
                "fact": "weekend_max_hourly_answered_share",
                "log": log,
                "target": PUBLISHED["off_hours_answered_share_max"].value,
                "achieved": we.answered_share.max(),
                "tolerance": 0.0,
                "rule": "at_most",
                "source": PUBLISHED["off_hours_answered_share_max"].source,
            },
            {
                "fact": "weekday_peak_calls_per_hour",
                "log": log,
                "target": np.nan,
                "achieved": wd.calls_per_hour.max(),
                "tolerance": np.nan,
                "rule": "report",
                "source": "Figur A.1 (a few hundred)",
            },
        ]
    t = pd.DataFrame(rows)
    diff = t["achieved"] - t["target"]
    ok = np.select(
        [t.rule == "equal", t.rule == "within", t.rule == "at_most", t.rule == "at_least"],
        [diff == 0, diff.abs() <= t.tolerance + 1e-12, diff <= t.tolerance, diff >= -t.tolerance],
        default=False,
    )
    t["ok"] = pd.array(np.where(t.rule == "report", None, ok), dtype="boolean")
    return t[["fact", "log", "target", "achieved", "tolerance", "rule", "ok", "source"]]


def implied_trondelag_switchboard_calls(params: SyntheticParams | None = None) -> float:
    """Switchboard calls Trøndelag would get at the national switchboard rate per unit of
    intensity (not in the log; report fn 21 says ≈ 90 000)."""
    p = params or SyntheticParams()
    c = cells(p)
    sb = c["open"] & (c["district"] != DISTRICTS.index(TRONDELAG))
    trd = c["open"] & (c["district"] == DISTRICTS.index(TRONDELAG))
    n_orig = p.switchboard_calls - _defect_counts(p.switchboard_calls, p)["duplicate"]
    return float(c.loc[trd, "intensity"].sum() / c.loc[sb, "intensity"].sum() * n_orig)


def natural_ops_share(params: SyntheticParams | None = None) -> float:
    """Share of the logged intensity (Trøndelag switchboard excluded) falling outside opening
    hours: the OPS share the volume shape gives before the exact counts are imposed."""
    c = cells(params or SyntheticParams())
    logged = ~(c["open"] & (c["district"] == DISTRICTS.index(TRONDELAG)))
    return float(c.loc[logged & ~c["open"], "intensity"].sum() / c.loc[logged, "intensity"].sum())


# ------------------------------------------------------------------------------------------
# Writing and recognising the synthetic log
# ------------------------------------------------------------------------------------------
def write_log(df: pd.DataFrame, path: str | Path, seed: int, generator: str = MARKER_GENERATOR) -> Path:
    """Write ``df`` (a log of :func:`generate`) to Parquet at ``path`` with the synthetic marker.

    The rows and the pandas schema are exactly what ``df.to_parquet(path, index=False)``
    writes (same table, same snappy compression); the file's key-value metadata also holds
    :data:`MARKER_KEY` = ``{"generator": generator, "seed": seed}`` (``generator``: one of
    :data:`MARKER_GENERATORS`), so that
    :func:`synthetic_seed` (and ``make clean``) can tell this file from a real export.
    Relative paths are taken from the project root; returns the absolute path.
    """
    out = resolve(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pandas(df, preserve_index=False)
    if generator not in MARKER_GENERATORS:
        raise ValueError(f"write_log: unknown generator {generator!r}; one of {MARKER_GENERATORS}")
    marker = json.dumps({"generator": generator, "seed": int(seed)}, sort_keys=True)
    metadata = {**(table.schema.metadata or {}), MARKER_KEY.encode(): marker.encode()}
    pq.write_table(table.replace_schema_metadata(metadata), out, compression="snappy")
    return out


def truth_path(log_path: str | Path) -> Path:
    """Where the hidden truth of a twin's log lies: beside it, ``NAME.truth.json`` for
    ``NAME.parquet`` (relative paths from the project root)."""
    p = resolve(log_path)
    return p.with_name(p.name.removesuffix(p.suffix) + TRUTH_SUFFIX)


def write_truth(truth: dict, path: str | Path, seed: int, generator: str = TWIN_GENERATOR) -> Path:
    """Write ``truth`` (JSON-able) to ``path`` with the synthetic marker under
    :data:`MARKER_KEY`, so :func:`is_synthetic_truth` (and ``make clean``) recognise it."""
    if generator not in MARKER_GENERATORS:
        raise ValueError(f"write_truth: unknown generator {generator!r}; one of {MARKER_GENERATORS}")
    out = resolve(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    body = {MARKER_KEY: {"generator": generator, "seed": int(seed)}, **truth}
    out.write_text(json.dumps(body, sort_keys=True, separators=(",", ":")) + "\n", encoding="utf-8")
    return out


def is_synthetic_truth(path: str | Path) -> bool:
    """True for a truth file :func:`write_truth` wrote (a JSON object carrying the marker of a
    known generator); False for anything else, unreadable files included."""
    p = resolve(path)
    if not p.name.endswith(TRUTH_SUFFIX):
        return False
    try:
        body = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return False
    marker = body.get(MARKER_KEY) if isinstance(body, dict) else None
    return isinstance(marker, dict) and marker.get("generator") in MARKER_GENERATORS


def synthetic_seed(path: str | Path) -> int | None:
    """The seed of a synthetic log written by :func:`write_log`, or ``None`` for any other file.

    ``None`` for a CSV, a gzip file, a Parquet file without the marker (e.g. a plain
    ``to_parquet`` copy, or a real export), a missing or unreadable file, or a marker that is
    not ``lib.calllog.synthetic``'s. Reads only the Parquet footer (the schema's metadata), never the
    rows. Relative paths are taken from the project root.
    """
    p = resolve(path)
    try:
        with open(p, "rb") as fh:
            if fh.read(4) != b"PAR1":
                return None
        metadata = pq.read_schema(p).metadata or {}
    except (OSError, pa.ArrowException, ValueError):
        return None
    raw = metadata.get(MARKER_KEY.encode())
    if raw is None:
        return None
    try:
        marker = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(marker, dict) or marker.get("generator") not in MARKER_GENERATORS:
        return None
    seed = marker.get("seed")
    return seed if isinstance(seed, int) and not isinstance(seed, bool) else None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m lib.calllog.synthetic", description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True, help="Parquet file to write (relative to the project root)")
    ap.add_argument("--seed", type=int, default=2023, help="root seed (default 2023)")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    print(f"generating the synthetic {_REPORT.data_year} call log (seed {args.seed})", file=sys.stderr)
    df = generate(seed=args.seed, progress=True)
    out = write_log(df, args.out, seed=args.seed)
    table = calibration_table(df)
    with pd.option_context("display.width", 160, "display.max_columns", 20, "display.max_rows", 60):
        print(table.to_string(index=False, float_format=lambda x: f"{x:.4f}"))
    print(
        f"implied Trøndelag switchboard calls (not logged; report fn 21: ≈ "
        f"{_REPORT.trondelag_switchboard_calls_2023:,}): {implied_trondelag_switchboard_calls():,.0f}"
    )
    print(f"wrote {len(df):,} rows to {display_path(out)} in {time.perf_counter() - t0:.1f} s")
    failed = table[table["ok"].fillna(True).eq(False)]
    if len(failed):
        print(f"warning: {len(failed)} calibration check(s) outside tolerance", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
