"""The staffing model for many assumption sets at once: exact and compressed, or through a surrogate.

:func:`lib.model.staffing.run_all` staffs every board-hour of every concept and year for one set of
assumptions (about 1.4 s). Uncertainty analysis needs the same numbers for thousands of sets;
this module gets them fast in two ways that share one idea.

The idea. A concept's traffic in a year is the data year's traffic of its boards with every
arrival rate scaled by the concept's *arrival factor* α and every handling time by its
*handling-time factor* β (:func:`lib.model.concepts.arrival_factor`, :func:`lib.model.concepts.aht_factor`;
pooling sums the scaled districts, which is the same as scaling the pooled board). So a
concept's agent-hours S are a function of (α, β) alone, for given boards, target answer time
and queue-model settings. The draws of :mod:`lib.valuation.uncertainty` move only α and β (and the
person-years the model is scaled to, and the unit amounts of the valuation).

* **Exact** (:meth:`Engine.agent_hours`): the busy board-hours of a board layout are
  compressed to their distinct (calls per hour, handling time) pairs with a count (about
  22 000 pairs stand for the 96 000 district board-hours of the synthetic log), and the queue
  model solves every (α, β) point on them in one vectorised call. It gives the integers
  run_all gives (a test checks it), about 4 times faster, and faster still for many points.
  :func:`run_lean` is run_all's tables from it; notebook 04's one-at-a-time sensitivity uses it.
* **Surrogate** (:class:`Surrogate`): S on a grid of (α, β) covering the points asked for,
  solved exactly, and interpolated (cubic spline). S is a sum of about 96 000 whole-number
  steps, so it is smooth only to about 100 agent-hours; the surrogate therefore adds the
  interpolated *change* to the exact value at an anchor (the assumptions in force):
  ``S(α, β) ≈ S_exact(α0, β0) + G(α, β) - G(α0, β0)``. At the anchor it is exact, so the
  Monte Carlo with every assumption fixed reproduces Table 1, and near it the error is the
  step noise of the change only. Its agreement with the exact model is a test.

Units: contacts per hour, seconds, agent-hours per year, person-years.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.interpolate import RectBivariateSpline, make_interp_spline

from lib.core.assumptions import Assumptions
from lib.model.concepts import (
    CONCEPTS,
    BoardHours,
    aht_factor,
    arrival_factor,
    board_hours,
    effects_for,
    get,
    on_boards,
    service_time_s,
    table1_concepts,
)
from lib.queues.models import queue_model, required_agents
from lib.valuation.economics import components, per_year, period

#: Assumptions a batch may vary: they move the traffic factors (α, β) or only rescale.
FACTOR_ASSUMPTIONS: tuple[str, ...] = (
    "call_reduction_politiet_no",
    "chat_share_first_year",
    "chat_share_last_year",
    "transfer_share_first_year",
    "transfer_share_last_year",
    "chat_handling_factor",
)
SCALE_ASSUMPTIONS: tuple[str, ...] = ("actual_person_years",)
#: Elements (points x distinct board-hours) per call of the queue model: bounds memory (~1 GB).
CHUNK = 4_000_000


@dataclass(frozen=True)
class Compressed:
    """The busy board-hours of one board layout as distinct (calls per hour, AHT s) pairs,
    each with the number of board-hours it stands for; ``contacts`` = Σ count x calls."""

    calls: np.ndarray
    aht_s: np.ndarray
    count: np.ndarray

    @classmethod
    def of(cls, calls: np.ndarray, aht_s: np.ndarray) -> Compressed:
        busy = calls > 0
        # one complex number per board-hour: np.unique sorts it by (calls, AHT), much faster
        # than unique rows of a 2-column array
        pairs, count = np.unique(calls[busy] + 1j * aht_s[busy], return_counts=True)
        return cls(pairs.real.copy(), pairs.imag.copy(), count.astype(np.int64))

    @property
    def contacts(self) -> float:
        return float((self.count * self.calls).sum())


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

    def __post_init__(self) -> None:
        self._bh = board_hours(self.rates)

    def traffic(self, concept: str) -> Compressed:
        """The distinct busy board-hours of ``concept``'s boards at α = β = 1 (cached per layout)."""
        key = layout(concept)
        if key not in self._layouts:
            self._layouts[key] = Compressed.of(*on_boards(concept, self._bh, self._bh.calls, self._bh.aht_s))
        return self._layouts[key]

    def agent_hours(
        self, concept: str, alpha: np.ndarray, beta: np.ndarray, with_wait: bool = False
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Agent-hours per year S of ``concept`` at each point (α_k, β_k), and, with ``with_wait``,
        the contact-weighted mean wait (s) of the concept's contacts at each point.

        ``alpha``, ``beta``: 1-d arrays of the same length (factors on the data year's arrival
        rates and handling times). Every point is solved exactly on the compressed traffic.
        """
        alpha, beta = np.broadcast_arrays(np.asarray(alpha, dtype=float).ravel(), np.asarray(beta, dtype=float).ravel())
        t = self.traffic(concept)
        model, target = queue_model(self.a), service_time_s(concept, self.a)
        s = np.zeros(len(alpha))
        wait = np.zeros(len(alpha)) if with_wait else None
        step = max(1, CHUNK // max(1, len(t.calls)))
        for lo in range(0, len(alpha), step):
            k = slice(lo, lo + step)
            calls = alpha[k, None] * t.calls
            aht = beta[k, None] * t.aht_s
            agents = required_agents(calls, aht, target, self.a)
            s[k] = agents @ t.count
            if wait is not None:
                w = model.mean_wait_s(agents, calls, aht, self.a)
                wait[k] = (w * calls) @ t.count / (calls @ t.count)
        return s, wait


# --- a batch of assumption sets ------------------------------------------------------------


def factors(concept: str, a: Assumptions) -> tuple[np.ndarray, np.ndarray]:
    """(α, β) of ``concept`` per analysis year: ``(years,)`` arrays, or ``(n, years)`` for a batch."""
    c = get(concept)
    ys = [int(y) if c.year_dependent else None for y in period(a)]
    return per_year([arrival_factor(c, y, a) for y in ys]), per_year([aht_factor(c, y, a) for y in ys])


def needed_concepts(a: Assumptions) -> tuple[str, ...]:
    """Concepts the valuation of Table 1 reads: base, every effect's two ends, the Table 1 concepts."""
    names = {"base", *table1_concepts()}
    for e in effects_for(a.iib_split).values():
        names.update((e.before, e.after))
    return tuple(n for n in CONCEPTS if n in names)


def wait_concepts(a: Assumptions) -> tuple[str, ...]:
    """Concepts whose mean wait the valuation reads (the shorter-wait components, and under
    ``iii_wait_reduction="model"`` the concepts they are measured against)."""
    names: set[str] = set()
    for concept in table1_concepts():
        for comp in components(concept, a.iib_split):
            if comp.kind == "shorter_wait":
                names.add(comp.concept)
                if a.iii_wait_reduction == "model":
                    previous = get(comp.concept).previous
                    if previous is not None:
                        names.add(previous)
    return tuple(n for n in CONCEPTS if n in names)


def check_batch(varied: Iterable[str]) -> None:
    """Refuse a batch that varies an assumption the engine cannot move through (α, β) or scale."""
    bad = sorted(set(varied) - set(FACTOR_ASSUMPTIONS) - set(SCALE_ASSUMPTIONS) - _valuation_names())
    if bad:
        raise ValueError(
            f"a batch of assumption sets cannot vary {bad}: they change the staffing model itself "
            f"(only {', '.join(FACTOR_ASSUMPTIONS + SCALE_ASSUMPTIONS)} and valuation assumptions may vary); "
            "use run_lean once per set instead"
        )


def _valuation_names() -> set[str]:
    return {n for n in Assumptions.names() if Assumptions.stage(n) == "valuation"} - {"first_year", "last_year"}


@dataclass(frozen=True)
class StaffingArrays:
    """Staffing of the needed concepts per draw and year, as a :class:`lib.valuation.economics.StaffingSource`.

    ``agent_hours``: concept → S, ``(n, years)``; ``wait_s``: concept → contact-weighted mean
    wait (s) for :func:`wait_concepts`; ``base_agent_hours``: S_base; ``scale``: person-years
    per agent-hour (``actual_person_years / S_base``, ``(n, 1)`` or a float); ``effects``: the
    effects valued (name → (before, after)).
    """

    agent_hours: dict[str, np.ndarray]
    wait_s: dict[str, np.ndarray]
    base_agent_hours: float
    scale: np.ndarray
    effects: dict[str, tuple[str, str]]

    def staffing(self, concept: str, value: str) -> np.ndarray:
        if value == "person_years":
            return self.scale * self.agent_hours[concept]
        if value == "asa_s":
            if concept not in self.wait_s:
                raise KeyError(f"the mean wait of {concept!r} was not computed (wait_concepts)")
            return self.wait_s[concept]
        raise KeyError(f"unknown staffing value {value!r}")

    def effect(self, name: str) -> np.ndarray:
        before, after = self.effects[name]
        return self.scale * (self.agent_hours[before] - self.agent_hours[after])

    def person_years(self) -> dict[str, np.ndarray]:
        """Scaled person-years per concept, ``(n, years)`` (or ``(years,)``)."""
        return {c: self.scale * s for c, s in self.agent_hours.items()}


def staffing_arrays(engine: Engine, a: Assumptions, surrogate: Surrogate | None = None) -> StaffingArrays:
    """S of every needed concept and year for ``a`` (one set, or a batch whose varied values
    are ``(n, 1)`` arrays), exactly or through ``surrogate``. The base model is solved once."""
    base_s, _ = engine.agent_hours("base", np.ones(1), np.ones(1))
    s_base = float(base_s[0])
    if s_base <= 0:
        raise ValueError("the base model staffs no agent-hours: the rates hold no traffic")
    waits = set(wait_concepts(a))
    agent_hours: dict[str, np.ndarray] = {}
    wait: dict[str, np.ndarray] = {}
    for concept in needed_concepts(a):
        alpha, beta = factors(concept, a)
        if surrogate is not None:
            s, w = surrogate.evaluate(concept, alpha, beta)
        else:
            s, w = _exact(engine, concept, alpha, beta, concept in waits)
        agent_hours[concept] = s
        if concept in waits and w is not None:
            wait[concept] = w
    scale = np.asarray(a.actual_person_years, dtype=float) / s_base
    effects = {name: (e.before, e.after) for name, e in effects_for(a.iib_split).items()}
    return StaffingArrays(agent_hours, wait, s_base, scale, effects)


def _exact(
    engine: Engine, concept: str, alpha: np.ndarray, beta: np.ndarray, with_wait: bool
) -> tuple[np.ndarray, np.ndarray | None]:
    """Exact S (and wait) at every (α, β) of the arrays' shape, each distinct point solved once."""
    alpha, beta = np.broadcast_arrays(alpha, beta)
    points, inverse = np.unique(np.stack([alpha.ravel(), beta.ravel()], axis=1), axis=0, return_inverse=True)
    s, w = engine.agent_hours(concept, points[:, 0], points[:, 1], with_wait)
    inverse = inverse.ravel()
    return s[inverse].reshape(alpha.shape), None if w is None else w[inverse].reshape(alpha.shape)


# --- the surrogate ---------------------------------------------------------------------------


def _axis(lo: float, hi: float, step: float) -> np.ndarray:
    """Grid nodes from lo to hi at most ``step`` apart (at least 4 nodes for a cubic spline;
    one node when the range is a point)."""
    if hi - lo <= 1e-12:
        return np.array([lo])
    n = max(4, int(np.ceil((hi - lo) / step)) + 1)
    return np.linspace(lo, hi, n)


@dataclass(frozen=True)
class StepCurve:
    """Exact S(α) of one concept at a fixed β for α in [lo, hi]: S(lo) plus the board-hours
    whose requirement steps up at or below α.

    Each distinct board-hour's requirement is a non-decreasing step function of α (more
    traffic never needs fewer agents); :func:`step_curve` finds every step in the range by
    bisection, so S(α) is a count of thresholds, exact to about 1e-12 in α.
    """

    lo: float
    hi: float
    s_lo: float
    thresholds: np.ndarray
    cumulative: np.ndarray

    def __call__(self, alpha: np.ndarray) -> np.ndarray:
        alpha = np.asarray(alpha, dtype=float)
        if alpha.size and (alpha.min() < self.lo - 1e-9 or alpha.max() > self.hi + 1e-9):
            raise ValueError(f"α outside the curve's range [{self.lo}, {self.hi}]")
        return self.s_lo + self.cumulative[np.searchsorted(self.thresholds, alpha, side="right")]


def step_curve(engine: Engine, concept: str, beta: float, lo: float, hi: float, iterations: int = 40) -> StepCurve:
    """The :class:`StepCurve` of ``concept`` at handling-time factor ``beta`` over α in [lo, hi]."""
    t = engine.traffic(concept)
    target = service_time_s(concept, engine.a)

    def required(alpha: np.ndarray | float, idx: np.ndarray | slice) -> np.ndarray:
        return required_agents(alpha * t.calls[idx], beta * t.aht_s[idx], target, engine.a)

    n_lo, n_hi = required(lo, slice(None)), required(hi, slice(None))
    steps = n_hi - n_lo
    u = np.repeat(np.arange(len(steps)), steps)
    k = n_lo[u] + np.arange(len(u)) - np.repeat(np.cumsum(steps) - steps, steps)  # the step from k to k + 1
    below, above = np.full(len(u), float(lo)), np.full(len(u), float(hi))
    for _ in range(iterations if len(u) else 0):
        mid = (below + above) / 2
        up = required(mid, u) > k
        above, below = np.where(up, mid, above), np.where(up, below, mid)
    order = np.argsort(above, kind="stable")
    cumulative = np.concatenate([[0], np.cumsum(t.count[u][order])]).astype(float)
    return StepCurve(float(lo), float(hi), float(n_lo @ t.count), above[order], cumulative)


def _lagrange(nodes: np.ndarray, values: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Cubic Lagrange interpolation on equally spaced ``nodes`` (at least 4): ``values`` of shape
    (points, nodes), one ``x`` per point, each from the 4 nodes around it."""
    h = nodes[1] - nodes[0]
    i = np.clip(np.floor((x - nodes[0]) / h).astype(int) - 1, 0, len(nodes) - 4)
    z = (x - nodes[i]) / h
    w = np.stack(
        [
            -(z - 1) * (z - 2) * (z - 3) / 6,
            z * (z - 2) * (z - 3) / 2,
            -z * (z - 1) * (z - 3) / 2,
            z * (z - 1) * (z - 2) / 6,
        ],
        axis=1,
    )
    rows = np.arange(len(x))[:, None]
    return (values[rows, i[:, None] + np.arange(4)] * w).sum(axis=1)


@dataclass
class Surrogate:
    """Agent-hours (and mean waits) of each concept as a function of (α, β), anchored at the
    exact value of the assumptions in force.

    :meth:`fit` prepares, for the (α, β) points a batch will ask for:

    * a concept whose β is one value (base, I, the chatbot-only step): one exact
      :class:`StepCurve` in α, so S is exact;
    * a concept whose β varies: step curves at β nodes at most ``step[1]`` apart, cubic
      (Lagrange) interpolation between them, exact along α;
    * a concept whose mean wait is valued (III): a grid of exact solves ``step`` apart in
      (α, β) and a cubic spline, for S and the wait.

    Every value is ``S_exact(anchor) + G(α, β) - G(anchor)``. ``nodes`` counts the grid
    points solved exactly, ``curves`` the step curves built.
    """

    engine: Engine
    anchor: Assumptions
    step: tuple[float, float] = (0.01, 0.01)
    nodes: int = 0
    curves: int = 0
    _fits: dict = field(default_factory=dict, repr=False)

    def fit(self, batch: Assumptions) -> Surrogate:
        """Curves or grids and exact anchor values for every needed concept of ``batch``."""
        waits = set(wait_concepts(self.anchor))
        for concept in needed_concepts(self.anchor):
            a0, b0 = factors(concept, self.anchor)
            alpha, beta = factors(concept, batch)
            s0, w0 = _exact(self.engine, concept, a0, b0, concept in waits)
            lo, hi = min(alpha.min(), a0.min()), max(alpha.max(), a0.max())
            gb = _axis(min(beta.min(), b0.min()), max(beta.max(), b0.max()), self.step[1])
            if concept in waits:
                ga = _axis(lo, hi, self.step[0])
                aa, bb = np.meshgrid(ga, gb, indexing="ij")
                s, w = self.engine.agent_hours(concept, aa.ravel(), bb.ravel(), True)
                self.nodes += aa.size
                assert w is not None
                g = _spline(ga, gb, s.reshape(aa.shape))
                self._fits[concept] = (a0, b0, s0, g, (w0, _spline(ga, gb, w.reshape(aa.shape))))
                continue
            curves = [step_curve(self.engine, concept, float(b), lo, hi) for b in gb]
            self.curves += len(curves)
            self._fits[concept] = (a0, b0, s0, _curves(gb, curves), None)
        return self

    def evaluate(self, concept: str, alpha: np.ndarray, beta: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """S (and mean wait) at (α, β) by year: ``S_exact(anchor) + G(α, β) - G(anchor)``."""
        a0, b0, s0, g, wait = self._fits[concept]
        alpha, beta = np.broadcast_arrays(alpha, beta)
        anchor = np.broadcast_to(a0, alpha.shape), np.broadcast_to(b0, alpha.shape)
        s = s0 + (g(alpha, beta) - g(*anchor))  # the change first: exactly s0 at the anchor
        if wait is None:
            return s, None
        w0, gw = wait
        return s, w0 + (gw(alpha, beta) - gw(*anchor))


def _curves(gb: np.ndarray, curves: list[StepCurve]):
    """G(α, β) from step curves at the β nodes ``gb``: exact in α, cubic in β."""
    if len(curves) == 1:
        return lambda x, y: curves[0](x)

    def g(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        flat_x, flat_y = np.ravel(x), np.ravel(y)
        values = np.stack([c(flat_x) for c in curves], axis=1)
        return _lagrange(gb, values, flat_y).reshape(np.shape(x))

    return g


def _spline(ga: np.ndarray, gb: np.ndarray, values: np.ndarray):
    """An interpolating cubic spline through grid values; axes with one node are constant."""
    if len(ga) == 1 and len(gb) == 1:
        return lambda x, y: np.full(np.shape(x), values[0, 0])
    if len(gb) == 1:
        f = make_interp_spline(ga, values[:, 0], k=3)
        return lambda x, y: f(x)
    if len(ga) == 1:
        f = make_interp_spline(gb, values[0, :], k=3)
        return lambda x, y: f(y)
    spline = RectBivariateSpline(ga, gb, values, kx=3, ky=3, s=0)
    return lambda x, y: spline.ev(x, y)


# --- run_all's tables, fast ------------------------------------------------------------------


def run_lean(rates: pd.DataFrame | BoardHours, a: Assumptions) -> StaffingTablesResult:
    """:func:`lib.model.staffing.run_all`'s ``by_year`` and ``effects`` for the concepts Table 1 values,
    from the exact compressed engine: the same agent-hours, person-years and savings; ``asa_s``
    only for :func:`wait_concepts` (NaN elsewhere). The runner of the one-at-a-time sensitivity.
    """
    arrays = staffing_arrays(Engine(rates, a), a)
    years = period(a)
    rows = []
    for concept, s in arrays.agent_hours.items():
        s = np.broadcast_to(s, years.shape)
        wait = arrays.wait_s.get(concept)
        rows.append(
            pd.DataFrame(
                {
                    "concept": concept,
                    "year": years,
                    "agent_hours": s.astype(np.int64),
                    "person_years": arrays.scale * s,
                    "asa_s": np.nan if wait is None else np.broadcast_to(wait, years.shape),
                }
            )
        )
    effects = pd.DataFrame(
        [
            {"year": int(y), "effect": name, "saving_person_years": float(v)}
            for name in arrays.effects
            for y, v in zip(years, np.broadcast_to(arrays.effect(name), years.shape), strict=True)
        ],
        columns=["year", "effect", "saving_person_years"],
    )
    return StaffingTablesResult(pd.concat(rows, ignore_index=True), effects, arrays.base_agent_hours)


@dataclass(frozen=True)
class StaffingTablesResult:
    """What :func:`run_lean` returns: ``by_year`` (concept, year, agent_hours, person_years,
    asa_s), ``effects`` (year, effect, saving_person_years) and S_base."""

    by_year: pd.DataFrame
    effects: pd.DataFrame
    base_agent_hours: float
