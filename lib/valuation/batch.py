"""The staffing model for a batch of assumption sets (the Monte Carlo): exactly on the
engine, or through a surrogate of it.

The draws of :mod:`lib.valuation.uncertainty` move only the traffic factors (α, β) of each
concept (:func:`factors`), the person-years the model is scaled to, and the unit amounts of
the valuation; :func:`check_batch` refuses a batch that varies anything else. For such a
batch, the agent-hours of every needed concept (:func:`needed_concepts`: what the valuation
of Table 1 reads) come

* **exactly** from :class:`lib.model.engine.Engine` (every distinct (α, β) point solved on
  the compressed traffic), or
* through the **surrogate** (:class:`Surrogate`): S on a grid of (α, β) covering the points
  asked for, solved exactly, and interpolated (cubic spline). S is a sum of about 96 000
  whole-number steps, so it is smooth only to about 100 agent-hours; the surrogate therefore
  adds the interpolated *change* to the exact value at an anchor (the assumptions in force):
  ``S(α, β) ≈ S_exact(α0, β0) + G(α, β) - G(α0, β0)``. At the anchor it is exact, so the
  Monte Carlo with every assumption fixed reproduces Table 1, and near it the error is the
  step noise of the change only. Its agreement with the exact model is a test.

:class:`StaffingArrays` is the batch's staffing as a
:class:`lib.valuation.economics.StaffingSource`: the valuation reads it as it reads a
:class:`lib.model.staffing.StaffingResult`.

Units: contacts per hour, seconds, agent-hours per year, person-years.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from scipy.interpolate import RectBivariateSpline, make_interp_spline

from lib.core.assumptions import Assumptions, analysis_years
from lib.model.concepts import (
    CONCEPTS,
    aht_factor,
    arrival_factor,
    effects_for,
    get,
    table1_concepts,
    year_dependent,
)
from lib.model.engine import Engine, StepCurve, step_curve
from lib.model.staffing import person_years_per_agent_hour
from lib.valuation.economics import components, per_year

#: Assumptions a batch may vary: they move the traffic factors (α, β) or only rescale.
FACTOR_ASSUMPTIONS: tuple[str, ...] = (
    "call_reduction_politiet_no",
    "chat_share_first_year",
    "chat_share_last_year",
    "transfer_share_first_year",
    "transfer_share_last_year",
    "chat_handling_factor",
    "handling_time_factor",  # every concept's β, the base's too (issue 24)
    "population_growth_scale",  # every concept's α in every year, under population_growth="on"
)
SCALE_ASSUMPTIONS: tuple[str, ...] = ("actual_person_years",)
#: A concept whose β takes at most this many values over a batch (the stratified handling-time
#: factor) gets an exact step curve at each, instead of interpolation along β.
EXACT_BETAS = 8

# --- a batch of assumption sets ------------------------------------------------------------


def factors(concept: str, a: Assumptions) -> tuple[np.ndarray, np.ndarray]:
    """(α, β) of ``concept`` per analysis year: ``(years,)`` arrays, or ``(n, years)`` for a batch."""
    c = get(concept)
    ys = [int(y) if year_dependent(c, a) else None for y in analysis_years(a)]
    return per_year([arrival_factor(c, y, a) for y in ys]), per_year([aht_factor(c, y, a) for y in ys])


def needed_concepts(a: Assumptions) -> tuple[str, ...]:
    """Concepts the valuation of Table 1 reads: base, every effect's two ends, the Table 1 concepts."""
    names = {"base", *table1_concepts()}
    for e in effects_for(a.iib_split).values():
        names.update((e.before, e.after))
    return tuple(n for n in CONCEPTS if n in names)


def wait_concepts(a: Assumptions) -> tuple[str, ...]:
    """Concepts whose mean wait the valuation reads (the shorter-wait components, and under
    ``iii_wait_reduction="model"`` the concepts they are measured against, under ``"scaled"`` the
    base model, whose wait the scaling divides by)."""
    names: set[str] = set()
    for concept in table1_concepts():
        for comp in components(concept, a.iib_split):
            if comp.kind == "shorter_wait":
                names.add(comp.concept)
                if a.iii_wait_reduction == "model":
                    previous = get(comp.concept).previous
                    if previous is not None:
                        names.add(previous)
                if a.iii_wait_reduction == "scaled":
                    names.add("base")
    return tuple(n for n in CONCEPTS if n in names)


def check_batch(varied: Iterable[str]) -> None:
    """Refuse a batch that varies an assumption the engine cannot move through (α, β) or scale."""
    bad = sorted(set(varied) - set(FACTOR_ASSUMPTIONS) - set(SCALE_ASSUMPTIONS) - _valuation_names())
    if bad:
        raise ValueError(
            f"a batch of assumption sets cannot vary {bad}: they change the staffing model itself "
            f"(only {', '.join(FACTOR_ASSUMPTIONS + SCALE_ASSUMPTIONS)} and valuation assumptions may vary); "
            "use lib.model.staffing.run_all once per set instead"
        )


def _valuation_names() -> set[str]:
    return {n for n in Assumptions.names() if Assumptions.stage(n) == "valuation"} - {"first_year", "last_year"}


@dataclass(frozen=True)
class StaffingArrays:
    """Staffing of the needed concepts per draw and year, as a :class:`lib.valuation.economics.StaffingSource`.

    ``agent_hours``: concept → S, ``(n, years)``; ``wait_s``: concept → contact-weighted mean
    wait (s) for :func:`wait_concepts`; ``base_agent_hours``: S_base (``(n, 1)`` when the batch
    moves it); ``scale``: person-years
    per agent-hour (``actual_person_years / S_base``, ``(n, 1)`` or a float); ``effects``: the
    effects valued (name → (before, after)).
    """

    agent_hours: dict[str, np.ndarray]
    wait_s: dict[str, np.ndarray]
    base_agent_hours: float | np.ndarray
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
    are ``(n, 1)`` arrays), exactly or through ``surrogate``. The base model is solved once.

    Refuses the chat model's dedicated pool (``chat_model="concurrency"``, ``chat_pool=
    "dedicated"``): its agents are a board of their own that the (α, β) factors of the phone
    boards do not carry, so a batch would leave them out without a word; the chat model's
    own draws are :func:`lib.valuation.chat.chat_monte_carlo`."""
    if a.chat_model == "concurrency" and a.chat_pool == "dedicated":
        raise ValueError(
            "a batch of assumption sets staffs the phone boards only: chat_model='concurrency' with "
            "chat_pool='dedicated' adds a chat pool of its own that it would leave out; use "
            "lib.model.staffing.run_all per set, or lib.valuation.chat's Monte Carlo of the chat model"
        )
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
        if concept == "base" and np.any(s <= 0):  # the base model comes first (CONCEPTS' order)
            raise ValueError("the base model staffs no agent-hours: the rates hold no traffic")
    # S_base: the base model's agent-hours of the data year, per draw when the handling time is drawn
    if year_dependent("base", a):  # the volume grows over the years: the data year's base on its own
        beta = np.asarray(aht_factor("base", None, a), dtype=float)
        base, _ = _exact(engine, "base", np.ones_like(beta), beta, False)
        base = base.reshape(beta.shape) if beta.ndim else base.reshape(1)
    else:
        base = agent_hours["base"][..., :1]
    s_base = float(base.ravel()[0]) if base.size == 1 else base
    scale = np.asarray(person_years_per_agent_hour(a, base), dtype=float)
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
            distinct = np.unique(np.concatenate([np.ravel(beta), np.ravel(b0)]))
            if len(distinct) <= EXACT_BETAS:  # few handling-time factors (a stratified draw): exact at each
                curves = [step_curve(self.engine, concept, float(b), lo, hi) for b in distinct]
                self.curves += len(curves)
                self._fits[concept] = (a0, b0, s0, _exact_curves(distinct, curves), None)
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


def _exact_curves(betas: np.ndarray, curves: list[StepCurve]):
    """G(α, β) from step curves at each β a batch holds: exact, β looked up (it must be one of them)."""

    def g(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        flat_x, flat_y = np.ravel(x), np.ravel(y)
        k = np.clip(np.searchsorted(betas, flat_y), 0, len(betas) - 1)
        below = np.clip(k - 1, 0, len(betas) - 1)
        k = np.where(np.abs(betas[below] - flat_y) < np.abs(betas[k] - flat_y), below, k)
        if np.any(np.abs(betas[k] - flat_y) > 1e-9):
            raise ValueError("β outside the values the surrogate was fitted at")
        out = np.empty(len(flat_x))
        for i, curve in enumerate(curves):
            at = k == i
            out[at] = curve(flat_x[at])
        return out.reshape(np.shape(x))

    return g


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
