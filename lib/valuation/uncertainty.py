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
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pandas as pd
from scipy import stats

from lib.core.assumptions import TABLE1_PUBLISHED, Assumptions, analysis_years
from lib.model.concepts import BoardHours, table1_concepts
from lib.model.engine import Engine
from lib.valuation.batch import StaffingArrays, Surrogate, check_batch, staffing_arrays
from lib.valuation.economics import SUM, VALUED_ROWS, present_values

QUANTILES = (0.05, 0.10, 0.50, 0.90, 0.95)
QUANTILE_COLUMNS = ["p5", "p10", "p50", "p90", "p95"]
DEFAULT_DRAWS = 10_000
DEFAULT_SEED = 20240702
FAMILIES = ("triangular", "uniform", "point")


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
    (appended to ``label``); ``reason``: what the range rests on.
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
        out = []
        for name, lo, m, hi in zip(self.names, self.low, mode, self.high, strict=True):
            value = float(getattr(a, name))
            if self.family == "point":
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
            else:
                out[name] = stats.triang.ppf(u[:, j], (m - lo) / (hi - lo), loc=lo, scale=hi - lo)
        return out


#: The uncertain assumptions of the Monte Carlo, in the order they are drawn.
DISTRIBUTIONS: tuple[Uncertain, ...] = (
    Uncertain(
        "Reduksjon i telefoner fra politiet.no",
        ("call_reduction_politiet_no",),
        (0.03,),
        (0.15,),
        "§5.2.2.1, fn 10: 10 % 'på usikkert grunnlag', the working group's judgement with no measurement; "
        "3-15 % around it, longer on the low side since the effect is untested",
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
    ),
    Uncertain(
        "Ressursbruk livechat / telefon",
        ("chat_handling_factor",),
        (0.35,),
        (0.75,),
        "§6.2.1.1: ContactBabel (2023), an average over UK firms; police chats may need more "
        "(identification, case notes), so the range is wider above 51 %",
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
        "§6.2.3, §7.2.2.1: rough estimates ('på usikkert grunnlag'); public IT and reorganisation "
        "projects overrun more often than they underrun, so the range is skewed upwards",
        worse="high",
        relative=True,
        correlation=0.5,
        parts=("livechat", "chatbot", "kontaktsenter"),
    ),
    Uncertain(
        "Drift",
        (
            "concept_i_running_person_years",
            "chat_running_person_years",
            "live_chat_licence_mnok_per_year",
            "chatbot_licence_mnok_per_year",
        ),
        (0.75, 0.75, 0.8, 0.8),
        (1.5, 1.5, 1.5, 1.5),
        "§5.2.3.2, §6.2.3: 'på usikkert grunnlag'; running effort and licence prices skewed upwards",
        worse="high",
        relative=True,
        correlation=0.5,
        parts=("årsverk politiet.no", "årsverk chat", "lisens livechat", "lisens chatbot"),
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
            mean = (lo + m + hi) / 3 if d.family == "triangular" else (lo + hi) / 2
            rows.append(
                {
                    "label": labels[name],
                    "group": d.label,
                    "assumption": name,
                    "family": d.family,
                    "low": lo,
                    "mode": m if d.family == "triangular" else np.nan,
                    "high": hi,
                    "mean": mean,
                    "value_in_force": float(getattr(a, name)),
                    "correlation": d.correlation if len(d.names) > 1 else np.nan,
                    "reason": d.reason,
                }
            )
    return pd.DataFrame(rows)


def draw(n: int, seed: int, a: Assumptions, distributions: tuple[Uncertain, ...] = DISTRIBUTIONS) -> pd.DataFrame:
    """``n`` draws of every uncertain assumption (one column each), deterministic from ``seed``.

    Each group's names share a Gaussian copula with its ``correlation``; groups are independent.
    """
    if n < 1:
        raise ValueError(f"n={n}: need at least one draw")
    rng = np.random.default_rng(seed)
    out: dict[str, np.ndarray] = {}
    for d in distributions:
        k = len(d.names)
        corr = np.full((k, k), d.correlation)
        np.fill_diagonal(corr, 1.0)
        z = rng.standard_normal((n, k)) @ np.linalg.cholesky(corr).T
        out.update(d.ppf(stats.norm.cdf(z), a))
    return pd.DataFrame(out)


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
        """ "Sum verdsatte virkninger" per draw, one column per Table 1 concept."""
        return pd.DataFrame({c: self.cells[cell(SUM, c)] for c in table1_concepts()})


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
    step: tuple[float, float] = (0.01, 0.01),
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
    surrogate = None if exact else Surrogate(engine, a, step).fit(batch.assumptions())
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
    rows = []
    for row in VALUED_ROWS:
        for concept in table1_concepts():
            name = cell(row, concept)
            if name not in mc.cells:
                continue
            rows.append(
                {
                    "row": row,
                    "concept": concept,
                    **_quantiles(mc.cells[name].to_numpy()),
                    "deterministic": float(det.loc[row, concept]) if det is not None else np.nan,
                    "report": _published(row, concept),
                }
            )
    return pd.DataFrame(rows)


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


def decision_probabilities(mc: MonteCarlo, versus: str = "IIb") -> pd.DataFrame:
    """Per concept: the probability that its sum is positive, that it ranks first, and that it
    beats ``versus`` (NaN for ``versus`` itself), with the mean, p5 and p95 of the sum (MNOK)."""
    sums = mc.sums()
    best = sums.to_numpy().argmax(axis=1)
    rows = []
    for j, concept in enumerate(sums.columns):
        x = sums[concept].to_numpy()
        rows.append(
            {
                "concept": concept,
                "p_positive": float((x > 0).mean()),
                "p_best": float((best == j).mean()),
                f"p_beats_{versus}": np.nan if concept == versus else float((x > sums[versus].to_numpy()).mean()),
                "mean_sum": float(x.mean()),
                "p5_sum": float(np.quantile(x, 0.05)),
                "p95_sum": float(np.quantile(x, 0.95)),
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
    """Table 1 in the pessimistic, expected and optimistic scenario (exact staffing): columns
    scenario, row, I, IIa, IIb, III (MNOK NPV)."""
    values = scenario_values(a).set_index("assumption")[list(SCENARIOS)].T
    batch = Batch(a, values.reset_index(drop=True))
    cells, _ = evaluate(Engine(rates, a), batch, observed_wait_s)
    rows = []
    for i, scenario in enumerate(SCENARIOS):
        for row in VALUED_ROWS:
            rows.append(
                {
                    "scenario": scenario,
                    "row": row,
                    **{c: cells[cell(row, c)].iloc[i] if cell(row, c) in cells else np.nan for c in table1_concepts()},
                }
            )
    return pd.DataFrame(rows)


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
