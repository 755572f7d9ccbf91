"""The staffing model at many points at once: a concept's agent-hours as a function of its
traffic factors (α, β), exactly, on compressed traffic.

:func:`lib.model.staffing.run_all` staffs every board-hour of every concept and year for one
set of assumptions with :meth:`Engine.board_hours`; the Monte Carlo
(:mod:`lib.valuation.batch`) needs the agent-hours S for thousands of sets, which
:meth:`Engine.agent_hours` gives. Both solve each distinct (calls per hour, handling time)
pair of a board layout once, through the queue-model seam (:mod:`lib.queues.models`): one
exact way to staff a concept-year.

A concept's traffic in a year is the data year's traffic of its boards with every arrival rate
scaled by the concept's *arrival factor* α and every handling time by its *handling-time
factor* β (:func:`lib.model.concepts.arrival_factor`, :func:`lib.model.concepts.aht_factor`;
pooling sums the scaled districts, which is the same as scaling the pooled board, up to the
last bit of a float). So a concept's agent-hours S are a function of (α, β) alone, for given
boards, target answer time and queue-model settings.

* :meth:`Engine.board_hours`: every board-hour of one concept and year (what
  :func:`lib.model.staffing.run_all` and :func:`lib.model.staffing.staff` are built on).
* :meth:`Engine.agent_hours`: the busy board-hours of a board layout compressed to their
  distinct (calls per hour, handling time) pairs with a count (about 22 000 pairs stand for
  the 96 000 district board-hours of the synthetic log), every (α, β) point solved on them in
  one vectorised call per chunk. At α = β = 1 it gives run_all's integers (a test checks it).
* :func:`step_curve`: S(α) at one β as an exact step function (every board-hour's
  requirement steps up at thresholds bracketed by bisection, an α inside a bracket decided by
  the queue model), for the surrogate.

Units: contacts per hour, seconds, agent-hours per year.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from lib.core.assumptions import Assumptions
from lib.model.concepts import (
    BoardHours,
    aht_factor,
    arrival_factor,
    board_hours,
    chat_arrival_factor,
    get,
    on_boards,
    pool,
    service_time_s,
)
from lib.queues.models import (
    chat_mean_wait_s,
    chat_required_agents,
    needs_more,
    queue_model,
    required_agents,
    solve,
    solve_settings,
)

#: Elements (points x distinct board-hours) per call of the queue model: bounds memory (~1 GB).
CHUNK = 4_000_000
#: Points :meth:`Engine.agent_hours` remembers (the oldest are forgotten first) ...
MEMO_POINTS = 4096
#: ... and of how many of the last it keeps every board-hour's agents (a warm start's guess).
MEMO_AGENTS = 64


@dataclass(frozen=True)
class Compressed:
    """The busy board-hours of one board layout as distinct (calls per hour, AHT s) pairs,
    each with the number of board-hours it stands for (``count``), and for every board-hour
    the pair it is (``inverse``: shape of the layout's (boards, hours), -1 for an hour
    without traffic); ``contacts`` = Σ count x calls."""

    calls: np.ndarray
    aht_s: np.ndarray
    count: np.ndarray
    inverse: np.ndarray

    @classmethod
    def of(cls, calls: np.ndarray, aht_s: np.ndarray) -> Compressed:
        busy = calls > 0
        # one complex number per board-hour: np.unique sorts it by (calls, AHT), much faster
        # than unique rows of a 2-column array
        pairs, inverse, count = np.unique(calls[busy] + 1j * aht_s[busy], return_inverse=True, return_counts=True)
        where = np.full(calls.shape, -1, dtype=np.int64)
        where[busy] = inverse.ravel()
        return cls(pairs.real.copy(), pairs.imag.copy(), count.astype(np.int64), where)

    @property
    def contacts(self) -> float:
        return float((self.count * self.calls).sum())

    def expand(self, values: np.ndarray) -> np.ndarray:
        """Per-pair ``values`` spread over the layout's board-hours (0 where there is no traffic)."""
        out = np.zeros(self.inverse.shape, dtype=values.dtype)
        busy = self.inverse >= 0
        out[busy] = values[self.inverse[busy]]
        return out


def required_agents_distinct(calls: np.ndarray, aht_s: np.ndarray, target_s: float, a: Assumptions) -> np.ndarray:
    """:func:`lib.queues.models.required_agents` of every board-hour of ``calls``/``aht_s`` (any
    shape), each distinct busy (calls per hour, AHT) pair solved once (:class:`Compressed`):
    the same integers, in a fraction of the time where pairs repeat (the districts' own
    boards: about 22 000 pairs for 96 000 board-hours); 0 where there is no traffic."""
    t = Compressed.of(calls, aht_s)
    return t.expand(np.asarray(required_agents(t.calls, t.aht_s, target_s, a), dtype=np.int64))


def layout(concept: str) -> tuple[bool, tuple[str, ...]]:
    """The board layout of a concept: (pooled, pooled districts); concepts sharing it share traffic."""
    c = get(concept)
    return (c.pooled, c.pool_districts if c.pooled else ())


@dataclass
class Engine:
    """Exact staffing of many (α, β) points of the concepts on one set of arrival rates.

    ``rates``: the arrival-rate table (interface 3) or :class:`lib.model.concepts.BoardHours`;
    ``a``: the assumptions whose queue-model settings (target level, occupancy, minimum
    staffing, queue model, patience) and target times every solve uses.
    """

    rates: pd.DataFrame | BoardHours
    a: Assumptions
    _bh: BoardHours = field(init=False, repr=False)
    _layouts: dict = field(init=False, repr=False, default_factory=dict)
    _memo: dict = field(init=False, repr=False, default_factory=dict)
    _agents: dict = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        self._bh = board_hours(self.rates)

    @property
    def board_hours_of_rates(self) -> BoardHours:
        """The rates as :class:`lib.model.concepts.BoardHours` (district boards x hours)."""
        return self._bh

    def traffic(self, concept: str) -> Compressed:
        """The distinct busy board-hours of ``concept``'s boards at α = β = 1 (cached per layout)."""
        key = layout(concept)
        if key not in self._layouts:
            self._layouts[key] = Compressed.of(*on_boards(concept, self._bh, self._bh.calls, self._bh.aht_s))
        return self._layouts[key]

    def board_hours(
        self, concept: str, years: list[int | None] | tuple[int | None, ...]
    ) -> list[tuple[np.ndarray, np.ndarray]]:
        """Agents (int64) and mean wait (s) of every board-hour of ``concept`` in each of
        ``years`` (None for a year-independent concept): per year, arrays of shape (boards,
        hours), the boards of :func:`lib.model.concepts.boards_of`. Each distinct (calls, AHT)
        pair of the layout is solved once per year, at the concept's (α, β) of the year, all
        years in one call of the queue-model seam."""
        c = get(concept)
        t = self.traffic(concept)
        alpha = np.array([arrival_factor(c, y, self.a) for y in years], dtype=float)
        beta = np.array([aht_factor(c, y, self.a) for y in years], dtype=float)
        calls, aht = (alpha[:, None] * t.calls).ravel(), (beta[:, None] * t.aht_s).ravel()
        if calls.size:
            agents, wait = solve(calls, aht, service_time_s(concept, self.a), self.a)
        else:  # no traffic at all: nothing to solve (run_all says so)
            agents, wait = np.zeros(0, dtype=np.int64), np.zeros(0)
        n = len(t.calls)
        return [(t.expand(agents[k * n : (k + 1) * n]), t.expand(wait[k * n : (k + 1) * n])) for k in range(len(years))]

    def agent_hours(
        self, concept: str, alpha: np.ndarray, beta: np.ndarray, with_wait: bool = False
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Agent-hours per year S of ``concept`` at each point (α_k, β_k), and, with ``with_wait``,
        the contact-weighted mean wait (s) of the concept's contacts at each point.

        ``alpha``, ``beta``: 1-d arrays of the same length (factors on the data year's arrival
        rates and handling times). Every point is solved exactly on the compressed traffic,
        once: the engine remembers the last :data:`MEMO_POINTS` points it solved, keyed on the
        concept's boards, its target answer time, the queue settings
        (:data:`lib.queues.models.SOLVE_SETTINGS`) and (α, β) exactly.
        """
        alpha, beta = np.broadcast_arrays(np.asarray(alpha, dtype=float).ravel(), np.asarray(beta, dtype=float).ravel())
        t = self.traffic(concept)
        model, target = queue_model(self.a), service_time_s(concept, self.a)
        s = np.zeros(len(alpha))
        wait = np.zeros(len(alpha)) if with_wait else None
        # A point solved before on the same boards, target and queue settings is not solved
        # again (the what-if page changes a few concepts' factors at a time): keyed on the
        # exact inputs, so the same numbers.
        key = (layout(concept), float(target), solve_settings(self.a))
        todo = []
        for i, point in enumerate(zip(alpha.tolist(), beta.tolist(), strict=True)):
            known = self._memo.get((key, point))
            if known is None or (with_wait and known[1] is None):
                todo.append(i)
                continue
            s[i] = known[0]
            if wait is not None:
                wait[i] = known[1]
        # A warm-starting queue model (Erlang A) starts each new point's search at the agents of
        # the nearest point it solved before (one fewer where the new point has less traffic),
        # instead of at its own guess: after a small change most hours need the same or one
        # agent fewer or more, settled in two evaluations. The answer does not depend on it.
        near = (
            self._nearest(key, alpha[todo], beta[todo]) if getattr(model, "warm_start", False) else [None] * len(todo)
        )
        step = max(1, CHUNK // max(1, len(t.calls)))
        for warm in (False, True):
            todo_at = np.asarray(
                [i for i, m in zip(todo, near, strict=True) if (m is not None) == warm], dtype=np.int64
            )
            guesses = [m for m in near if m is not None]
            for lo in range(0, len(todo_at), step):
                k = todo_at[lo : lo + step]
                calls = alpha[k, None] * t.calls
                aht = beta[k, None] * t.aht_s
                guess = np.stack(guesses[lo : lo + step]) if warm else None
                agents = required_agents(calls, aht, target, self.a, guess=guess)
                s[k] = agents @ t.count
                if wait is not None:
                    w = model.mean_wait_s(agents, calls, aht, self.a)
                    wait[k] = (w * calls) @ t.count / (calls @ t.count)
                if len(k) <= MEMO_AGENTS:
                    for i, row in zip(k.tolist(), agents, strict=True):
                        self._remember(self._agents, (key, (alpha[i].item(), beta[i].item())), row, MEMO_AGENTS)
        for i in todo:
            point = (key, (alpha[i].item(), beta[i].item()))
            self._remember(self._memo, point, (s[i], None if wait is None else wait[i]), MEMO_POINTS)
        return s, wait

    @staticmethod
    def _remember(memo: dict, key: tuple, value: object, size: int) -> None:
        """``memo[key] = value`` as the newest entry, forgetting the oldest beyond ``size``."""
        memo.pop(key, None)
        memo[key] = value
        while len(memo) > size:
            memo.pop(next(iter(memo)))

    def _nearest(self, key: tuple, alpha: np.ndarray, beta: np.ndarray) -> list[np.ndarray | None]:
        """Per point (α, β), a start for the search: the agents of every distinct pair at the
        nearest remembered point with the same boards, target and queue settings (relative
        distance in α and β), one fewer where the new point has no more traffic; None where
        nothing is remembered."""
        known = [(point, agents) for (k, point), agents in self._agents.items() if k == key]
        if not known:
            return [None] * len(alpha)
        pts = np.array([p for p, _ in known])
        out: list[np.ndarray | None] = []
        for al, be in zip(alpha.tolist(), beta.tolist(), strict=True):
            j = int(np.argmin(np.abs(pts[:, 0] / al - 1.0) + np.abs(pts[:, 1] / be - 1.0)))
            less = al <= pts[j, 0] and be <= pts[j, 1]
            out.append(np.maximum(known[j][1] - 1, 1) if less else known[j][1])
        return out

    # --- the dedicated chat pool (chat_model="concurrency"; docs/model.md §19) ---------------

    def chat_traffic(self) -> Compressed:
        """The national chat pool's distinct busy hours at α = β = 1: the districts' summed
        calls and pooled phone AHT (scaled by the chat factors when solved)."""
        key = ("chat pool",)
        if key not in self._layouts:
            self._layouts[key] = Compressed.of(*pool(self._bh.calls, self._bh.aht_s))
        return self._layouts[key]

    def chat_board_hours(
        self, concept: str, years: list[int | None] | tuple[int | None, ...]
    ) -> list[tuple[np.ndarray, np.ndarray]]:
        """Chat agents (int64) and mean wait of the answered chats (s) of every hour of
        ``concept``'s dedicated chat pool in each of ``years``: per year, arrays of shape (1,
        hours); zero where the concept has no chat pool (:func:`lib.model.concepts.has_chat_pool`)."""
        c = get(concept)
        t = self.chat_traffic()
        alpha = np.array([chat_arrival_factor(c, y, self.a) for y in years], dtype=float)
        calls = (alpha[:, None] * t.calls).ravel()
        aht = np.tile(self.a.chat_aht_factor * t.aht_s, len(years))
        agents = chat_required_agents(calls, aht, self.a)
        wait = chat_mean_wait_s(agents, calls, aht, self.a)
        n = len(t.calls)
        return [(t.expand(agents[k * n : (k + 1) * n]), t.expand(wait[k * n : (k + 1) * n])) for k in range(len(years))]

    def chat_agent_hours(self, chat_alpha: np.ndarray, a: Assumptions | None = None) -> np.ndarray:
        """Agent-hours per year of the dedicated chat pool at each chat arrival factor (live chats
        per zero-alternative call, :func:`lib.model.concepts.chat_arrival_factor`), exactly, under
        the chat settings of ``a`` (default the engine's): the chat model's k, efficiencies,
        handling-time factor, patience and target may differ from the engine's assumptions."""
        a = self.a if a is None else a
        t = self.chat_traffic()
        alpha = np.asarray(chat_alpha, dtype=float).ravel()
        s = np.zeros(len(alpha))
        step = max(1, CHUNK // max(1, len(t.calls)))
        for lo in range(0, len(alpha), step):
            k = slice(lo, lo + step)
            calls = alpha[k, None] * t.calls
            agents = chat_required_agents(calls, np.broadcast_to(a.chat_aht_factor * t.aht_s, calls.shape), a)
            s[k] = agents @ t.count
        return s


# --- exact S(α) curves -------------------------------------------------------------------


@dataclass(frozen=True)
class StepCurve:
    """Exact S(α) of one concept at a fixed β for α in [lo, hi]: S(lo) plus the board-hours
    whose requirement has stepped up by α.

    Each distinct board-hour's requirement is a non-decreasing step function of α (more
    traffic never needs fewer agents); :func:`step_curve` brackets every step in the range by
    bisection: step i happens in ``(below[i], above[i]]``. A step whose bracket lies at or
    below α has happened; for the few α that fall inside a bracket, the queue model decides
    (``decide``: step indices and α → stepped), so S(α) is exact at every α, however coarse the
    brackets. Steps are sorted by ``above``; ``cumulative[j]`` is the board-hours of the first j.
    """

    lo: float
    hi: float
    s_lo: float
    below: np.ndarray
    above: np.ndarray
    weight: np.ndarray
    cumulative: np.ndarray
    decide: Callable[[np.ndarray, np.ndarray], np.ndarray] = field(repr=False, compare=False)

    def __call__(self, alpha: np.ndarray) -> np.ndarray:
        alpha = np.asarray(alpha, dtype=float)
        if alpha.size and (alpha.min() < self.lo - 1e-9 or alpha.max() > self.hi + 1e-9):
            raise ValueError(f"α outside the curve's range [{self.lo}, {self.hi}]")
        flat = alpha.ravel()
        first = np.searchsorted(self.above, flat, side="right")  # steps bracketed at or below α
        out = self.s_lo + self.cumulative[first]
        if len(self.above):
            # Steps still open at α: above > α and below < α, so above < α + the widest bracket.
            width = float(np.max(self.above - self.below))
            last = np.searchsorted(self.above, flat + width, side="right")
            counts = last - first
            if counts.any():
                owner = np.repeat(np.arange(len(flat)), counts)
                step = (
                    np.repeat(first, counts) + np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
                )
                inside = self.below[step] < flat[owner]
                owner, step = owner[inside], step[inside]
                if len(step):
                    stepped = self.decide(step, flat[owner])
                    out = out + np.bincount(owner[stepped], weights=self.weight[step[stepped]], minlength=len(flat))
        return out.reshape(alpha.shape)


#: Bisection steps of :func:`step_curve`: brackets (hi - lo) / 2**18 wide. Exactness does not
#: depend on it (an α inside a bracket is decided by the queue model); fewer steps cost fewer
#: evaluations in the fit and more at the points asked (about 2**-18 of the range per step).
BISECTIONS = 18


def step_curve(
    engine: Engine, concept: str, beta: float, lo: float, hi: float, iterations: int = BISECTIONS
) -> StepCurve:
    """The :class:`StepCurve` of ``concept`` at handling-time factor ``beta`` over α in [lo, hi]."""
    t = engine.traffic(concept)
    a = engine.a  # the curve's settings, kept: its brackets and its decisions use the same
    target = service_time_s(concept, a)

    def required(alpha: np.ndarray | float, idx: np.ndarray | slice) -> np.ndarray:
        return required_agents(alpha * t.calls[idx], beta * t.aht_s[idx], target, a)

    n_lo, n_hi = required(lo, slice(None)), required(hi, slice(None))
    steps = n_hi - n_lo
    u = np.repeat(np.arange(len(steps)), steps)
    k = n_lo[u] + np.arange(len(u)) - np.repeat(np.cumsum(steps) - steps, steps)  # the step from k to k + 1
    below, above = np.full(len(u), float(lo)), np.full(len(u), float(hi))
    for _ in range(iterations if len(u) else 0):
        mid = (below + above) / 2
        up = needs_more(k, mid * t.calls[u], beta * t.aht_s[u], target, a)
        above, below = np.where(up, mid, above), np.where(up, below, mid)
    order = np.argsort(above, kind="stable")
    u, k, weight = u[order], k[order], t.count[u[order]].astype(float)
    calls, aht = t.calls[u], beta * t.aht_s[u]

    def decide(step: np.ndarray, alpha: np.ndarray) -> np.ndarray:
        return np.asarray(needs_more(k[step], alpha * calls[step], aht[step], target, a), dtype=bool)

    cumulative = np.concatenate([[0.0], np.cumsum(weight)])
    return StepCurve(
        float(lo), float(hi), float(n_lo @ t.count), below[order], above[order], weight, cumulative, decide
    )
