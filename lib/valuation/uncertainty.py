"""Monte Carlo uncertainty of Table 1: distributions as data, draws, summaries, scenarios.

The report rests several estimates "på usikkert grunnlag" (the politiet.no reduction, the
chat and transfer shares, the 51 % chat resource factor, the costs) and gives only points.
Following DFØ's guide (expected value plus an uncertainty analysis), this module

* keeps one table of the uncertain assumptions (:data:`DISTRIBUTIONS`): family, range,
  which assumptions are drawn together, and why, in the report's or this project's words;
* draws them (:func:`draw`; a Gaussian copula ties assumptions of one group, e.g. the first-
  and last-year chat shares), deterministically from a seed;
* values every draw at once (:func:`monte_carlo`): the staffing model through
  :class:`lib.valuation.batch.Surrogate` (or exactly), the valuation through
  :func:`lib.valuation.economics.present_values` on a :class:`Batch` of assumption sets;
* summarises: quantiles of every Table 1 cell and of the person-years per concept and year,
  the probability that each concept pays off, ranks first, beats IIb; the assumptions that
  drive the spread (rank correlations); and pessimistic / expected / optimistic scenarios
  in which the unit values (person-year cost, value of time, discount rate) move too.

Unit values stay fixed in the Monte Carlo, as DFØ prescribes; they vary only in
:data:`SCENARIO_UNIT_VALUES`. The ranges are this project's judgement where the report gives
only a point (docs/model.md §14); each entry says what it rests on.

Units: shares, seconds, minutes, person-years and MNOK as in :mod:`lib.core.assumptions`.
"""

from __future__ import annotations

import dataclasses
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pandas as pd
from scipy import stats

from lib.core import parallel
from lib.core.assumptions import TABLE1_PUBLISHED, Assumptions, analysis_years
from lib.model.concepts import BoardHours, table1_concepts
from lib.model.engine import Engine
from lib.valuation.batch import FACTOR_ASSUMPTIONS, StaffingArrays, Surrogate, check_batch, staffing_arrays
from lib.valuation.economics import INVESTMENT, RUNNING, SUM, VALUED_ROWS, present_values

QUANTILES = (0.05, 0.10, 0.50, 0.90, 0.95)
QUANTILE_COLUMNS = ["p5", "p10", "p50", "p90", "p95"]
DEFAULT_DRAWS = 10_000
DEFAULT_SEED = 20240702
FAMILIES = ("triangular", "uniform", "point", "strata")
#: Equally likely values of a "strata" distribution: the triangular's quantiles at the strata's midpoints.
STRATA = 5


@dataclass(frozen=True)
class Uncertain:
    """The distribution of one assumption, or of several drawn together.

    ``names``: assumptions; ``low``, ``mode``, ``high``: per name (``mode`` None: the value in
    force), absolute or, with ``relative``, factors on the value in force; ``family``:
    "triangular" (low, mode, high), "uniform" (low, high) or "point" (always the value in
    force: :func:`fixed`); ``correlation``: the normal-score
    correlation tying the names of a group (Gaussian copula; rank correlation
    ≈ 6/π·asin(ρ/2)); ``worse``: the end ("low" or "high") that lowers the valued sums, for
    the scenarios; ``label``: Norwegian; ``parts``: for a group, a Norwegian label per name
    (appended to ``label``); ``reason``: what the range rests on; ``skew``: for a range that is
    not symmetric about the value in force, why, with its source (a test holds every skewed
    range to one: DFØ's guide asks for expected values, and a skew without a source would move
    them on this project's say-so alone); ``applies_when``: (assumption, value) under which the
    range applies, a point at the value in force otherwise (an option's own uncertainty);
    ``own_stream``: its normal scores come from a random stream of their own (seed and name), so
    adding the group leaves every other group's draws as they were (it must be uncorrelated).
    """

    label: str
    names: tuple[str, ...]
    low: tuple[float, ...]
    high: tuple[float, ...]
    reason: str
    worse: str
    mode: tuple[float | None, ...] | None = None
    family: str = "triangular"
    relative: bool = False
    correlation: float = 0.0
    parts: tuple[str, ...] = ()
    skew: str = ""
    applies_when: tuple[str, str] | None = None
    own_stream: bool = False

    def labels(self) -> dict[str, str]:
        """Norwegian label of each name: ``label`` alone, or ``label, part`` in a group."""
        if not self.parts:
            return dict.fromkeys(self.names, self.label)
        return {n: f"{self.label}, {p}" for n, p in zip(self.names, self.parts, strict=True)}

    def __post_init__(self) -> None:
        k = len(self.names)
        mode = self.mode if self.mode is not None else (None,) * k
        if not (k > 0 and len(self.low) == len(self.high) == len(mode) == k):
            raise ValueError(f"{self.label!r}: names, low, mode and high need the same, non-zero length")
        if self.family not in FAMILIES:
            raise ValueError(f"{self.label!r}: family={self.family!r}; expected one of {FAMILIES}")
        if self.worse not in ("low", "high"):
            raise ValueError(f"{self.label!r}: worse={self.worse!r}; expected 'low' or 'high'")
        if self.parts and len(self.parts) != k:
            raise ValueError(f"{self.label!r}: one part label per name, or none")
        if not -1 < self.correlation < 1:
            raise ValueError(f"{self.label!r}: correlation={self.correlation} must be in (-1, 1)")
        unknown = set(self.names) - set(Assumptions.names())
        if unknown:
            raise ValueError(f"{self.label!r}: unknown assumption(s) {sorted(unknown)}")

    def parameters(self, a: Assumptions) -> list[tuple[str, float, float, float]]:
        """(name, low, mode, high) in the assumptions' units, given the values in force ``a``;
        refuses a mode outside [low, high]."""
        mode = self.mode if self.mode is not None else (None,) * len(self.names)
        off = self.applies_when is not None and getattr(a, self.applies_when[0]) != self.applies_when[1]
        out = []
        for name, lo, m, hi in zip(self.names, self.low, mode, self.high, strict=True):
            value = float(getattr(a, name))
            if self.family == "point" or off:
                out.append((name, value, value, value))
                continue
            f = value if self.relative else 1.0
            centre = value if m is None else m * f
            lo, hi = lo * f, hi * f
            if not lo <= centre <= hi:
                raise ValueError(
                    f"{self.label!r}: {name}={centre:g} lies outside its range [{lo:g}, {hi:g}]; "
                    "widen the range in lib/valuation/uncertainty.py or choose a value inside it"
                )
            out.append((name, lo, centre, hi))
        return out

    def ppf(self, u: np.ndarray, a: Assumptions) -> dict[str, np.ndarray]:
        """Values at the probabilities ``u`` (shape (n, len(names))) of each name's marginal."""
        out = {}
        for j, (name, lo, m, hi) in enumerate(self.parameters(a)):
            if hi == lo:
                out[name] = np.full(len(u), lo)
            elif self.family == "uniform":
                out[name] = lo + u[:, j] * (hi - lo)
            elif self.family == "strata":
                values = self.strata(a)[name]
                out[name] = values[np.minimum((u[:, j] * STRATA).astype(int), STRATA - 1)]
            else:
                out[name] = stats.triang.ppf(u[:, j], (m - lo) / (hi - lo), loc=lo, scale=hi - lo)
            if isinstance(getattr(a, name), int):  # a count (calls) is drawn in whole numbers
                out[name] = np.round(out[name])
        return out

    def strata(self, a: Assumptions) -> dict[str, np.ndarray]:
        """For family "strata": each name's :data:`STRATA` equally likely values, the triangular
        (low, mode, high)'s quantiles at the midpoints of equal-probability strata. A discrete
        stand-in for the triangular that the staffing surrogate solves exactly at every value
        (an odd number of strata keeps the mode, the value in force, as the middle value of a
        symmetric range)."""
        q = (np.arange(STRATA) + 0.5) / STRATA
        out = {}
        for name, lo, m, hi in self.parameters(a):
            out[name] = (
                np.full(STRATA, lo) if hi == lo else stats.triang.ppf(q, (m - lo) / (hi - lo), loc=lo, scale=hi - lo)
            )
        return out


#: The uncertain assumptions of the Monte Carlo, in the order they are drawn. A range is
#: symmetric about the value in force unless ``skew`` names the evidence for its skew
#: (issue 24: the means of the first Monte Carlo lay 6-26 % below the point values from skews
#: of this project's own making).
DISTRIBUTIONS: tuple[Uncertain, ...] = (
    Uncertain(
        "Reduksjon i telefoner fra politiet.no",
        ("call_reduction_politiet_no",),
        (0.05,),
        (0.15,),
        "§5.2.2.1, fn 10: 10 % 'på usikkert grunnlag', the working group's judgement with no measurement; "
        "5-15 % around it, symmetric: no source says which way it errs",
        worse="low",
    ),
    Uncertain(
        "Andel chat/chatbot",
        ("chat_share_first_year", "chat_share_last_year"),
        (0.10, 0.25),
        (0.35, 0.60),
        "§6.2.1.1 fn 13, Skatteetaten: 57 % expected, 15 % in the first months, about 25 % four years on; "
        "the first year may start near Skatteetaten's 15 %, the last may stop near its 25 % or approach "
        "the 57 % first expected; both ends move together",
        worse="low",
        correlation=0.8,
        parts=("første år", "siste år"),
        skew="fn 13: Skatteetaten's take-up started at 15 % and stood at about 25 % four years on, "
        "below the 57 % first expected; the evidence lies below the report's path, so the low side is longer",
    ),
    Uncertain(
        "Andel overført til livechat",
        ("transfer_share_first_year", "transfer_share_last_year"),
        (0.15, 0.10),
        (0.40, 0.30),
        "§6.2.2.1 fn 14 and App. C: Skatteetaten 15 %, NAV's Frida a third, the Dutch police 30 % "
        "falling to 23 % in a year; the path moves as a whole",
        worse="high",
        correlation=0.8,
        parts=("første år", "siste år"),
        skew="fn 14 and App. C: the first year's 30 % lies between Skatteetaten's 15 % and NAV's third, "
        "so the range reaches further down (15 %) than up (40 %); the last year's is symmetric",
    ),
    Uncertain(
        "Ressursbruk livechat / telefon",
        ("chat_handling_factor",),
        (0.35,),
        (0.67,),
        "§6.2.1.1: ContactBabel (2023), an average over UK firms; police chats may need more "
        "(identification, case notes) or less (simple questions): ±0.16, symmetric, no source says which",
        worse="high",
    ),
    Uncertain(
        "Dagens bemanning på 02800 (årsverk)",
        ("actual_person_years",),
        (0.9,),
        (1.1,),
        "App. B, A.1.1: 'om lag' 90 person-years; ±10 %",
        worse="low",
        relative=True,
    ),
    Uncertain(
        "Innbyggerens tid (min)",
        ("citizen_minutes_per_call", "citizen_minutes_per_chatbot_contact"),
        (4.0, 2.0),
        (6.0, 4.0),
        "fn 11: wait + talk time + about 1.5 min preparation; §6.2.2.2: 3 minutes by chatbot; ±1 minute, "
        "drawn together (one way of timing a contact)",
        worse="low",
        correlation=0.5,
        parts=("per telefon", "per chatbot-henvendelse"),
    ),
    Uncertain(
        "Investering",
        ("live_chat_investment_mnok", "chatbot_investment_mnok", "contact_centre_investment_mnok"),
        (0.8, 0.8, 0.8),
        (1.75, 1.75, 1.75),
        "§6.2.3, §7.2.2.1: rough estimates ('på usikkert grunnlag')",
        worse="high",
        relative=True,
        correlation=0.5,
        parts=("livechat", "chatbot", "kontaktsenter"),
        skew="Flyvbjerg and Budzier (2011, Harvard Business Review, 'Why your IT project may be riskier than "
        "you think'): IT projects overrun their budgets on average and one in six by far more, while "
        "underruns are small; so 0.8-1.75 times the estimate",
    ),
    Uncertain(
        "Drift",
        (
            "concept_i_running_person_years",
            "chat_running_person_years",
            "live_chat_licence_mnok_per_year",
            "chatbot_licence_mnok_per_year",
        ),
        (0.75, 0.75, 0.75, 0.75),
        (1.25, 1.25, 1.25, 1.25),
        "§5.2.3.2, §6.2.3: 'på usikkert grunnlag'; ±25 %, symmetric: no source says which way running "
        "effort and licence prices err",
        worse="high",
        relative=True,
        correlation=0.5,
        parts=("årsverk politiet.no", "årsverk chat", "lisens livechat", "lisens chatbot"),
    ),
    # --- the staffing model's own inputs and the volume (issue 24) -------------------------------
    Uncertain(
        "Behandlingstid inkl. etterarbeid (faktor)",
        ("handling_time_factor",),
        (0.92,),
        (1.08,),
        "App. B: 30 s of after-call work on every contact, not measured; ±15 s is about ±8 % of the "
        "mean handling time (talk + 30 s, 177 s on the synthetic log); the talk time itself is measured. "
        "Drawn as the triangular's 5 equally likely stratum values, at which the staffing is solved exactly",
        worse="low",
        family="strata",
    ),
    Uncertain(
        "Sentralbordanrop i Trøndelag 2023",
        ("trondelag_switchboard_calls_2023",),
        (70_000.0,),
        (110_000.0,),
        "A.1 fn 21: 'om lag 90 000' switchboard calls missing from the log (system change); ±20 000, "
        "symmetric; the registered 1 765 909 calls are counted, not estimated",
        worse="low",
    ),
    Uncertain(
        "Befolkningsvekst (andel av SSBs framskriving)",
        ("population_growth_scale",),
        (0.5,),
        (1.5,),
        "only under population_growth='on': SSB table 14288 (2024, main alternative MMMM) gives the "
        "modelled districts +6.1 % persons from 2023 to 2033; SSB's low and high alternatives are not in "
        "the repository, so half to one and a half times the projected growth is this project's judgement, "
        "symmetric (immigration, the largest uncertainty of the projection, may err either way)",
        worse="low",
        applies_when=("population_growth", "on"),
        own_stream=True,
    ),
)


@dataclass(frozen=True)
class CrossCorrelation:
    """A normal-score correlation between every assumption of two groups of
    :data:`DISTRIBUTIONS` (by label), with its reason."""

    first: str
    second: str
    correlation: float
    reason: str


#: Correlations between groups (Gaussian copula over all drawn assumptions; data, with the reasoning).
CROSS_CORRELATIONS: tuple[CrossCorrelation, ...] = (
    CrossCorrelation(
        "Reduksjon i telefoner fra politiet.no",
        "Andel chat/chatbot",
        0.3,
        "both are the public's take-up of the police's digital channels: a population that finds its answer "
        "on politiet.no also uses chat; Skatteetaten's experience (fn 13) is of one slow digital shift, not "
        "two independent ones. Modest (ρ = 0.3, rank correlation ≈ 0.29), since the two measures reach "
        "different callers (information against a conversation)",
    ),
)


#: Unit values in the scenarios only (factor on, or value of, the assumption in force):
#: name → (label, pessimistic, optimistic, relative).
SCENARIO_UNIT_VALUES: dict[str, tuple[str, float, float, bool]] = {
    "cost_per_person_year_nok": ("Årsverkskostnad", 0.9, 1.1, True),
    "leisure_value_per_person_year_nok": ("Verdi av fritid", 0.9, 1.1, True),
    "discount_rate": ("Kalkulasjonsrente", 0.05, 0.03, False),
}
SCENARIOS = ("Pessimistisk", "Forventet", "Optimistisk")
#: Marginal quantile of each uncertain assumption in the pessimistic / optimistic scenario.
SCENARIO_QUANTILE = 0.10


def distribution_table(a: Assumptions, distributions: tuple[Uncertain, ...] = DISTRIBUTIONS) -> pd.DataFrame:
    """The distributions in the assumptions' units: label, assumption, family, low, mode (the
    value in force unless set), high, mean, correlation within the group, the value in force,
    and the reason."""
    rows = []
    for d in distributions:
        labels = d.labels()
        for name, lo, m, hi in d.parameters(a):
            mean = (
                (lo + m + hi) / 3
                if d.family == "triangular"
                else float(d.strata(a)[name].mean())
                if d.family == "strata"
                else (lo + hi) / 2
            )
            rows.append(
                {
                    "label": labels[name],
                    "group": d.label,
                    "assumption": name,
                    "family": d.family,
                    "low": lo,
                    "mode": m if d.family in ("triangular", "strata") else np.nan,
                    "high": hi,
                    "mean": mean,
                    "value_in_force": float(getattr(a, name)),
                    "correlation": d.correlation if len(d.names) > 1 else np.nan,
                    "reason": d.reason,
                    "skew": d.skew or "symmetric",
                }
            )
    return pd.DataFrame(rows)


def correlation_matrix(
    distributions: tuple[Uncertain, ...] = DISTRIBUTIONS,
    cross: tuple[CrossCorrelation, ...] = CROSS_CORRELATIONS,
) -> pd.DataFrame:
    """The normal-score correlation of every drawn assumption with every other: each group's
    ``correlation`` within it, :data:`CROSS_CORRELATIONS` between groups, 0 elsewhere. Refuses
    a cross correlation naming an unknown group, and a matrix that is not positive definite."""
    names = [n for d in distributions for n in d.names]
    m = pd.DataFrame(np.eye(len(names)), index=names, columns=names)
    by_label = {d.label: d for d in distributions}
    for d in distributions:
        for i in d.names:
            for j in d.names:
                if i != j:
                    m.loc[i, j] = d.correlation
    for c in cross:
        missing = {c.first, c.second} - set(by_label)
        if missing:
            raise ValueError(f"cross correlation: unknown group(s) {sorted(missing)}")
        if not -1 < c.correlation < 1:
            raise ValueError(f"cross correlation {c.first!r} - {c.second!r}: {c.correlation} must be in (-1, 1)")
        for i in by_label[c.first].names:
            for j in by_label[c.second].names:
                m.loc[i, j] = m.loc[j, i] = c.correlation
    try:
        np.linalg.cholesky(m.to_numpy())
    except np.linalg.LinAlgError:
        raise ValueError("the correlations of the uncertain assumptions are not positive definite") from None
    return m


def _to_values(
    u: np.ndarray, a: Assumptions, distributions: tuple[Uncertain, ...], corr: np.ndarray
) -> dict[str, np.ndarray]:
    """Independent uniforms ``u`` (n, names) to the assumptions' values: normal scores, the
    Gaussian copula of ``corr``, each marginal's ppf."""
    z = stats.norm.ppf(np.clip(u, 1e-12, 1 - 1e-12)) @ np.linalg.cholesky(corr).T
    p = stats.norm.cdf(z)
    out: dict[str, np.ndarray] = {}
    k = 0
    for d in distributions:
        out.update(d.ppf(p[:, k : k + len(d.names)], a))
        k += len(d.names)
    return out


def draw(
    n: int,
    seed: int,
    a: Assumptions,
    distributions: tuple[Uncertain, ...] = DISTRIBUTIONS,
    cross: tuple[CrossCorrelation, ...] | None = None,
) -> pd.DataFrame:
    """``n`` draws of every uncertain assumption (one column each), deterministic from ``seed``.

    Every name's marginal is its group's distribution; the names share one Gaussian copula
    (:func:`correlation_matrix`: each group's ``correlation`` within it, ``cross`` between
    groups, default :data:`CROSS_CORRELATIONS` when ``distributions`` is the default, else none).
    """
    if n < 1:
        raise ValueError(f"n={n}: need at least one draw")
    if cross is None:
        cross = CROSS_CORRELATIONS if distributions == DISTRIBUTIONS else ()
    corr = correlation_matrix(distributions, cross).to_numpy()
    rng = np.random.default_rng(seed)
    own = np.array([d.own_stream for d in distributions for _ in d.names], dtype=bool)
    if (np.abs(corr[own][:, ~own]) > 0).any():
        raise ValueError("a group drawn from a stream of its own (own_stream) must be uncorrelated with the others")
    z = np.empty((n, corr.shape[0]))
    z[:, ~own] = rng.standard_normal((n, int((~own).sum())))
    for j in np.flatnonzero(own):  # the name's own stream, so the other columns stay as they were
        name = [m for d in distributions for m in d.names][j]
        z[:, j] = np.random.default_rng([seed, zlib.crc32(name.encode())]).standard_normal(n)
    return pd.DataFrame(_to_values(stats.norm.cdf(z), a, distributions, corr))


def support(a: Assumptions, distributions: tuple[Uncertain, ...] = DISTRIBUTIONS) -> pd.DataFrame:
    """Every corner of the drawn staffing assumptions' ranges (the others at the value in force):
    the concepts' traffic factors are monotone in each, so their extremes over the whole support
    are among these points; the surrogate fitted to them covers any draw (Monte Carlo or Sobol)."""
    ends: dict[str, tuple[float, ...]] = {}
    for d in distributions:
        values = d.strata(a) if d.family == "strata" else {}
        for name, lo, _, hi in d.parameters(a):
            if name in FACTOR_ASSUMPTIONS and hi > lo:
                ends[name] = tuple(values[name]) if name in values else (lo, hi)
    if not ends:
        return pd.DataFrame({n: [float(getattr(a, n))] for d in distributions for n in d.names[:1]})
    grid = np.array(np.meshgrid(*[np.array(v) for v in ends.values()], indexing="ij")).reshape(len(ends), -1).T
    return pd.DataFrame(grid, columns=list(ends))


class Batch:
    """``n`` assumption sets as one object: the varied assumptions are ``(n, 1)`` arrays, every
    other attribute is the value in force. The formulas of :mod:`lib.model.concepts` and
    :mod:`lib.valuation.economics` broadcast over it, so one call values every draw."""

    def __init__(self, a: Assumptions, values: pd.DataFrame | dict[str, Any]) -> None:
        frame = pd.DataFrame(values)
        unknown = set(frame.columns) - set(Assumptions.names())
        if unknown:
            raise ValueError(f"unknown assumption(s) {sorted(unknown)}")
        check_batch(frame.columns)
        self._a = a
        self._values = {c: frame[c].to_numpy(dtype=float)[:, None] for c in frame.columns}
        self.n = len(frame)

    def __getattr__(self, name: str) -> Any:
        values = self.__dict__.get("_values", {})
        if name in values:
            return values[name]
        return getattr(self.__dict__["_a"], name)

    def assumptions(self) -> Assumptions:
        """The batch typed as the assumptions it stands for (the formulas read attributes only)."""
        return cast(Assumptions, self)


def fixed(distributions: tuple[Uncertain, ...] = DISTRIBUTIONS) -> tuple[Uncertain, ...]:
    """The same assumptions, each fixed at the value in force (family "point"): the Monte Carlo
    of these reproduces the deterministic Table 1, a check of the whole engine."""
    return tuple(dataclasses.replace(d, family="point") for d in distributions)


# --- the Monte Carlo -------------------------------------------------------------------------


@dataclass(frozen=True)
class MonteCarlo:
    """Draws and results: ``draws`` (one column per uncertain assumption), ``cells`` (one column
    per Table 1 cell, "row|concept", MNOK NPV), ``person_years`` (concept → (n, years)),
    ``years``, the assumptions in force ``a``, the surrogate (None if exact) and its exact solves."""

    draws: pd.DataFrame
    cells: pd.DataFrame
    person_years: dict[str, np.ndarray]
    years: np.ndarray
    a: Assumptions
    surrogate: Surrogate | None = None
    nodes: int = 0

    def sums(self) -> pd.DataFrame:
        """ "Sum verdsatte virkninger" per draw, one column per Table 1 concept; with
        ``tax_financing_cost="on"`` net of the tax-financing cost (:func:`tax_financing`)."""
        out = pd.DataFrame({c: self.cells[cell(SUM, c)] for c in table1_concepts()})
        if self.a.tax_financing_cost == "on":
            tax = tax_financing(self.cells, self.a)
            out = out - tax[[cell(TAX_FINANCING, c) for c in table1_concepts()]].to_numpy()
        return out


#: Rows beyond the report's Table 1 (issue 24): DFØ's tax-financing cost, and the sum net of it.
TAX_FINANCING = "Skattefinansieringskostnad"
SUM_AFTER_TAX = "Sum etter skattefinansieringskostnad"
EXTRA_ROWS: tuple[str, ...] = (TAX_FINANCING, SUM_AFTER_TAX)


def tax_financing(cells: pd.DataFrame, a: Assumptions) -> pd.DataFrame:
    """The tax-financing cost of every Table 1 concept and the sum net of it, per draw (MNOK NPV):
    ``tax_financing_share`` x the net change in public spending, which is the concept's
    investments and running costs. The police time it saves stays in the police as capacity
    (the report's "Effektivisering politiet", not a budget cut), so it does not lower public
    spending; citizens' time is no public spending. Columns "row|concept" of both rows; ``cells``:
    :attr:`MonteCarlo.cells` (or any frame of such columns)."""
    out = {}
    for c in table1_concepts():
        spending = cells[cell(INVESTMENT, c)].to_numpy() + cells[cell(RUNNING, c)].to_numpy()
        tax = a.tax_financing_share * spending
        out[cell(TAX_FINANCING, c)] = tax
        out[cell(SUM_AFTER_TAX, c)] = cells[cell(SUM, c)].to_numpy() - tax
    return pd.DataFrame(out, index=cells.index)


def cell(row: str, concept: str) -> str:
    """Column name of a Table 1 cell in :attr:`MonteCarlo.cells`."""
    return f"{row}|{concept}"


def _cells_frame(values: dict[tuple[str, str], np.ndarray], n: int) -> pd.DataFrame:
    cols = {}
    for row in VALUED_ROWS:
        for concept in table1_concepts():
            if (row, concept) in values:
                cols[cell(row, concept)] = np.broadcast_to(values[(row, concept)], (n,)).astype(float)
    return pd.DataFrame(cols)


def evaluate(
    engine: Engine,
    batch: Batch,
    observed_wait_s: float | None,
    surrogate: Surrogate | None = None,
) -> tuple[pd.DataFrame, StaffingArrays]:
    """Table 1 cells per assumption set of ``batch`` (exactly, or through ``surrogate``)."""
    b = batch.assumptions()
    arrays = staffing_arrays(engine, b, surrogate)
    return _cells_frame(present_values(arrays, b, observed_wait_s), batch.n), arrays


def monte_carlo(
    rates: pd.DataFrame | BoardHours,
    a: Assumptions,
    n: int = DEFAULT_DRAWS,
    seed: int = DEFAULT_SEED,
    observed_wait_s: float | None = None,
    distributions: tuple[Uncertain, ...] = DISTRIBUTIONS,
    exact: bool = False,
    step: tuple[float, float] = (0.02, 0.02),
) -> MonteCarlo:
    """``n`` draws of every Table 1 cell and of the person-years per concept and year.

    ``rates``: the arrival-rate table; ``a``: the assumptions in force (the centres of the
    distributions and the anchor of the surrogate); ``observed_wait_s``: today's mean wait (s,
    for III's shorter wait); ``exact``: solve every draw exactly instead of through the
    surrogate (slow: about 0.1 s a draw); ``step``: the surrogate's grid spacing in (α, β).
    """
    draws = draw(n, seed, a, distributions)
    batch = Batch(a, draws)
    engine = Engine(rates, a)
    surrogate = None if exact else Surrogate(engine, a, step).fit(Batch(a, support(a, distributions)).assumptions())
    cells, arrays = evaluate(engine, batch, observed_wait_s, surrogate)
    years = analysis_years(a)
    person_years = {c: np.broadcast_to(v, (n, len(years))) for c, v in arrays.person_years().items()}
    return MonteCarlo(draws, cells, person_years, years, a, surrogate, 0 if surrogate is None else surrogate.nodes)


#: The surrogate's agreement with exact solves: per cell within the larger of 2 % and 0.3 MNOK,
#: per concept sum within 0.5 % of the concept's mean |sum| over the draws checked (a draw's own
#: sum can be near zero, where no relative bound holds).
CELL_TOLERANCE = (0.02, 0.3)
SUM_TOLERANCE = 0.005


def tolerance(exact: pd.DataFrame) -> pd.DataFrame:
    """The allowed surrogate error of each cell of ``exact`` (MNOK): :data:`CELL_TOLERANCE`, and
    :data:`SUM_TOLERANCE` of the mean |sum| for the sums."""
    tol = np.maximum(CELL_TOLERANCE[0] * exact.abs(), CELL_TOLERANCE[1])
    for name in (c for c in exact.columns if c.startswith(f"{SUM}|")):
        tol[name] = SUM_TOLERANCE * float(exact[name].abs().mean())
    return tol


def surrogate_check(
    mc: MonteCarlo, rates: pd.DataFrame | BoardHours, n: int = 50, observed_wait_s: float | None = None
) -> pd.DataFrame:
    """The surrogate of ``mc`` against exact solves on its first ``n`` draws: per Table 1 cell
    (row, concept) the largest absolute error (MNOK) and the largest error as a share of
    :func:`tolerance` (at most 1 means within it)."""
    if mc.surrogate is None:
        raise ValueError("the Monte Carlo was solved exactly: nothing to check")
    batch = Batch(mc.a, mc.draws.iloc[:n])
    engine = Engine(rates, mc.a)
    exact, _ = evaluate(engine, batch, observed_wait_s)
    approx, _ = evaluate(engine, batch, observed_wait_s, mc.surrogate)
    err = (approx - exact).abs()
    share = err / tolerance(exact)
    rows = [
        {
            "row": name.split("|")[0],
            "concept": name.split("|")[1],
            "max_abs_error_mnok": float(err[name].max()),
            "max_error_share_of_tolerance": float(share[name].max()),
        }
        for name in exact.columns
    ]
    return pd.DataFrame(rows)


# --- what the analyst sees -------------------------------------------------------------------


def _quantiles(x: np.ndarray) -> dict[str, float]:
    q = np.quantile(x, QUANTILES)
    return {"mean": float(np.mean(x)), **{k: float(v) for k, v in zip(QUANTILE_COLUMNS, q, strict=True)}}


def table1_uncertainty(mc: MonteCarlo, deterministic: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per Table 1 row and concept: mean, p5, p10, p50, p90, p95 (MNOK NPV), beside the
    deterministic Table 1 (``deterministic``, :func:`lib.valuation.table1.table1`) and the report's value."""
    det = deterministic.set_index("row") if deterministic is not None else None
    if det is not None and {INVESTMENT, RUNNING, SUM} <= set(det.index):
        point = tax_financing(
            pd.DataFrame({cell(r, c): [det.loc[r, c]] for r in (INVESTMENT, RUNNING, SUM) for c in table1_concepts()}),
            mc.a,
        )
        for r in EXTRA_ROWS:
            det.loc[r] = [float(point[cell(r, c)].iloc[0]) if c in table1_concepts() else np.nan for c in det.columns]
    needed = {cell(r, c) for r in (INVESTMENT, RUNNING, SUM) for c in table1_concepts()}
    cells = pd.concat([mc.cells, tax_financing(mc.cells, mc.a)], axis=1) if needed <= set(mc.cells) else mc.cells
    rows = []
    for row in (*VALUED_ROWS, *EXTRA_ROWS):
        for concept in table1_concepts():
            name = cell(row, concept)
            if name not in cells:
                continue
            rows.append(
                {
                    "row": row,
                    "concept": concept,
                    **_quantiles(cells[name].to_numpy()),
                    "deterministic": float(det.loc[row, concept]) if det is not None and row in det.index else np.nan,
                    "report": _published(row, concept),
                }
            )
    return pd.DataFrame(rows)


def expected_table(summary: pd.DataFrame) -> pd.DataFrame:
    """Table 1 beside itself, in the report's layout (its valued rows in its order, then the
    tax-financing rows): per concept the point value (the report's assumptions), the expected
    value (the Monte Carlo's mean) and the 90 % interval (P5, P95), MNOK NPV. ``summary``:
    :func:`table1_uncertainty` with its ``deterministic`` column. Empty where a concept has no
    such cell (the report's "–")."""
    out = pd.DataFrame({"row": [*VALUED_ROWS, *EXTRA_ROWS]})
    s = summary.set_index(["row", "concept"])
    for concept in table1_concepts():
        for column, source in EXPECTED_PARTS.items():
            out[f"{concept}_{column}"] = [
                float(s.loc[(r, concept), source]) if (r, concept) in s.index else np.nan for r in out["row"]
            ]
    return out


#: The columns of :func:`expected_table` per concept: name suffix → column of :func:`table1_uncertainty`.
EXPECTED_PARTS = {"point": "deterministic", "expected": "mean", "p5": "p5", "p95": "p95"}


def _published(row: str, concept: str) -> float:
    """The report's value of a Table 1 cell (MNOK), NaN where it shows none."""
    value = TABLE1_PUBLISHED.get(row, {}).get(concept)
    return np.nan if value is None else float(value)


def staffing_uncertainty(mc: MonteCarlo) -> pd.DataFrame:
    """Scaled person-years per concept and year: mean and quantiles over the draws."""
    rows = []
    for concept, py in mc.person_years.items():
        for j, year in enumerate(mc.years):
            rows.append({"concept": concept, "year": int(year), **_quantiles(py[:, j])})
    return pd.DataFrame(rows)


#: The decision taken step by step: (concept, the concept it is set against; None: doing nothing).
STEPS: tuple[tuple[str, str | None], ...] = (("I", None), ("IIa", "I"), ("IIb", "IIa"), ("III", "IIb"))


def step_differences(mc: MonteCarlo) -> pd.DataFrame:
    """Per draw, each step's gain (MNOK NPV): the concept's sum minus the sum of the concept
    before it (:data:`STEPS`; I against doing nothing). Columns "I", "IIa - I", ..."""
    sums = mc.sums()
    return pd.DataFrame({step_label(c, prev): sums[c] - (sums[prev] if prev is not None else 0.0) for c, prev in STEPS})


def step_label(concept: str, previous: str | None) -> str:
    """ "I" or "IIa - I": a step's name in tables."""
    return concept if previous is None else f"{concept} - {previous}"


def decision_probabilities(mc: MonteCarlo) -> pd.DataFrame:
    """The decision step by step (:data:`STEPS`): for each step, the probability that it pays
    (its gain is positive: I > 0, IIa - I > 0, IIb - IIa > 0, III - IIb > 0) and the distribution
    of the gain (mean, P5, P10, P50, P90, P95; MNOK). Beside it, for the step's concept, the
    probability that its own sum is positive and that it ranks first of the four (P(best): largely
    structural, since III contains IIb and adds the centre's step; kept for comparison)."""
    sums = mc.sums()
    best = sums.to_numpy().argmax(axis=1)
    gains = step_differences(mc)
    rows = []
    for (concept, previous), (label, gain) in zip(STEPS, gains.items(), strict=True):
        x = gain.to_numpy()
        rows.append(
            {
                "step": label,
                "concept": concept,
                "previous": previous if previous is not None else "",
                "p_step_pays": float((x > 0).mean()),
                **{f"{k}_gain": v for k, v in _quantiles(x).items()},
                "p_positive": float((sums[concept].to_numpy() > 0).mean()),
                "p_best": float((best == list(sums.columns).index(concept)).mean()),
            }
        )
    return pd.DataFrame(rows)


def uncertainty_drivers(mc: MonteCarlo, distributions: tuple[Uncertain, ...] = DISTRIBUTIONS) -> pd.DataFrame:
    """What drives the spread of each concept's sum: Spearman rank correlation of every drawn
    assumption with the sum, and its share of the summed squared correlations (a rough share
    of the spread; correlated assumptions of one group split theirs). Sorted by concept, then
    by |correlation|, largest first."""
    label = {n: text for d in distributions for n, text in d.labels().items()}
    varied = [c for c in mc.draws.columns if mc.draws[c].nunique() > 1]
    x = stats.rankdata(mc.draws[varied].to_numpy(), axis=0)
    rows = []
    for concept, y in mc.sums().items():
        ry = stats.rankdata(y.to_numpy())
        rho = np.array([np.corrcoef(x[:, j], ry)[0, 1] for j in range(len(varied))]) if varied else np.array([])
        share = rho**2 / (rho**2).sum() if len(rho) and (rho**2).sum() > 0 else np.zeros(len(rho))
        for name, r, s in zip(varied, rho, share, strict=True):
            rows.append(
                {
                    "concept": concept,
                    "assumption": name,
                    "label": label.get(name, name),
                    "rank_correlation": r,
                    "share": s,
                }
            )
    out = pd.DataFrame(rows, columns=["concept", "assumption", "label", "rank_correlation", "share"])
    order = out["concept"].map({c: i for i, c in enumerate(table1_concepts())})
    return (
        out.assign(_c=order, _r=-out["rank_correlation"].abs())
        .sort_values(["_c", "_r"], kind="stable")
        .drop(columns=["_c", "_r"])
        .reset_index(drop=True)
    )


def scenario_values(a: Assumptions, distributions: tuple[Uncertain, ...] = DISTRIBUTIONS) -> pd.DataFrame:
    """The assumption values of each scenario: label, assumption, Pessimistisk, Forventet,
    Optimistisk. Uncertain assumptions sit at the :data:`SCENARIO_QUANTILE` / 1 - that quantile
    of their marginal, on their ``worse`` / better side; unit values move as
    :data:`SCENARIO_UNIT_VALUES` says; "Forventet" is the value in force."""
    rows = []
    for d in distributions:
        q = np.repeat([[SCENARIO_QUANTILE], [1 - SCENARIO_QUANTILE]], len(d.names), axis=1)
        ends = d.ppf(q, a)
        for name in d.names:
            lo, hi = ends[name]
            bad, good = (lo, hi) if d.worse == "low" else (hi, lo)
            rows.append(
                {
                    "label": d.labels()[name],
                    "assumption": name,
                    SCENARIOS[0]: bad,
                    SCENARIOS[1]: float(getattr(a, name)),
                    SCENARIOS[2]: good,
                }
            )
    for name, (label, pess, opt, relative) in SCENARIO_UNIT_VALUES.items():
        value = float(getattr(a, name))
        f = value if relative else 1.0
        rows.append(
            {"label": label, "assumption": name, SCENARIOS[0]: pess * f, SCENARIOS[1]: value, SCENARIOS[2]: opt * f}
        )
    return pd.DataFrame(rows)


def scenarios(rates: pd.DataFrame | BoardHours, a: Assumptions, observed_wait_s: float | None = None) -> pd.DataFrame:
    """Table 1 in the pessimistic, expected and optimistic scenario (exact staffing), with the
    tax-financing rows (:func:`tax_financing`): columns scenario, row, I, IIa, IIb, III (MNOK NPV)."""
    values = scenario_values(a).set_index("assumption")[list(SCENARIOS)].T
    batch = Batch(a, values.reset_index(drop=True))
    cells, _ = evaluate(Engine(rates, a), batch, observed_wait_s)
    cells = pd.concat([cells, tax_financing(cells, a)], axis=1)
    rows = []
    for i, scenario in enumerate(SCENARIOS):
        for row in (*VALUED_ROWS, *EXTRA_ROWS):
            rows.append(
                {
                    "scenario": scenario,
                    "row": row,
                    **{c: cells[cell(row, c)].iloc[i] if cell(row, c) in cells else np.nan for c in table1_concepts()},
                }
            )
    return pd.DataFrame(rows)


# --- variance-based sensitivity (Sobol indices, SALib) ---------------------------------------------

SOBOL_COLUMNS = ["concept", "group", "S1", "S1_conf", "ST", "ST_conf", "rank_S1", "rank_ST"]


def sobol_indices(
    mc: MonteCarlo,
    rates: pd.DataFrame | BoardHours,
    n_base: int = 1024,
    seed: int = DEFAULT_SEED,
    observed_wait_s: float | None = None,
    distributions: tuple[Uncertain, ...] = DISTRIBUTIONS,
) -> pd.DataFrame:
    """First-order (S1) and total (ST) Sobol indices of each concept's sum for every group of
    ``distributions``, with SALib: Saltelli's scheme (``SALib.sample.sobol``, ``n_base`` x
    (groups + 2) points, no second order), valued on the same engine and surrogate as ``mc``
    (:func:`support` covers every point), analysed by ``SALib.analyze.sobol`` (95 % bootstrap
    intervals ``*_conf``, seeded).

    Sobol's decomposition needs independent factors: each group is one factor (its names keep
    their within-group copula), and :data:`CROSS_CORRELATIONS` are left out here (a group
    correlated with another would share its variance; the Monte Carlo keeps them). Columns
    :data:`SOBOL_COLUMNS`; ranks 1 = largest, per concept."""
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    varied = [d for d in distributions if d.family != "point" and any(hi > lo for _, lo, _, hi in d.parameters(mc.a))]
    names = [n for d in varied for n in d.names]
    problem = {
        "num_vars": len(names),
        "names": names,
        "groups": [d.label for d in varied for _ in d.names],
        "bounds": [[0.0, 1.0]] * len(names),
    }
    u = sobol_sample.sample(problem, n_base, calc_second_order=False, seed=seed)
    corr = correlation_matrix(tuple(varied), ()).to_numpy()
    values = pd.DataFrame(_to_values(u, mc.a, tuple(varied), corr))
    engine = Engine(rates, mc.a)
    cells, _ = evaluate(engine, Batch(mc.a, values), observed_wait_s, mc.surrogate)
    sample = MonteCarlo(values, cells, {}, mc.years, mc.a)
    rows = []
    for concept, y in sample.sums().items():
        res = sobol_analyze.analyze(problem, y.to_numpy(), calc_second_order=False, seed=seed)
        groups = [d.label for d in varied]
        t = pd.DataFrame(
            {
                "concept": concept,
                "group": groups,
                "S1": np.asarray(res["S1"], dtype=float),
                "S1_conf": np.asarray(res["S1_conf"], dtype=float),
                "ST": np.asarray(res["ST"], dtype=float),
                "ST_conf": np.asarray(res["ST_conf"], dtype=float),
            }
        )
        t["rank_S1"] = t["S1"].rank(ascending=False, method="first").astype(int)
        t["rank_ST"] = t["ST"].rank(ascending=False, method="first").astype(int)
        rows.append(t.sort_values("ST", ascending=False, kind="stable"))
    return pd.concat(rows, ignore_index=True)[SOBOL_COLUMNS]


def driver_ranks(
    drivers: pd.DataFrame, sobol: pd.DataFrame, distributions: tuple[Uncertain, ...] = DISTRIBUTIONS
) -> pd.DataFrame:
    """The two rankings of the groups side by side, per concept: by the summed squared rank
    correlations of their names (:func:`uncertainty_drivers`) and by the total Sobol index.
    Columns concept, group, share (drivers), rank_drivers, ST, rank_ST, differ (the ranks differ)."""
    group = {n: d.label for d in distributions for n in d.names}
    shares = (
        drivers.assign(group=drivers["assumption"].map(group)).groupby(["concept", "group"], sort=False)["share"].sum()
    )
    out = sobol[["concept", "group", "ST", "rank_ST"]].merge(shares.rename("share").reset_index(), how="left")
    out["share"] = out["share"].fillna(0.0)
    out["rank_drivers"] = out.groupby("concept")["share"].rank(ascending=False, method="first").astype(int)
    out["differ"] = out["rank_drivers"] != out["rank_ST"]
    return out[["concept", "group", "share", "rank_drivers", "ST", "rank_ST", "differ"]]


# --- the model's structure: discrete choices as separate scenarios -----------------------------------


@dataclass(frozen=True)
class Structure:
    """One structural reading of the staffing model, valued as a Monte Carlo of its own:
    ``label`` (Norwegian), ``overrides`` of the assumptions, and why it is a scenario, not a draw."""

    label: str
    overrides: dict[str, Any]
    reason: str


#: The discrete choices of the model. They are shown as separate scenarios, not drawn: no source
#: gives a weight to Erlang C against Erlang A (the report uses C and knows it overstates, App. B),
#: to a service level counted on answered or on offered calls, to a floor of one or two agents
#: per board ("minimumsbemanning", §7.2.1.1, no number), or to the report's relative scaling
#: against an absolute one, and a weight of this project's own would decide the expected value.
#: The absolute readings divide by today's implied staffing (issue 23 made it recover a known
#: plan) and use Erlang A, whose agent-hours are comparable with those implied: Erlang C's are
#: not (nobody hangs up in it), which is why the report scales relatively.
STRUCTURES: tuple[Structure, ...] = (
    Structure("Erlang C, minst 1 agent (rapporten)", {}, "App. B: the report's model"),
    Structure(
        "Erlang C, minst 2 agenter",
        {"min_agents": 2},
        "§7.2.1.1: each board needs a minimum staffing; two agents per open board is a common reading",
    ),
    Structure(
        "Erlang A, servicenivå blant besvarte",
        {"queue_model": "erlang_a", "service_level_basis": "answered"},
        "§13: callers hang up (a fifth did in 2023); A.1 counts 80/95 among answered calls",
    ),
    Structure(
        "Erlang A, servicenivå blant alle anrop",
        {"queue_model": "erlang_a", "service_level_basis": "offered"},
        "§13: a hang-up counts as a miss",
    ),
    Structure(
        "Erlang C, befolkningsvekst (SSB 14288)",
        {"population_growth": "on"},
        "the report holds 2023's volume flat; SSB's projection (table 14288, MMMM) lets it grow with the "
        "modelled districts' population, the share of that growth drawn (Befolkningsvekst)",
    ),
    Structure(
        "Erlang A, blant besvarte, absolutt skalering",
        {"queue_model": "erlang_a", "service_level_basis": "answered", "scaling": "implied"},
        "App. B scales relatively because Erlang C overstates; with hang-ups modelled, today's implied "
        "staffing (notebook 05) can stand for today's 90 person-years instead of S_base",
    ),
    Structure(
        "Erlang A, blant alle anrop, absolutt skalering",
        {"queue_model": "erlang_a", "service_level_basis": "offered", "scaling": "implied"},
        "as above, with a hang-up counting as a miss",
    ),
)

#: Assumptions that only turn agent-hours into person-years: readings that differ in these alone
#: staff alike, so they share one Monte Carlo's draws and surrogate.
SCALE_ONLY: tuple[str, ...] = ("scaling", "implied_agent_hours")

STRUCTURE_COLUMNS = ["structure", "concept", "draws", "point", "mean", "p5", "p95", "p_positive"]


def structural_scenarios(
    rates: pd.DataFrame | BoardHours,
    a: Assumptions,
    observed_wait_s: float | None,
    n: int,
    seed: int = DEFAULT_SEED,
    structures: tuple[Structure, ...] = STRUCTURES,
    patience_s: float | None = None,
    erlang_a_draws: int | None = None,
    base: MonteCarlo | None = None,
    threads: int | None = None,
    implied_agent_hours: float | None = None,
) -> pd.DataFrame:
    """Each concept's sum under every :data:`STRUCTURES` reading: the point value (exact, the
    values in force) and a Monte Carlo of ``n`` draws of its own (the same draws, seed ``seed``),
    mean, P5, P95 and P(sum > 0). Erlang A needs ``patience_s`` (notebook 05's fit), the absolute
    scaling ``implied_agent_hours`` (notebook 05's implied staffing); a reading whose input is
    None is left out. Erlang A's Monte Carlo takes ``erlang_a_draws`` (default ``n``; 0: the
    point value only, since each of its surrogates costs several times Erlang C's). ``base``: a
    Monte Carlo already made at ``a`` (the notebook's), used for the reading without overrides
    instead of a new one. Readings that differ only in :data:`SCALE_ONLY` share one Monte Carlo's
    draws and surrogate (the same agent-hours, scaled otherwise). The point value is read from the
    reading's surrogate at its anchor, where it is the exact solve (a test holds it to the exact
    model). The readings are independent and run in ``threads`` threads (None: every usable core;
    NumPy and SciPy release the GIL in their loops), the same numbers in any number. Columns
    :data:`STRUCTURE_COLUMNS`."""
    todo = []
    for st in structures:
        over = dict(st.overrides)
        is_a = over.get("queue_model") == "erlang_a"
        if is_a:
            if patience_s is None:
                continue
            over["patience_s"] = patience_s
        if over.get("scaling") == "implied":
            if implied_agent_hours is None:
                continue
            over["implied_agent_hours"] = implied_agent_hours
        todo.append((st, a.replace(**over), (n if erlang_a_draws is None else erlang_a_draws) if is_a else n, not over))

    # A reading staffed like an earlier one (the same assumptions but for SCALE_ONLY) is valued on its Monte Carlo.
    plain = {name: getattr(Assumptions(), name) for name in SCALE_ONLY}
    keys = [b.replace(**plain) for _, b, _, _ in todo]
    parent = [keys.index(key) for key in keys]

    def simulate(item: tuple[Structure, Assumptions, int, bool]) -> MonteCarlo | None:
        _, b, k, is_plain = item
        if is_plain and base is not None and base.a == a:
            return base
        return monte_carlo(rates, b, n=k, seed=seed, observed_wait_s=observed_wait_s) if k > 0 else None

    def rows_of(st: Structure, b: Assumptions, mc: MonteCarlo | None) -> list[dict[str, Any]]:
        # the point value: exact; the surrogate is the exact solve at its anchor (the values in force)
        engine = mc.surrogate.engine if mc is not None and mc.surrogate is not None else Engine(rates, b)
        surrogate = mc.surrogate if mc is not None and mc.surrogate is not None else None
        point, _ = evaluate(engine, Batch(b, pd.DataFrame(index=[0])), observed_wait_s, surrogate)
        if mc is not None and mc.a != b:  # a reading that shares the staffing of mc: its own valuation
            cells, _ = evaluate(engine, Batch(b, mc.draws), observed_wait_s, surrogate)
            mc = MonteCarlo(mc.draws, cells, {}, mc.years, b, surrogate, mc.nodes)
        sums = mc.sums() if mc is not None else None
        rows = []
        for concept in table1_concepts():
            x = sums[concept].to_numpy() if sums is not None else np.array([np.nan])
            rows.append(
                {
                    "structure": st.label,
                    "concept": concept,
                    "draws": len(mc.draws) if mc is not None else 0,
                    "point": float(point[cell(SUM, concept)].iloc[0]),
                    "mean": float(np.mean(x)),
                    "p5": float(np.quantile(x, 0.05)) if mc is not None else np.nan,
                    "p95": float(np.quantile(x, 0.95)) if mc is not None else np.nan,
                    "p_positive": float((x > 0).mean()) if mc is not None else np.nan,
                }
            )
        return rows

    # One Monte Carlo per distinct staffing, the costliest (Erlang A) first, so the last to finish are short.
    own = [i for i in range(len(todo)) if parent[i] == i]
    own.sort(key=lambda i: -todo[i][2] * (todo[i][1].queue_model == "erlang_a"))
    with ThreadPoolExecutor(max_workers=parallel.workers(threads, len(own))) as ex:
        made = dict(zip(own, ex.map(simulate, [todo[i] for i in own]), strict=True))
    rows = [row for i, (st, b, _, _) in enumerate(todo) for row in rows_of(st, b, made[parent[i]])]
    return pd.DataFrame(rows, columns=STRUCTURE_COLUMNS)


# --- figures ------------------------------------------------------------------------------------


def interval_chart(summary: pd.DataFrame):
    """ "Sum verdsatte virkninger" per concept: the 90 % and 80 % intervals, median and mean of the
    Monte Carlo, beside this project's point value and the report's (``summary``:
    :func:`table1_uncertainty`). Returns the figure."""
    from lib.core import plotstyle
    from lib.valuation.table1 import concept_labels

    t = summary[summary["row"] == SUM].reset_index(drop=True)
    fig, ax = plotstyle.subplots(figsize=(9, 4.8))
    y = np.arange(len(t))[::-1]
    ax.hlines(y, t["p5"], t["p95"], color=plotstyle.LIGHT_BLUE, linewidth=3, label="90 % intervall (P5–P95)")
    ax.hlines(y, t["p10"], t["p90"], color=plotstyle.BLUE, linewidth=9, label="80 % intervall (P10–P90)")
    ax.plot(t["p50"], y, "o", color="white", markeredgecolor="black", label="Median")
    ax.plot(t["mean"], y, "|", color="black", markersize=18, markeredgewidth=2, label="Forventning (gjennomsnitt)")
    ax.plot(t["deterministic"], y + 0.28, "D", color=plotstyle.ORANGE, label="Punktanslag (rapportens forutsetninger)")
    ax.plot(t["report"], y + 0.28, "x", color="black", markersize=9, label="Rapportens tabell 1")
    ax.axvline(0, color=plotstyle.GREY, linewidth=1)
    labels = concept_labels()
    ax.set_yticks(y, [labels[c] for c in t["concept"]])
    ax.set_ylabel("Konsept")
    ax.set_xlabel("Sum verdsatte virkninger, nåverdi 2026–2033 (mill. kr)")
    plotstyle.axis_format(ax, "x")
    ax.set_title("Usikkerhet i sum verdsatte virkninger: Monte Carlo mot punktanslagene")
    plotstyle.legend_below(fig, ncol=3)
    return fig


def difference_histogram(mc: MonteCarlo, first: str = "III", second: str = "IIb", bins: int = 60):
    """Histogram of the sum of ``first`` minus that of ``second`` over the draws (MNOK), with the
    probability that ``first`` is better in the title. Returns the figure."""
    from lib.core import plotstyle

    sums = mc.sums()
    d = (sums[first] - sums[second]).to_numpy()
    p = float((d > 0).mean())
    fig, ax = plotstyle.subplots(figsize=(9, 4.2))
    ax.hist(d, bins=bins, color=plotstyle.LIGHT_BLUE, histtype="stepfilled")
    ax.axvline(0, color="black", linewidth=1)
    for q, style in ((0.05, ":"), (0.5, "--"), (0.95, ":")):
        ax.axvline(np.quantile(d, q), color=plotstyle.ORANGE, linestyle=style, label=f"P{round(q * 100)}")
    ax.set_xlabel(f"Konsept {first} minus konsept {second}, sum verdsatte virkninger (mill. kr)")
    ax.set_ylabel("Antall trekninger")
    plotstyle.axis_format(ax, "x")
    plotstyle.axis_format(ax, "y")
    ax.set_title(
        f"Konsept {first} mot {second}: sannsynlighet {plotstyle.number(100 * p, 1)} % for at {first} gir mest "
        f"({plotstyle.number(len(d))} trekninger)"
    )
    plotstyle.legend_below(fig)
    return fig


def drivers_chart(drivers: pd.DataFrame, concept: str = "III", top: int = 8):
    """Bar chart of the rank correlations of the ``top`` drivers of one concept's sum."""
    from lib.core import plotstyle

    t = drivers[drivers["concept"] == concept].head(top).iloc[::-1]
    if t.empty:
        raise ValueError(f"no drivers for concept {concept!r}")
    fig, ax = plotstyle.subplots(figsize=(9, 0.4 * len(t) + 1.8))
    y = np.arange(len(t))
    up = t["rank_correlation"].to_numpy() > 0
    ax.barh(y[up], t["rank_correlation"][up], color=plotstyle.BLUE, label="Høyere verdi gir høyere sum")
    ax.barh(y[~up], t["rank_correlation"][~up], color=plotstyle.ORANGE, label="Høyere verdi gir lavere sum")
    ax.set_yticks(y, list(t["label"]))
    ax.set_ylabel("Forutsetning")
    ax.axvline(0, color="black", linewidth=1)
    ax.set_xlim(-1, 1)
    ax.set_xlabel("Rangkorrelasjon med sum verdsatte virkninger")
    plotstyle.axis_format(ax, "x", decimals=1)
    ax.set_title(f"Hva driver usikkerheten, konsept {concept}")
    plotstyle.legend_below(fig)
    return fig


def sobol_chart(sobol: pd.DataFrame, concept: str = "III"):
    """First-order and total Sobol indices of one concept's sum per group of assumptions (bars,
    with the bootstrap 95 % intervals). Returns the figure."""
    from lib.core import plotstyle

    t = sobol[sobol["concept"] == concept].sort_values("ST").reset_index(drop=True)
    if t.empty:
        raise ValueError(f"no Sobol indices for concept {concept!r}")
    fig, ax = plotstyle.subplots(figsize=(9, 0.45 * len(t) + 1.8))
    y = np.arange(len(t))
    ax.barh(y + 0.2, t["ST"], height=0.38, xerr=t["ST_conf"], color=plotstyle.BLUE, label="Total indeks (ST)")
    ax.barh(y - 0.2, t["S1"], height=0.38, xerr=t["S1_conf"], color=plotstyle.ORANGE, label="Førsteordens indeks (S1)")
    ax.set_yticks(y, list(t["group"]))
    ax.set_ylabel("Gruppe av forutsetninger")
    ax.set_xlim(0, max(1.0, float((t["ST"] + t["ST_conf"]).max())))
    ax.set_xlabel("Andel av variansen i sum verdsatte virkninger")
    plotstyle.axis_format(ax, "x", decimals=1)
    ax.set_title(f"Sobol-indekser, konsept {concept}")
    plotstyle.legend_below(fig)
    return fig
