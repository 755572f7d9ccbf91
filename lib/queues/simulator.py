"""A compiled call-centre simulator: many boards, hourly plans, hang-ups, in one pass per board.

The model of one board (the boards of a plan are independent):

* **Arrivals**: a non-homogeneous Poisson process, constant within each hour at the plan's
  ``calls_per_hour`` (exponential gaps at the hour's rate; a gap that runs past the hour's
  end is dropped and drawing restarts at the next hour's rate, which memorylessness allows),
  or the arrival times given (seconds from the start of hour 0, e.g. a log's own).
* **Agents**: the plan's whole number of agents in every hour. Calls are never interrupted,
  and **a call is started only while fewer calls are in progress than the plan's agents of
  the hour** (the count rule). In agents' terms: when the plan drops from n to m agents,
  idle agents go off duty first; if more than m are still on calls, each agent who ends a
  call then leaves while m or more others are still on calls, so the agents who go off duty
  are the first to finish, and every agent finishes the call in hand. When the plan rises,
  agents still finishing a call after an earlier drop stay on and count first; the others
  come on duty free at the hour's start. So whenever a call starts, no more agents are at
  work than the hour's plan, counting those who finish a call past their shift: calls that
  run past an hour use the next hour's capacity, and staffing is never more than planned.
  (:class:`lib.model.simulation.ShiftNode`, the Ciw model, fixes who goes off duty at the hour's
  end instead, and the others take new calls while those finish: for a few minutes after a
  drop more agents work than planned. The count rule is the more cautious: by 0.05
  percentage point of service level on the plan-week of tests/test_simulator.py, 40 calls
  per hour, and 0.15 at 150 calls per hour; the Ciw model is the reference there.)
* **Handling times**: a unit-mean shape times the mean handling time ``aht_s`` of the
  board-hour in which the call *arrives*: exponential, or drawn with replacement from a
  sample (e.g. a log's talk times plus after-call work) divided by the sample's mean. A call
  keeps its handling time whatever the plan does (lib.model.simulation scales by the hour of the
  service start instead; the two agree where AHT is constant).
* **Patience**: exponential with mean ``patience_s`` (per board or board-hour of arrival;
  inf: nobody hangs up), or drawn with replacement from a sample. A caller not answered
  within their patience hangs up and takes no agent; a call in service never hangs up.
* **Discipline**: one first-come-first-served queue per board; an agent who becomes free
  takes the caller who has waited longest.

**One pass.** Under FCFS a caller's answer time depends only on the callers before them:
a later caller never takes an agent first, and a caller who hangs up occupies nobody. So
the callers are taken once, in arrival order. The state is a min-heap of the end times of
the calls in progress (at most the plan's largest hour of agents) and a *frontier*: the
earliest moment the next caller could be answered (the last answer time, or as far as the
previous caller's search got before they hung up; no agent was free before it, and that
cannot change, since every later call starts after it). A caller arriving at t with
patience τ searches from s = max(t, frontier): calls ended by s leave the heap; if fewer
calls are in progress than the agents of s's hour, they are answered at s, else s moves to
the next call's end or the next hour's start, whichever comes first. If s − t would exceed
τ they hang up (their wait is τ); a caller still waiting at the end of the plan's last hour
is *unresolved* (their wait counts to that end). An answered call pushes s + its handling
time. Every step is O(log agents), and an hour change costs nothing but a look-up.

**Common random numbers and seeds.** Replication r of board b draws from three streams,
``numpy.random.SeedSequence(seed, spawn_key=(r, b, k))`` for k = 0 arrivals, 1 handling
times, 2 patience (``numpy.random.PCG64``), which is ``SeedSequence(seed)`` spawned per
replication, board and quantity. Every caller gets their handling and patience draw in
arrival order whether or not they are answered, and no draw depends on the agents, so one
seed gives the same arrivals, handling times and patience draws to every plan (paired
comparisons), and the same patience draws (scaled) to every exponential patience mean.
Without hang-ups more agents then never make any caller wait longer (each caller's answer
time is the earliest moment fewer calls than agents are in progress, which can only come
sooner; tests/test_simulator.py checks it with hypothesis). With hang-ups that can fail on
single paths: an extra agent can answer a long call that would otherwise have hung up, and
later callers then wait for it; it holds on average. A replication's numbers do not depend
on how many replications or boards are run beside it, nor on ``threads``: every (r, b) has
its own streams and output cells.

**Outputs** per replication, board and hour of arrival: offered, answered, answered within
each of the targets (wait <= target), abandoned, unresolved, and the summed waits of the
answered, the abandoned (their patience) and the unresolved calls, from which the service
level on both bases (answered within target / offered, or / answered), the abandonment
share, the mean wait of the answered calls and of all calls follow
(:class:`SimulationResult`). Optionally every call (:class:`CallRecords`): arrival time,
board, wait, outcome, handling time. Warm-up and cool-down are the caller's choice of hours
(drop the first hours; add hours without arrivals).

**Speed.** The kernel is compiled with numba (``cache=True``: the machine code is kept in
this package's ``__pycache__``; the first call on a fresh checkout compiles for 3-5 s, later
processes load it in a fraction of a second). On this project's 2-core machine, with
another process busy on the other core (benchmarks/bench_simulator.py): 0.05-0.08 µs per
call, a year of the base model's 11 district boards (1.7 million calls) in 0.08-0.14 s on
one thread, and 340-385 times faster per call than the Ciw model on an M/M/n+M plan-week
(Ciw 20-29 µs per call). Each board-run costs about 50 µs of set-up besides (its three
random streams and the call into compiled code). Boards and replications run in ``threads``
threads (the kernel releases the GIL).

Units: calls per hour, seconds, agents (whole numbers). Time runs in seconds from the start
of hour 0 of the plan; hour h is [3600·h, 3600·(h + 1)).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numba
import numpy as np

from lib.core import parallel

__all__ = [
    "ABANDONED",
    "ANSWERED",
    "HOUR_S",
    "OUTCOMES",
    "UNRESOLVED",
    "CallRecords",
    "SimulationResult",
    "simulate",
]

HOUR_S = 3600.0
#: Outcome codes of :class:`CallRecords` (``outcome``), in code order.
OUTCOMES: tuple[str, ...] = ("answered", "abandoned", "unresolved")
ANSWERED, ABANDONED, UNRESOLVED = 0, 1, 2

# Rows of the per-task count array: offered, answered, abandoned, unresolved, then one per target.
_OFFERED, _ANSWERED, _ABANDONED, _UNRESOLVED, _WITHIN = 0, 1, 2, 3, 4
# Rows of the per-task wait array: summed waits (s) by outcome code (answered, abandoned, unresolved).
_N_WAITS = 3
# Spawn-key suffixes of the three random streams of a (replication, board).
_ARRIVALS, _HANDLING, _PATIENCE = 0, 1, 2
# No given per-call times (the kernel draws them).
_NONE = np.empty(0)


# --- The compiled kernel ----------------------------------------------------------------------


@numba.njit(cache=True, nogil=True)
def _poisson_arrivals(gen, calls_per_hour):
    """Arrival times (s, ascending) of a Poisson process at ``calls_per_hour`` in each hour."""
    expected = 0.0
    for r in calls_per_hour:
        expected += r
    out = np.empty(int(expected + 10.0 * math.sqrt(expected)) + 64)
    n = 0
    for h in range(calls_per_hour.size):
        rate = calls_per_hour[h]
        if rate <= 0.0:
            continue
        t = h * HOUR_S
        end = t + HOUR_S
        scale = HOUR_S / rate
        while True:
            t += gen.standard_exponential() * scale
            if t >= end:
                break
            if n == out.size:
                grown = np.empty(2 * out.size)
                grown[:n] = out[:n]
                out = grown
            out[n] = t
            n += 1
    return out[:n].copy()


@numba.njit(cache=True, nogil=True, inline="always")
def _hour(t):
    """floor(t / 3600) for t >= 0 s, exactly (a float floor division is slow in numba)."""
    h = int(t / HOUR_S)
    if h * HOUR_S > t:  # t / 3600 rounded up to a whole number
        h -= 1
    return h


@numba.njit(cache=True, nogil=True, inline="always")
def _heap_pop(heap, size):
    """Remove the smallest of heap[:size] (a binary min-heap); the new size."""
    size -= 1
    if size == 0:
        return 0
    last = heap[size]
    i = 0
    while True:
        c = 2 * i + 1
        if c >= size:
            break
        if c + 1 < size and heap[c + 1] < heap[c]:
            c += 1
        if heap[c] >= last:
            break
        heap[i] = heap[c]
        i = c
    heap[i] = last
    return size


@numba.njit(cache=True, nogil=True, inline="always")
def _heap_push(heap, size, x):
    """Add x to heap[:size]; the new size."""
    i = size
    while i > 0:
        parent = (i - 1) // 2
        if heap[parent] <= x:
            break
        heap[i] = heap[parent]
        i = parent
    heap[i] = x
    return size + 1


@numba.njit(cache=True, nogil=True)
def _board(
    arrivals,
    agents,
    aht_s,
    handling_shape,
    patience_mean_s,
    patience_sample_s,
    target_s,
    handling_given_s,
    patience_given_s,
    handling_gen,
    patience_gen,
    counts,
    waits,
    want_records,
):
    """One board, one replication: every caller in arrival order (see the module docstring).

    ``arrivals`` (s, ascending, within the plan), ``agents`` (per hour), ``aht_s`` and
    ``patience_mean_s`` (per hour of arrival, s), ``handling_shape`` (a unit-mean sample, or
    empty for exponential), ``patience_sample_s`` (s, or empty for exponential),
    ``target_s`` (s), ``handling_given_s`` and ``patience_given_s`` (s, one per arrival, or
    empty: each caller's own handling time and patience, used as given instead of drawn).
    Adds into ``counts`` (rows _OFFERED.. and one per target, by hour of arrival) and
    ``waits`` (summed waits in s of answered, abandoned, unresolved calls).
    Returns per call (empty unless ``want_records``): wait (s), outcome code, handling (s).
    """
    n_hours = agents.size
    n_calls = arrivals.size
    n_targets = target_s.size
    end = n_hours * HOUR_S
    capacity = 1
    for m in agents:
        if m > capacity:
            capacity = m
    heap = np.empty(capacity)  # end times (s) of the calls in progress; never more than the agents
    size = 0
    frontier = 0.0  # no caller after this point can be answered before it
    n_shape = handling_shape.size
    n_patience = patience_sample_s.size
    own_handling = handling_given_s.size > 0
    own_patience = patience_given_s.size > 0
    n_rec = n_calls if want_records else 0
    rec_wait = np.empty(n_rec)
    rec_outcome = np.empty(n_rec, np.int8)
    rec_handling = np.empty(n_rec)

    for i in range(n_calls):
        t = arrivals[i]
        arrival_hour = min(_hour(t), n_hours - 1)
        # The caller's draws, taken whatever happens to them (common random numbers).
        if own_handling:
            handling = handling_given_s[i]
        elif n_shape == 0:
            handling = handling_gen.standard_exponential() * aht_s[arrival_hour]
        else:
            handling = handling_shape[min(int(handling_gen.random() * n_shape), n_shape - 1)] * aht_s[arrival_hour]
        if own_patience:
            patience = patience_given_s[i]
        elif n_patience == 0:
            draw = patience_gen.standard_exponential()
            mean = patience_mean_s[arrival_hour]
            patience = math.inf if mean == math.inf else draw * mean
        else:
            patience = patience_sample_s[min(int(patience_gen.random() * n_patience), n_patience - 1)]

        s = max(t, frontier)
        h = min(_hour(s), n_hours - 1)
        while True:
            while size > 0 and heap[0] <= s:
                size = _heap_pop(heap, size)
            if size < agents[h]:  # a free agent at s
                if s - t <= patience:
                    outcome = ANSWERED
                    wait = s - t
                    size = _heap_push(heap, size, s + handling)
                else:
                    outcome = ABANDONED
                    wait = patience
                break
            # Nobody free at s: the next chance is the next call's end or the next hour's start.
            hour_end = (h + 1) * HOUR_S
            nxt = heap[0] if size > 0 else math.inf
            next_hour = nxt >= hour_end
            if next_hour:
                nxt = hour_end
            if nxt - t > patience:
                outcome = ABANDONED
                wait = patience
                break
            if nxt >= end:
                outcome = UNRESOLVED
                wait = end - t
                break
            s = nxt
            if next_hour:
                h += 1
        frontier = s

        counts[_OFFERED, arrival_hour] += 1
        if outcome == ANSWERED:
            counts[_ANSWERED, arrival_hour] += 1
            waits[ANSWERED, arrival_hour] += wait
            for k in range(n_targets):
                if wait <= target_s[k]:
                    counts[_WITHIN + k, arrival_hour] += 1
        elif outcome == ABANDONED:
            counts[_ABANDONED, arrival_hour] += 1
            waits[ABANDONED, arrival_hour] += wait
        else:
            counts[_UNRESOLVED, arrival_hour] += 1
            waits[UNRESOLVED, arrival_hour] += wait
        if want_records:
            rec_wait[i] = wait
            rec_outcome[i] = outcome
            rec_handling[i] = handling
    return rec_wait, rec_outcome, rec_handling


# --- Results ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CallRecords:
    """Every simulated call, sorted by replication, board and arrival time.

    ``replication``, ``board`` (int32 positions), ``arrival_s`` (s from the start of hour
    0), ``wait_s`` (s: until the answer, until the hang-up (the caller's patience) or, for
    unresolved calls, until the end of the plan), ``outcome`` (int8 codes of
    :data:`OUTCOMES`: 0 answered, 1 abandoned, 2 unresolved), ``handling_s`` (s: the call's
    handling time, drawn for every call; it is spent only when the call is answered, from
    ``arrival_s + wait_s`` on).
    """

    replication: np.ndarray
    board: np.ndarray
    arrival_s: np.ndarray
    wait_s: np.ndarray
    outcome: np.ndarray
    handling_s: np.ndarray

    def __len__(self) -> int:
        return int(self.arrival_s.size)

    @property
    def answered(self) -> np.ndarray:
        """Boolean per call: answered."""
        return self.outcome == ANSWERED


def _hours_index(hours: slice | Sequence[int] | np.ndarray | None, n_hours: int) -> slice | np.ndarray:
    if hours is None:
        return slice(None)
    if isinstance(hours, slice):
        return hours
    idx = np.asarray(hours)
    if idx.dtype == bool:
        if idx.shape != (n_hours,):
            raise ValueError(f"hours: a boolean mask needs {n_hours} entries; got {idx.shape}")
        return idx
    if idx.ndim != 1 or not np.issubdtype(idx.dtype, np.integer) or ((idx < -n_hours) | (idx >= n_hours)).any():
        raise ValueError(f"hours: give a slice, a boolean mask or hour positions within 0..{n_hours - 1}")
    return idx


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den, NaN where den is 0 (no warning)."""
    num, den = np.broadcast_arrays(np.asarray(num, dtype=float), np.asarray(den, dtype=float))
    out = np.full(num.shape, np.nan)
    np.divide(num, den, out=out, where=den > 0)
    return out


@dataclass(frozen=True)
class SimulationResult:
    """What :func:`simulate` counted, per replication, board and hour of arrival.

    Arrays of shape (replications, boards, hours), counted by the hour in which the call
    *arrives*: ``offered``, ``answered``, ``abandoned``, ``unresolved`` (still waiting at the
    end of the plan's last hour); ``answered_within`` (replications, boards, hours, targets):
    answered with wait <= ``target_s[k]`` seconds; ``wait_answered_s``, ``wait_abandoned_s``,
    ``wait_unresolved_s``: summed waits (s) of those calls (the abandoned calls' waits are
    their patience; the unresolved ones' are censored at the end of the plan). ``calls``:
    every call (:class:`CallRecords`) when asked for.

    The methods pool boards and the chosen ``hours`` (a slice, a boolean mask or positions;
    None: all) per replication; NaN where there is nothing to divide by.
    """

    target_s: np.ndarray
    offered: np.ndarray
    answered: np.ndarray
    abandoned: np.ndarray
    unresolved: np.ndarray
    answered_within: np.ndarray
    wait_answered_s: np.ndarray
    wait_abandoned_s: np.ndarray
    wait_unresolved_s: np.ndarray
    calls: CallRecords | None = None

    def _sum(self, x: np.ndarray, hours) -> np.ndarray:
        return x[:, :, _hours_index(hours, self.offered.shape[2])].sum(axis=(1, 2))

    def service_level(self, basis: str = "offered", hours=None) -> np.ndarray:
        """Share answered within each target, (replications, targets): over the offered calls
        (``basis="offered"``: a call that hangs up or is unresolved counts as late) or over
        the answered calls (``"answered"``)."""
        if basis not in ("offered", "answered"):
            raise ValueError(f"basis must be 'offered' or 'answered'; got {basis!r}")
        idx = _hours_index(hours, self.offered.shape[2])
        within = self.answered_within[:, :, idx].sum(axis=(1, 2))
        den = self._sum(self.offered if basis == "offered" else self.answered, hours)
        return _ratio(within, den[:, None])

    def abandonment(self, hours=None) -> np.ndarray:
        """Share of the offered calls that hung up, per replication."""
        return _ratio(self._sum(self.abandoned, hours), self._sum(self.offered, hours))

    def mean_wait_s(self, hours=None) -> np.ndarray:
        """Mean wait (s) of the answered calls (the average speed of answer), per replication."""
        return _ratio(self._sum(self.wait_answered_s, hours), self._sum(self.answered, hours))

    def mean_wait_all_s(self, hours=None) -> np.ndarray:
        """Mean wait (s) of all offered calls (answered: to the answer; abandoned: to the
        hang-up; unresolved: to the end of the plan), per replication."""
        total = self.wait_answered_s + self.wait_abandoned_s + self.wait_unresolved_s
        return _ratio(self._sum(total, hours), self._sum(self.offered, hours))


# --- Input checks -----------------------------------------------------------------------------


def _numeric(name: str, x: Any) -> np.ndarray:
    try:
        a = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be numeric; got {x!r}") from None
    if np.isnan(a).any():
        raise ValueError(f"{name} must not contain NaN")
    return a


def _plan_agents(agents: Any) -> np.ndarray:
    """Agents as int64 (boards, hours)."""
    a = np.asarray(agents)
    if a.dtype == bool or a.dtype == object:
        raise ValueError("agents must be whole numbers of agents (an integer array), not booleans or objects")
    a = _numeric("agents", a)
    if a.ndim == 1:
        a = a[None, :]
    if a.ndim != 2 or a.shape[1] == 0 or a.shape[0] == 0:
        raise ValueError(
            f"agents must have shape (boards, hours) or (hours,) with at least one hour; got {np.shape(agents)}"
        )
    if not np.isfinite(a).all() or (a < 0).any():
        raise ValueError("agents must be finite and >= 0")
    if (a != np.floor(a)).any():
        bad = a[a != np.floor(a)].flat[0]
        raise ValueError(f"agents must be whole numbers; got {bad!r}")
    return np.ascontiguousarray(a, dtype=np.int64)


def _per_board_hour(name: str, x: Any, shape: tuple[int, int], *, positive: bool, inf_ok: bool) -> np.ndarray:
    """``x`` broadcast to (boards, hours) as a contiguous float array, checked."""
    a = _numeric(name, x)
    if a.ndim == 1 and shape[0] > 1 and a.shape[0] == shape[0] != shape[1]:
        raise ValueError(f"{name} has one value per board: give it shape (boards, 1) = ({shape[0]}, 1)")
    try:
        a = np.broadcast_to(a, shape)
    except ValueError:
        raise ValueError(
            f"{name} has shape {a.shape}, which does not broadcast to the plan's (boards, hours) = {shape}; "
            "give a scalar, (boards, 1), (hours,) or (boards, hours)"
        ) from None
    if (a < 0).any() or (positive and (a == 0).any()):
        raise ValueError(f"{name} must be {'> 0' if positive else '>= 0'} s")
    if not inf_ok and np.isinf(a).any():
        raise ValueError(f"{name} must be finite")
    return np.array(a, dtype=float, order="C")  # a writable copy: one compiled signature of the kernel


def _sample(name: str, x: Any, *, inf_ok: bool) -> np.ndarray:
    a = _numeric(name, x)
    if a.ndim != 1 or a.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D sample (s)")
    if (a < 0).any() or (not inf_ok and np.isinf(a).any()):
        raise ValueError(f"{name} must be {'>= 0' if inf_ok else 'finite and >= 0'} s")
    return np.array(a, dtype=float, order="C")


def _per_board(name: str, x: Any, boards: int) -> list[Any]:
    """``x`` as one entry per board: a 1-D sequence of numbers is one board's."""
    one_board = np.ndim(x) == 1 if isinstance(x, np.ndarray) else None
    if one_board is None:  # a sequence: of times (one board) or of arrays (one per board)
        one_board = all(np.ndim(v) == 0 for v in x)
    per_board = [x] if one_board else list(x)
    if len(per_board) != boards:
        raise ValueError(
            f"{name}: got {'arrivals' if name == 'arrival_times_s' else 'values'} for {len(per_board)} board(s); "
            f"the plan has {boards} (give one 1-D array per board)"
        )
    return per_board


def _given_arrivals(arrival_times_s: Any, boards: int, n_hours: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """One ascending float array (s) per board, each within the plan's hours, and the order
    (stable) that sorts each board's given times."""
    out, orders = [], []
    for b, x in enumerate(_per_board("arrival_times_s", arrival_times_s, boards)):
        a = _numeric(f"arrival_times_s[{b}]", x)
        if a.ndim != 1:
            raise ValueError(f"arrival_times_s[{b}] must be 1-D (s)")
        if a.size and (not np.isfinite(a).all() or a.min() < 0 or a.max() >= n_hours * HOUR_S):
            raise ValueError(
                f"arrival_times_s[{b}] must lie in [0, {n_hours * HOUR_S:g}) s, within the plan's {n_hours} hours"
            )
        order = np.argsort(a, kind="stable")
        orders.append(order)
        out.append(np.ascontiguousarray(a[order]))
    return out, orders


def _given_per_call(name: str, x: Any, arrivals: list[np.ndarray], orders: list[np.ndarray]) -> list[np.ndarray]:
    """A given time (s) per call, one 1-D array per board matching its arrivals, in the
    arrivals' sorted order; checked (finite for handling times, >= 0, inf allowed for patience)."""
    out = []
    for b, v in enumerate(_per_board(name, x, len(arrivals))):
        a = _numeric(f"{name}[{b}]", v)
        if a.shape != arrivals[b].shape:
            raise ValueError(f"{name}[{b}] has {a.size} value(s); board {b} has {arrivals[b].size} arrival(s)")
        if (a < 0).any() or (name == "handling_times_s" and np.isinf(a).any()):
            raise ValueError(f"{name} must be {'finite and ' if name == 'handling_times_s' else ''}>= 0 s")
        out.append(np.ascontiguousarray(a[orders[b]], dtype=float))
    return out


def _whole(name: str, x: Any, low: int) -> int:
    if isinstance(x, bool) or not isinstance(x, (int, np.integer)) or x < low:
        raise ValueError(f"{name} must be a whole number >= {low}; got {x!r}")
    return int(x)


# --- The public function ----------------------------------------------------------------------


def simulate(
    agents: Any,
    aht_s: Any,
    calls_per_hour: Any = None,
    *,
    arrival_times_s: Any = None,
    handling_sample_s: Any = None,
    patience_s: Any = math.inf,
    patience_sample_s: Any = None,
    handling_times_s: Any = None,
    patience_times_s: Any = None,
    target_s: float | Sequence[float] | np.ndarray = 20.0,
    replications: int = 1,
    seed: int = 0,
    replication_offset: int = 0,
    records: bool = False,
    threads: int | None = None,
) -> SimulationResult:
    """Simulate every board of a plan, hour by hour, ``replications`` times.

    ``agents``: whole numbers of agents per board-hour, shape (boards, hours), or (hours,)
    for one board; hour h covers seconds [3600·h, 3600·(h + 1)). ``aht_s``: mean handling
    time (s, >= 0) of the calls arriving in each board-hour: a scalar, (boards, 1), (hours,)
    or (boards, hours).

    Arrivals, exactly one of: ``calls_per_hour``, the Poisson arrival rate (calls per hour,
    >= 0) per board-hour, the shape of ``agents``; or ``arrival_times_s``, the arrival times
    (s from the start of hour 0, within the plan's hours), one 1-D array per board (a single
    array for one board), used as given (sorted) in every replication.

    ``handling_sample_s``: a sample of handling times (s, >= 0, not all 0) drawn from with
    replacement and scaled by ``aht_s`` / its mean; None: exponential with mean ``aht_s``.
    ``patience_s``: mean of the exponential patience (s, > 0; inf: nobody hangs up), per
    board-hour of arrival like ``aht_s``; or ``patience_sample_s``: a sample of patience
    times (s, >= 0, inf allowed) drawn from with replacement, used unscaled (then leave
    ``patience_s`` at inf). ``target_s``: one or several answer-time targets (s, >= 0).

    With ``arrival_times_s``, each caller's own handling time and patience may be given
    instead of drawn: ``handling_times_s`` (s, finite, >= 0) and ``patience_times_s`` (s,
    >= 0, inf allowed), one 1-D array per board, one value per given arrival (in the order
    given; they follow their arrival when the times are sorted). Given handling times ignore
    ``aht_s`` and ``handling_sample_s``, given patience ``patience_s`` and
    ``patience_sample_s`` (leave them at their defaults); every replication uses them as given.

    ``seed`` (whole number >= 0): see the module docstring (common random numbers across
    plans). ``replication_offset`` (whole number >= 0): number the replications from it, so
    that replication r here draws as replication ``replication_offset + r`` of a run with
    more replications (e.g. one call per replication with arrival times of its own, paired
    with a run of all of them). ``records``: also return every call (:class:`CallRecords`). ``threads``: boards
    and replications run in this many threads (None: every core this process may use, at
    most one per board-run); the numbers do not depend on it.

    Returns a :class:`SimulationResult` (counts and summed waits per replication, board and
    hour of arrival).
    """
    plan = _plan_agents(agents)
    boards, n_hours = plan.shape
    shape = (boards, n_hours)
    aht = _per_board_hour("aht_s", aht_s, shape, positive=False, inf_ok=False)

    if (calls_per_hour is None) == (arrival_times_s is None):
        raise ValueError("give exactly one of calls_per_hour (Poisson rates, calls per hour) and arrival_times_s (s)")
    rates: np.ndarray | None = None
    given: list[np.ndarray] | None = None
    orders: list[np.ndarray] = []
    if calls_per_hour is not None:
        rates = _numeric("calls_per_hour", calls_per_hour)
        if rates.ndim == 1:
            rates = rates[None, :]
        if rates.shape != shape:
            raise ValueError(f"calls_per_hour has shape {np.shape(calls_per_hour)}; agents has {shape}")
        if not np.isfinite(rates).all() or (rates < 0).any():
            raise ValueError("calls_per_hour must be finite and >= 0 (calls per hour)")
        rates = np.array(rates, order="C")  # writable (a read-only input would compile anew)
    else:
        given, orders = _given_arrivals(arrival_times_s, boards, n_hours)

    own_handling: list[np.ndarray] | None = None
    own_patience: list[np.ndarray] | None = None
    if handling_times_s is not None or patience_times_s is not None:
        if given is None:
            raise ValueError("handling_times_s and patience_times_s need arrival_times_s (one value per given call)")
        if handling_times_s is not None:
            if handling_sample_s is not None:
                raise ValueError("give handling_sample_s or handling_times_s, not both")
            own_handling = _given_per_call("handling_times_s", handling_times_s, given, orders)
        if patience_times_s is not None:
            if patience_sample_s is not None or np.any(np.asarray(patience_s, dtype=float) != math.inf):
                raise ValueError("give patience_times_s alone (not with patience_s or patience_sample_s)")
            own_patience = _given_per_call("patience_times_s", patience_times_s, given, orders)

    shape_sample = np.empty(0)
    if handling_sample_s is not None:
        h = _sample("handling_sample_s", handling_sample_s, inf_ok=False)
        if h.sum() <= 0:
            raise ValueError("handling_sample_s must not be all 0 s")
        shape_sample = h / h.mean()

    patience_sample = np.empty(0)
    if patience_sample_s is not None:
        if np.any(np.asarray(patience_s, dtype=float) != math.inf):
            raise ValueError("give patience_s (exponential means) or patience_sample_s (a sample), not both")
        patience_sample = _sample("patience_sample_s", patience_sample_s, inf_ok=True)
    patience = _per_board_hour("patience_s", patience_s, shape, positive=True, inf_ok=True)

    targets = _numeric("target_s", target_s).ravel()
    if targets.size == 0 or not np.isfinite(targets).all() or (targets < 0).any():
        raise ValueError(f"target_s must be one or more finite answer-time targets >= 0 s; got {target_s!r}")
    targets = np.array(targets, order="C")
    reps = _whole("replications", replications, 1)
    seed = _whole("seed", seed, 0)
    offset = _whole("replication_offset", replication_offset, 0)
    if not isinstance(records, (bool, np.bool_)):
        raise ValueError(f"records must be True or False; got {records!r}")

    n_targets = targets.size
    counts = np.zeros((reps, boards, 4 + n_targets, n_hours), dtype=np.int64)
    waits = np.zeros((reps, boards, _N_WAITS, n_hours))
    tasks = [(r, b) for r in range(reps) for b in range(boards)]

    def run(task: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        r, b = task
        gens = [
            np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(offset + r, b, k))))
            for k in range(3)
        ]
        if given is not None:
            arrivals = given[b]
        else:
            assert rates is not None
            arrivals = _poisson_arrivals(gens[_ARRIVALS], rates[b])
        wait, outcome, handling = _board(
            arrivals,
            plan[b],
            aht[b],
            shape_sample,
            patience[b],
            patience_sample,
            targets,
            own_handling[b] if own_handling is not None else _NONE,
            own_patience[b] if own_patience is not None else _NONE,
            gens[_HANDLING],
            gens[_PATIENCE],
            counts[r, b],
            waits[r, b],
            bool(records),
        )
        return arrivals, wait, outcome, handling

    workers = parallel.workers(threads, len(tasks))
    if workers == 1:
        done = [run(t) for t in tasks]
    else:
        with ThreadPoolExecutor(max_workers=workers) as ex:
            done = list(ex.map(run, tasks))

    calls = None
    if records:
        sizes = [d[0].size for d in done]
        calls = CallRecords(
            replication=np.repeat(np.array([t[0] for t in tasks], dtype=np.int32), sizes),
            board=np.repeat(np.array([t[1] for t in tasks], dtype=np.int32), sizes),
            arrival_s=np.concatenate([d[0] for d in done]) if done else np.empty(0),
            wait_s=np.concatenate([d[1] for d in done]) if done else np.empty(0),
            outcome=np.concatenate([d[2] for d in done]) if done else np.empty(0, np.int8),
            handling_s=np.concatenate([d[3] for d in done]) if done else np.empty(0),
        )
    return SimulationResult(
        target_s=targets.copy(),
        offered=counts[:, :, _OFFERED],
        answered=counts[:, :, _ANSWERED],
        abandoned=counts[:, :, _ABANDONED],
        unresolved=counts[:, :, _UNRESOLVED],
        answered_within=np.moveaxis(counts[:, :, _WITHIN:], 2, 3),
        wait_answered_s=waits[:, :, ANSWERED],
        wait_abandoned_s=waits[:, :, ABANDONED],
        wait_unresolved_s=waits[:, :, UNRESOLVED],
        calls=calls,
    )
