"""The independent reference simulation of a staffing plan (Ciw, a general discrete-event
library): the tests check the compiled simulator (:mod:`lib.queues.simulator`), which the
analysis uses (:mod:`lib.model.plan_check`), against it on the same plan-weeks.

It simulates a plan hour by hour when traffic and staffing change from hour to hour, when
handling times are not exponential and when callers hang up, at about 45 000 calls a second
(the compiled simulator is several hundred times faster: benchmarks/bench_simulator.py).

The model of one board (one Ciw network per board; the boards of a plan are independent):

* **Arrivals**: a time-varying Poisson process at each hour's planned rate
  (``ciw.dists.PoissonIntervals``: the count of each hour is Poisson, the times in it
  uniform).
* **Agents**: the plan's agents of every hour as a ``ciw.Schedule``. **Shift changes are
  non-preemptive and continuous**: when the plan drops from n to m agents, idle agents
  leave first and a busy agent who leaves finishes the call in hand (it then takes no new
  call); when the plan rises, agents still finishing a call stay on before new ones are
  added. Ciw's own non-preemptive schedule (``preemption=False``) replaces *every* agent
  at each shift end and lets the outgoing busy agents finish alongside a full new shift,
  so with hourly shifts each boundary adds about ``busy agents x residual handling time``
  of free capacity (about 5 % at AHT 180 s) and flushes the queue: on a constant M/M/10
  at 170 calls/h and 180 s the mean wait came out 42.5 s against Erlang C's 63.6 s. The
  node class :class:`ShiftNode` (a subclass of ``ciw.Node``, passed to
  ``ciw.Simulation(node_class=...)``) implements the continuous hand-over instead and
  reproduces Erlang C (tests/test_simulation.py). Preemptive options ('resume', ...)
  would interrupt calls at every hour boundary, and Ciw then overwrites the service start
  used for the waiting time, so they were not used.
* **Handling times**: an exponential with a given mean, or an empirical sample drawn from
  with replacement (e.g. talk time + after-call work of the answered calls in the log).
  With the plan's ``aht_s`` the draw is scaled by ``aht_s / mean of the sample`` of the
  board-hour in which the service starts: the sample gives the shape (spread), the plan
  the mean, so chat-weighted handling times of concepts IIa-III are honoured.
* **Patience** (optional): exponential with mean ``patience_s`` from the arrival; a caller
  still waiting then hangs up (Ciw's reneging). Calls in service never hang up.
* **Discipline**: one FIFO queue per board.

**Measurement.** The simulation starts ``warmup_hours`` (24: one day) before the measured
hours with the plan's traffic and staffing of those hours, empty and idle (a board's queue
forgets its start within minutes to an hour, and the night before a Monday is quiet), and runs
``cooldown_hours`` (1) past them with the plan's staffing and no new arrivals, so the
calls that arrive in the measured hours get answered, hang up or are left waiting at the
end (``unresolved``: counted as offered and not answered within the target). Under FIFO a
later arrival never delays an earlier one, so stopping arrivals does not change the
measured calls. Plan hours outside the arrays (a week at the start or end of the year)
are borrowed cyclically from the measured window, i.e. the same hours of the same week.

**Outputs** per replication: offered calls (arrived in the measured hours), answered
(service started), abandoned, unresolved, answered within ``target_s`` (wait <= target),
mean wait of the answered calls, the service level on both bases (answered within the
target / offered, the 'offered' basis where hang-ups count as late; / answered, the
'answered' basis) and the abandonment share (abandoned / offered). :func:`summarise`
gives means and t-intervals across replications.

**Randomness.** Each replication and board gets its own Ciw seed from
``numpy.random.SeedSequence(seed, spawn_key=(replication, board))`` (``ciw.seed``; Ciw
draws from Python's ``random`` and ``ciw.rng``, whose states are restored afterwards), so
the same seed gives identical numbers, with any number of worker processes.

**Speed.** Ciw runs in pure Python, about 45 000 calls a second on this project's 2-core
machine: a week (with its warm-up day) of the national centre of concept III in 2026,
~26 000 calls, takes about 0.6 s per replication, the 11 district boards of the base
model, ~35 000 calls, about 0.75 s. :class:`ShiftNode` also replaces two of Ciw's general
per-event methods by equivalents for this one-class FIFO node (same events in the same
order, tested), about a fifth faster. :func:`simulate_plan` can spread the board-runs over
worker processes (``workers``).

Units: calls per hour, seconds, agents (whole numbers). Simulation time runs in seconds
from the start of the warm-up.
"""

from __future__ import annotations

import bisect
import math
import multiprocessing
import random
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import ciw
import numpy as np
import pandas as pd
from scipy import stats

from lib.core import parallel

__all__ = [
    "METRICS",
    "ShiftNode",
    "simulate_calls",
    "simulate_plan",
    "summarise",
]

HOUR_S = 3600.0
#: Per-replication columns that :func:`summarise` summarises.
METRICS: tuple[str, ...] = (
    "service_level_offered",
    "service_level_answered",
    "abandonment",
    "mean_wait_s",
    "offered",
    "answered",
    "abandoned",
    "unresolved",
    "answered_within_target",
)
# Counts a board-run returns, in this order.
_COUNTS = ("offered", "answered", "abandoned", "unresolved", "answered_within_target", "wait_sum_s")


# --- Ciw pieces ------------------------------------------------------------------------------


class ShiftNode(ciw.Node):
    """A Ciw node whose schedule changes hand over agents continuously (non-preemptive).

    At a shift change to c agents: with more agents on duty than c, idle agents leave
    first, then busy ones are marked off duty and leave when their call ends (no new call
    is given to them); with fewer, agents still finishing a call are kept on before new
    agents are added. The number of agents on duty is then exactly c at every moment,
    plus the busy agents finishing a call after a cut. (Ciw's ``preemption=False``
    replaces every agent at each change, letting the outgoing busy agents work beside a
    full new shift.) Schedules must be built with ``preemption=False``.

    :meth:`choose_next_customer` and :meth:`update_next_event_date` are lean versions of
    Ciw's for a node with one customer class, FIFO, a schedule and optional reneging.
    """

    def change_shift(self) -> None:
        self.schedule.get_next_shift()
        self.next_shift_change = self.schedule.next_shift_change_date
        c = self.schedule.c
        self.c = c
        on_duty = [s for s in self.servers if not s.offduty]
        if len(on_duty) < c:
            back = [s for s in self.servers if s.offduty][: c - len(on_duty)]
            for s in back:
                s.offduty = False
            self.add_new_servers(c - len(on_duty) - len(back))
        elif len(on_duty) > c:
            surplus = len(on_duty) - c
            idle = [s for s in on_duty if not s.busy][:surplus]
            for s in idle:
                s.shift_end = self.now
                self.kill_server(s)
            surplus -= len(idle)
            if surplus:
                for s in [s for s in on_duty if s.busy][-surplus:]:
                    s.shift_end = self.now
                    s.offduty = True
        self.begin_service_if_possible_change_shift()

    # The two methods below do what Ciw's do for this node (one customer class, FIFO, a
    # schedule, optional reneging, no class changes, slots or priorities), without the
    # general case's lists and dictionaries: same events in the same order, ties broken
    # alike (tests/test_simulation.py runs both).

    def choose_next_customer(self) -> Any:
        for ind in self.individuals[0]:
            if not ind.server:
                return ind
        return None

    def update_next_event_date(self) -> None:
        inf = math.inf
        date, kind, who = self.next_shift_change, "shift_change", None
        end, ending = inf, list[Any]()
        for s in self.servers:
            d = s.next_end_service_date
            if d < end:
                end, ending = d, [s.cust]
            elif d == end and d != inf:
                ending.append(s.cust)
        if end < date:
            date, kind, who = end, "end_service", ending
        if self.reneging:
            first, leaving = inf, list[Any]()
            for ind in self.individuals[0]:
                if not ind.server:
                    d = ind.reneging_date
                    if d < first:
                        first, leaving = d, [ind]
                    elif d == first and d != inf:
                        leaving.append(ind)
            if first < date:
                date, kind, who = first, "renege", leaving
        self.next_event_date, self.next_event_type, self.next_individual = date, kind, who


@dataclass(frozen=True)
class _Handling:
    """Handling times as a unit-mean shape: an exponential (``values`` None) or an
    empirical sample (distinct ``values`` / its mean, ``cum`` the cumulative counts)."""

    mean_s: float
    values: tuple[float, ...] | None = None
    cum: tuple[float, ...] | None = None

    @classmethod
    def of(cls, handling_times_s: float | np.ndarray | Sequence[float]) -> _Handling:
        x = np.asarray(handling_times_s, dtype=float)
        if x.ndim == 0:
            if not (math.isfinite(float(x)) and float(x) > 0):
                raise ValueError(f"handling_times_s: an exponential mean must be finite and > 0 s; got {float(x)!r}")
            return cls(float(x))
        if x.ndim != 1 or x.size == 0:
            raise ValueError("handling_times_s: give an exponential mean (s) or a 1-D sample of handling times (s)")
        if not np.all(np.isfinite(x)) or (x < 0).any() or x.sum() <= 0:
            raise ValueError("handling_times_s: the sample must be finite, >= 0 s and not all 0")
        values, counts = np.unique(x, return_counts=True)
        mean = float(x.mean())
        return cls(mean, tuple((values / mean).tolist()), tuple(np.cumsum(counts, dtype=float).tolist()))


class _ServiceTime(ciw.dists.Distribution):
    """Ciw service-time distribution: a unit-mean draw (exponential, or one value of the
    sample drawn with replacement) times the mean of the hour in which service starts.

    Draws come from Python's ``random``, which ``ciw.seed`` seeds. Stateless, so Ciw's
    deep copy of the distribution per simulation is skipped (the sample can be large).
    """

    def __init__(self, handling: _Handling, hour_means_s: Sequence[float]) -> None:
        self.values = handling.values
        self.cum = handling.cum
        self.total = handling.cum[-1] if handling.cum is not None else 0.0
        self.means = list(hour_means_s)
        self.last = len(self.means) - 1

    def __deepcopy__(self, memo: dict) -> _ServiceTime:
        return self

    def __repr__(self) -> str:
        return "ServiceTime"

    def sample(self, t: float | None = None, ind: Any = None) -> float:
        mean = self.means[min(int((t or 0.0) // HOUR_S), self.last)]
        if self.values is None or self.cum is None:
            return random.expovariate(1.0) * mean
        return self.values[bisect.bisect_right(self.cum, random.random() * self.total)] * mean


class _Arrivals(ciw.dists.PoissonIntervals):
    """Ciw's PoissonIntervals, built afresh for every simulation, so Ciw's deep copy of it
    (a list of every inter-arrival time) is skipped."""

    def __deepcopy__(self, memo: dict) -> _Arrivals:
        return self


# --- One board -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _BoardRun:
    """One board over a simulation window of whole hours (time 0 = start of the window).

    ``rates``: calls per hour of the hours with arrivals (a prefix of the window);
    ``agents`` and ``means_s`` (mean handling time of a service starting in the hour):
    every hour of the window. Measured: arrivals in [measure_from_s, measure_to_s).
    """

    rates: tuple[float, ...]
    agents: tuple[int, ...]
    means_s: tuple[float, ...]
    patience_s: float | None
    seed: int
    measure_from_s: float = 0.0
    measure_to_s: float = math.inf
    target_s: float = 0.0


def _records(run: _BoardRun, handling: _Handling) -> list:
    """Run one board in Ciw; every call's record (service, renege or incomplete)."""
    n = len(run.agents)
    ends = [HOUR_S * (i + 1) for i in range(n)]
    n_arr = len(run.rates)
    arrivals = _Arrivals([r / HOUR_S for r in run.rates], ends[:n_arr], ends[n_arr - 1])
    network = ciw.create_network(
        arrival_distributions=[arrivals],
        service_distributions=[_ServiceTime(handling, run.means_s)],
        number_of_servers=[ciw.Schedule(list(run.agents), ends, preemption=False)],
        reneging_time_distributions=None if run.patience_s is None else [ciw.dists.Exponential(1.0 / run.patience_s)],
    )
    sim = ciw.Simulation(network, node_class=ShiftNode)
    sim.simulate_until_max_time(ends[-1])
    return sim.get_all_records(only=["service", "renege"], include_incomplete=True)


def _seeded_records(run: _BoardRun, handling: _Handling) -> list:
    """:func:`_records` under ``ciw.seed(run.seed)``, restoring the random states after.

    The seed must be set before the distributions are built: PoissonIntervals draws every
    arrival time when it is constructed.
    """
    state, rng = random.getstate(), ciw.rng
    try:
        ciw.seed(run.seed)
        return _records(run, handling)
    finally:
        random.setstate(state)
        ciw.rng = rng


def _call_arrays(records: list) -> dict[str, np.ndarray]:
    """Per call: arrival, wait (NaN if unanswered), outcome code 0 answered / 1 abandoned /
    2 waiting at the end, service start and end (NaN when not known)."""
    nan = math.nan
    arrival, wait, outcome, start, end = [], [], [], [], []
    for r in records:
        arrival.append(r.arrival_date)
        if r.record_type == "renege":
            outcome.append(1)
            wait.append(r.waiting_time)
            start.append(nan)
            end.append(nan)
        elif r.record_type == "service" or r.service_start_date is not None:
            outcome.append(0)
            wait.append(r.waiting_time)
            start.append(r.service_start_date)
            end.append(r.service_end_date if r.service_end_date is not None else nan)
        else:
            outcome.append(2)
            wait.append(nan)
            start.append(nan)
            end.append(nan)
    order = np.argsort(np.asarray(arrival, dtype=float), kind="stable")
    return {
        "arrival_s": np.asarray(arrival, dtype=float)[order],
        "wait_s": np.asarray(wait, dtype=float)[order],
        "outcome": np.asarray(outcome, dtype=np.int8)[order],
        "service_start_s": np.asarray(start, dtype=float)[order],
        "service_end_s": np.asarray(end, dtype=float)[order],
    }


def _count(run: _BoardRun, handling: _Handling) -> tuple[float, ...]:
    """The counts of :data:`_COUNTS` for the measured calls of one board-run."""
    c = _call_arrays(_seeded_records(run, handling))
    m = (c["arrival_s"] >= run.measure_from_s) & (c["arrival_s"] < run.measure_to_s)
    out, w = c["outcome"][m], c["wait_s"][m]
    answered = out == 0
    return (
        float(m.sum()),
        float(answered.sum()),
        float((out == 1).sum()),
        float((out == 2).sum()),
        float((answered & (w <= run.target_s)).sum()),
        float(w[answered].sum()),
    )


# Handling times in a worker process, set once per pool (a sample can be large).
_WORKER_HANDLING: _Handling | None = None


def _init_worker(handling: _Handling) -> None:
    global _WORKER_HANDLING
    _WORKER_HANDLING = handling


def _count_in_worker(run: _BoardRun) -> tuple[float, ...]:
    assert _WORKER_HANDLING is not None
    return _count(run, _WORKER_HANDLING)


def _count_all(runs: list[_BoardRun], handling: _Handling, workers: int | None) -> np.ndarray:
    """Counts of every run (rows in the order of ``runs``), in ``workers`` processes."""
    workers = parallel.workers(workers, len(runs), "workers")
    if workers <= 1:
        return np.array([_count(r, handling) for r in runs], dtype=float).reshape(len(runs), len(_COUNTS))
    # Longest runs first, so the last ones to finish are short.
    order = sorted(range(len(runs)), key=lambda i: -sum(runs[i].rates))
    ctx = multiprocessing.get_context(
        "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    )
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker, initargs=(handling,)) as ex:
        done = list(ex.map(_count_in_worker, [runs[i] for i in order], chunksize=max(1, len(runs) // (8 * workers))))
    out = np.empty((len(runs), len(_COUNTS)))
    out[order] = np.array(done, dtype=float)
    return out


# --- Input checks and the simulation window ----------------------------------------------------


def _as_boards(name: str, x: np.ndarray | Sequence, n_hours: int | None = None) -> np.ndarray:
    a = np.asarray(x, dtype=float)
    if a.ndim == 1:
        a = a[None, :]
    if a.ndim != 2 or a.shape[1] == 0:
        raise ValueError(f"{name} must have shape (boards, hours) or (hours,); got {np.shape(x)}")
    if n_hours is not None and a.shape[1] != n_hours:
        raise ValueError(f"{name} has {a.shape[1]} hours; expected {n_hours}")
    if not np.all(np.isfinite(a)) or (a < 0).any():
        raise ValueError(f"{name} must be finite and >= 0")
    return a


def _check_agents(agents: np.ndarray | Sequence, shape: tuple[int, int]) -> np.ndarray:
    a = _as_boards("agents", agents)
    if a.shape != shape:
        raise ValueError(f"agents has shape {a.shape}; calls_per_hour has {shape}")
    if (a != np.floor(a)).any():
        raise ValueError("agents must be whole numbers")
    return a.astype(np.int64)


def _check_patience(patience_s: float | None) -> float | None:
    if patience_s is None:
        return None
    p = float(patience_s)
    if not (math.isfinite(p) and p > 0):
        raise ValueError(f"patience_s must be None (nobody hangs up) or a finite mean > 0 s; got {patience_s!r}")
    return p


def _measured(hours: slice | Sequence[int] | np.ndarray | None, n_hours: int) -> tuple[int, int]:
    """[start, stop) of the measured hours: a slice, or consecutive positions."""
    if hours is None:
        return 0, n_hours
    if isinstance(hours, slice):
        r = range(*hours.indices(n_hours))
        if r.step != 1 or len(r) == 0:
            raise ValueError(f"hours: need a non-empty slice with step 1; got {hours}")
        return r.start, r.stop
    idx = np.asarray(hours, dtype=np.int64).ravel()
    if idx.size == 0 or (np.diff(idx) != 1).any() or idx[0] < 0 or idx[-1] >= n_hours:
        raise ValueError(f"hours: need consecutive positions within 0..{n_hours - 1}")
    return int(idx[0]), int(idx[-1]) + 1


def _window(start: int, stop: int, n_hours: int, warmup: int, cooldown: int) -> np.ndarray:
    """Plan positions of the simulated hours: warm-up, measured, cool-down. Positions
    outside 0..n_hours-1 are borrowed cyclically from the measured window."""
    pos = np.arange(start - warmup, stop + cooldown)
    outside = (pos < 0) | (pos >= n_hours)
    pos[outside] = start + (pos[outside] - start) % (stop - start)
    return pos


def _hour_means(aht_s: np.ndarray | None, calls: np.ndarray, mean_s: float) -> np.ndarray:
    """Mean handling time per board-hour: the plan's AHT, with hours without traffic
    filled from the nearest earlier (else later) hour with traffic of the board; the
    sample's mean without a plan AHT."""
    if aht_s is None:
        return np.full(calls.shape, mean_s)
    aht = _as_boards("aht_s", aht_s)
    if aht.shape != calls.shape:
        raise ValueError(f"aht_s has shape {aht.shape}; calls_per_hour has {calls.shape}")
    busy = (calls > 0) & (aht > 0)
    out = pd.DataFrame(np.where(busy, aht, np.nan).T).ffill().bfill().fillna(mean_s).to_numpy().T
    return np.ascontiguousarray(out)


def _seed_int(seed: int, *key: int) -> int:
    return int(np.random.SeedSequence(seed, spawn_key=key).generate_state(1, dtype=np.uint32)[0])


def _check_seed(seed: int) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a whole number >= 0; got {seed!r}")
    return int(seed)


@dataclass(frozen=True)
class _Plan:
    """A checked plan: arrays of shape (boards, hours)."""

    calls: np.ndarray
    agents: np.ndarray
    means_s: np.ndarray

    @classmethod
    def of(cls, calls_per_hour, agents, aht_s, handling: _Handling) -> _Plan:
        calls = _as_boards("calls_per_hour", calls_per_hour)
        return cls(calls, _check_agents(agents, calls.shape), _hour_means(aht_s, calls, handling.mean_s))

    def runs(
        self,
        start: int,
        stop: int,
        patience_s: float | None,
        target_s: float,
        replications: int,
        seed: int,
        warmup: int,
        cooldown: int,
    ) -> list[_BoardRun]:
        """Board-runs in the order replication, board."""
        pos = _window(start, stop, self.calls.shape[1], warmup, cooldown)
        with_arrivals = pos[: warmup + stop - start]
        out = []
        for rep in range(replications):
            for b in range(self.calls.shape[0]):
                out.append(
                    _BoardRun(
                        rates=tuple(self.calls[b, with_arrivals].tolist()),
                        agents=tuple(int(x) for x in self.agents[b, pos]),
                        means_s=tuple(self.means_s[b, pos].tolist()),
                        patience_s=patience_s,
                        seed=_seed_int(seed, rep, b),
                        measure_from_s=warmup * HOUR_S,
                        measure_to_s=(warmup + stop - start) * HOUR_S,
                        target_s=target_s,
                    )
                )
        return out


def _frame(counts: np.ndarray, replications: int, boards: int, by_board: bool) -> pd.DataFrame:
    """Per-replication (or per replication and board) table from the counts of the runs."""
    c = counts.reshape(replications, boards, len(_COUNTS))
    if by_board:
        rep_col = np.repeat(np.arange(replications), boards)
        board_col = np.tile(np.arange(boards), replications)
        c = c.reshape(replications * boards, 1, len(_COUNTS))
    else:
        rep_col, board_col = np.arange(replications), None
    tot = c.sum(axis=1)
    offered, answered, abandoned, unresolved, within, wait_sum = tot.T
    with np.errstate(invalid="ignore", divide="ignore"):
        df = pd.DataFrame(
            {
                "replication": rep_col,
                **({"board": board_col} if by_board else {}),
                "offered": offered.astype(np.int64),
                "answered": answered.astype(np.int64),
                "abandoned": abandoned.astype(np.int64),
                "unresolved": unresolved.astype(np.int64),
                "answered_within_target": within.astype(np.int64),
                "mean_wait_s": np.where(answered > 0, wait_sum / np.maximum(answered, 1), np.nan),
                "service_level_offered": np.where(offered > 0, within / np.maximum(offered, 1), np.nan),
                "service_level_answered": np.where(answered > 0, within / np.maximum(answered, 1), np.nan),
                "abandonment": np.where(offered > 0, abandoned / np.maximum(offered, 1), np.nan),
            }
        )
    return df


# --- Public API ---------------------------------------------------------------------------------


def simulate_plan(
    calls_per_hour: np.ndarray,
    agents: np.ndarray,
    handling_times_s: float | np.ndarray,
    patience_s: float | None,
    target_s: float,
    hours: slice | Sequence[int] | np.ndarray | None = None,
    replications: int = 3,
    seed: int = 0,
    *,
    aht_s: np.ndarray | None = None,
    warmup_hours: int = 24,
    cooldown_hours: int = 1,
    by_board: bool = False,
    workers: int = 1,
) -> pd.DataFrame:
    """Simulate a staffing plan over ``hours``; one row per replication (all boards together).

    ``calls_per_hour`` and ``agents``: arrays (boards, hours) of the plan (1-D: one board).
    ``handling_times_s``: an exponential mean (s) or a 1-D sample of handling times (s)
    drawn from with replacement; with ``aht_s`` (boards, hours: the plan's mean handling
    time) every draw is scaled to the mean of the board-hour in which the service starts.
    ``patience_s``: mean of the exponential patience (s), None for callers who never hang
    up. ``target_s``: the service level's target answer time (s). ``hours``: the measured
    hours (a slice or consecutive positions; None: all), simulated after ``warmup_hours``
    of the preceding plan hours and followed by ``cooldown_hours`` without arrivals (see
    the module docstring). ``workers`` > 1 runs boards and replications in that many
    processes (the same numbers; None: every core). The processes are started with
    'forkserver', which imports the calling script again: a script (not a notebook) that uses
    more than one worker must call this under ``if __name__ == "__main__":``.

    Columns: replication (+ board with ``by_board``), offered, answered, abandoned,
    unresolved, answered_within_target, mean_wait_s (answered calls), service_level_offered,
    service_level_answered, abandonment.
    """
    handling = _Handling.of(handling_times_s)
    plan = _Plan.of(calls_per_hour, agents, aht_s, handling)
    runs, reps, boards = _plan_runs(plan, hours, patience_s, target_s, replications, seed, warmup_hours, cooldown_hours)
    return _frame(_count_all(runs, handling, workers), reps, boards, by_board)


def _plan_runs(
    plan: _Plan,
    hours: slice | Sequence[int] | np.ndarray | None,
    patience_s: float | None,
    target_s: float,
    replications: int,
    seed: int,
    warmup_hours: int,
    cooldown_hours: int,
) -> tuple[list[_BoardRun], int, int]:
    start, stop = _measured(hours, plan.calls.shape[1])
    if int(replications) != replications or replications < 1:
        raise ValueError(f"replications must be a whole number >= 1; got {replications!r}")
    if (
        warmup_hours < 0
        or cooldown_hours < 0
        or int(warmup_hours) != warmup_hours
        or int(cooldown_hours) != cooldown_hours
    ):
        raise ValueError("warmup_hours and cooldown_hours must be whole numbers >= 0")
    t = float(target_s)
    if not (math.isfinite(t) and t >= 0):
        raise ValueError(f"target_s must be finite and >= 0 s; got {target_s!r}")
    if cooldown_hours * HOUR_S < t:
        raise ValueError("cooldown_hours must cover target_s: a call still waiting at the end must be late")
    runs = plan.runs(
        start,
        stop,
        _check_patience(patience_s),
        t,
        int(replications),
        _check_seed(seed),
        int(warmup_hours),
        int(cooldown_hours),
    )
    return runs, int(replications), plan.calls.shape[0]


def simulate_calls(
    calls_per_hour: np.ndarray | Sequence[float],
    agents: np.ndarray | Sequence[int],
    handling_times_s: float | np.ndarray,
    patience_s: float | None,
    seed: int = 0,
    *,
    aht_s: np.ndarray | Sequence[float] | None = None,
) -> pd.DataFrame:
    """Every call of one board simulated over the given hours, from an empty board at hour 0
    to the end of the last hour (no warm-up, arrivals in every hour): one row per call.

    Columns: arrival_s, outcome ('answered', 'abandoned', 'waiting': still in the queue at
    the end), wait_s (to answer or hang-up; NaN when waiting), service_start_s and
    service_end_s (NaN when not answered or still in service). Seeded as replication 0,
    board 0 of :func:`simulate_plan`.
    """
    handling = _Handling.of(handling_times_s)
    plan = _Plan.of(calls_per_hour, agents, aht_s, handling)
    if plan.calls.shape[0] != 1:
        raise ValueError("simulate_calls simulates one board: give 1-D arrays")
    run = _BoardRun(
        rates=tuple(plan.calls[0].tolist()),
        agents=tuple(int(x) for x in plan.agents[0]),
        means_s=tuple(plan.means_s[0].tolist()),
        patience_s=_check_patience(patience_s),
        seed=_seed_int(_check_seed(seed), 0, 0),
    )
    c = _call_arrays(_seeded_records(run, handling))
    outcome = np.array(["answered", "abandoned", "waiting"], dtype=object)[c["outcome"]]
    return pd.DataFrame(
        {
            "arrival_s": c["arrival_s"],
            "outcome": outcome,
            "wait_s": c["wait_s"],
            "service_start_s": c["service_start_s"],
            "service_end_s": c["service_end_s"],
        }
    )


def summarise(replications: pd.DataFrame, level: float = 0.95, by: Sequence[str] = ()) -> pd.DataFrame:
    """Mean and t-interval across replications of every metric of :data:`METRICS` present.

    One row per metric (and group of ``by``): metric, mean, low, high (the two-sided
    ``level`` t-interval of the mean, NaN with one replication), sd, replications (the
    non-missing values: mean_wait_s and service_level_answered are missing when nothing
    was answered).
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1); got {level!r}")
    metrics = [m for m in METRICS if m in replications.columns]
    by = list(by)
    groups: Iterable[tuple[Any, pd.DataFrame]] = replications.groupby(by, sort=False) if by else [((), replications)]
    rows = []
    for key, g in groups:
        keys = dict(zip(by, key if isinstance(key, tuple) else (key,), strict=True))
        for m in metrics:
            x = g[m].to_numpy(dtype=float)
            x = x[np.isfinite(x)]
            n = x.size
            mean = float(x.mean()) if n else math.nan
            sd = float(x.std(ddof=1)) if n > 1 else math.nan
            half = float(stats.t.ppf(0.5 + level / 2, n - 1)) * sd / math.sqrt(n) if n > 1 else math.nan
            rows.append(
                {
                    **keys,
                    "metric": m,
                    "mean": mean,
                    "low": mean - half,
                    "high": mean + half,
                    "sd": sd,
                    "replications": n,
                }
            )
    return pd.DataFrame(rows, columns=[*by, "metric", "mean", "low", "high", "sd", "replications"])
