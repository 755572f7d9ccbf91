"""Valuation of the concepts' effects: discounting, unit values, per-year cash flows, today's cost.

Conventions (§5.2.1; docs/model.md §7): amounts in million NOK (MNOK), 2023 kroner held constant
in real terms; the period is ``first_year``..``last_year`` (2026-2033) with the first year
as year 0, undiscounted, so ``NPV = sum_y X_y / (1 + r) ** (y - first_year)``; with
r = 4 % and eight years a constant 1 per year is worth the annuity factor 7.00205.

:func:`cash_flows` is the one place where every valued cell of Table 1 is built: a long
table with one row per Table 1 row, concept, component and year, holding the undiscounted
amount, the discount factor and the present value. :mod:`lib.valuation.table1` sums it into the
table; the same rows, exported, let an analyst follow every cell in Excel.

The valuation is data. Every Table 1 concept (:func:`lib.model.concepts.table1_concepts`) is
valued with the components of each step of its chain back to the base model (concepts
build on each other, §5.2.1): the staffing effects of :func:`lib.model.concepts.effects_for`
(police time, valued at the person-year cost) and the entries of :data:`VALUATION`
(citizen time, investments, running costs), each naming its concept step, Table 1 row,
Norwegian label and the :data:`KINDS` formula that computes it. A new concept is a new
entry in :mod:`lib.model.concepts` (and here, for any costs of its own), not new code.

Every number comes from an :class:`lib.core.assumptions.Assumptions`; staffing results come
through :class:`StaffingSource` (the :class:`lib.model.staffing.StaffingResult` of
:func:`lib.model.staffing.run_all`, or a Monte Carlo batch's arrays).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd

from lib.core.assumptions import PUBLISHED, Assumptions, analysis_years
from lib.core.districts import OPS, SWITCHBOARD
from lib.model.concepts import (
    CHATBOT,
    CONTACT_CENTRE,
    LIVECHAT,
    POLITIET_NO,
    chain,
    channel_mix,
    chat_share,
    effects_for,
    get,
    table1_concepts,
    transfer_share,
)
from lib.traffic.population import volume_growth

# Table 1 rows that carry money (the report's labels), in the report's order.
CITIZEN = "Spart tid innbyggere"
INVESTMENT = "Investeringskostnader"
RUNNING = "Driftskostnader"
SUM = "Sum verdsatte virkninger"
BENEFIT_ROWS: tuple[str, ...] = (CITIZEN, POLITIET_NO, LIVECHAT, CHATBOT, CONTACT_CENTRE)
COST_ROWS: tuple[str, ...] = (INVESTMENT, RUNNING)
VALUED_ROWS: tuple[str, ...] = BENEFIT_ROWS + COST_ROWS + (SUM,)

CASH_FLOW_COLUMNS = ["row", "concept", "component", "year", "amount_mnok", "discount_factor", "present_value_mnok"]


# --- discounting ---------------------------------------------------------------------------


def discount_factor(year: np.ndarray | int, a: Assumptions) -> np.ndarray:
    """``1 / (1 + r) ** (year - first_year)``: 1 in the first year (year 0). Broadcasts."""
    return (1.0 + a.discount_rate) ** -(np.asarray(year, dtype=float) - a.first_year)


def annuity_factor(a: Assumptions) -> float:
    """Present value of 1 per year over the period (7.00205 for 8 years at 4 %)."""
    return float(discount_factor(analysis_years(a), a).sum())


def npv(flows: pd.Series, a: Assumptions) -> float:
    """Net present value of amounts indexed by year (any unit in, the same unit out)."""
    flows = pd.Series(flows)
    return float((flows.to_numpy(dtype=float) * discount_factor(flows.index.to_numpy(), a)).sum())


# --- unit values ---------------------------------------------------------------------------


def mnok_per_person_year(a: Assumptions) -> float:
    """MNOK per person-year (civilian adviser, §5.2.1)."""
    return a.cost_per_person_year_nok / 1e6


def nok_per_citizen_hour(a: Assumptions) -> float:
    """Value of a citizen's hour, NOK per hour (leisure person-year / hours: 337.857)."""
    return a.leisure_value_per_person_year_nok / a.hours_per_person_year


def zero_alternative_calls(a: Assumptions) -> float:
    """Calls per year in the zero alternative, national (registered + Trøndelag switchboard);
    an ``(n, 1)`` array for a batch that draws the Trøndelag estimate."""
    total = np.asarray(a.registered_calls_2023 + a.trondelag_switchboard_calls_2023, dtype=float)
    return float(total) if total.ndim == 0 else total  # type: ignore[return-value]


def chat_shares(years: np.ndarray, a: Assumptions) -> tuple[np.ndarray, np.ndarray]:
    """``(s_y, r_y)`` for ``years``: chat (or chatbot) share of contacts and transfer share.

    Delegates to :mod:`lib.model.concepts` so the staffing model and the valuation share one
    definition (linear from the first to the last year).
    """
    years = np.asarray(years)
    return (
        per_year([chat_share(int(y), a) for y in years]),
        per_year([transfer_share(int(y), a) for y in years]),
    )


def per_year(values: list) -> np.ndarray:
    """One value per year as an array on the last axis: ``(years,)`` for floats, ``(n, years)``
    for the ``(n, 1)`` arrays of a batch of assumption sets (:class:`lib.valuation.uncertainty.Batch`)."""
    return np.concatenate([np.atleast_1d(np.asarray(v, dtype=float)) for v in values], axis=-1)


def observed_mean_wait_s(calls: pd.DataFrame) -> float:
    """Today's mean wait of the answered calls in the cleaned log (s): the access time
    (*aksesstid*) that Tabell A.2 publishes and from which the report's "about 50 seconds per
    phone call" of III's shorter wait (§7.2.1.2) is measured. A caller who hangs up waits too,
    but gains no answer sooner under III; on a queue-consistent log their waits (up to the
    30-minute cleaning limit) would lift an all-call mean well above the report's reading.
    For interval statistics: the answered calls' total wait / the answered calls (the total
    wait of all callers / the calls offered where the export did not give the answered calls'
    wait, :mod:`lib.calllog.intervals`)."""
    if "offered" in calls.columns:
        answered = float(calls["answered"].sum())
        waited = calls["wait_answered_s"].to_numpy(dtype=float)
        if answered > 0 and np.isfinite(waited).all():
            return float(waited.sum()) / answered
        offered = float(calls["offered"].sum())
        if offered == 0:
            raise ValueError("calls: the interval table has no calls")
        return float(calls["wait_total_s"].sum()) / offered
    _require(calls, ["wait_s", "answered"], "calls")
    answered_calls = calls["answered"].to_numpy(dtype=bool)
    if not answered_calls.any():
        raise ValueError("calls: the log has no answered call")
    return float(calls["wait_s"].to_numpy(dtype=float)[answered_calls].mean())


# --- the valuation as data -------------------------------------------------------------------


def _require(frame: pd.DataFrame, columns: list[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{what}: missing column(s) {missing}; has {list(frame.columns)}")


class StaffingSource(Protocol):
    """Staffing results a valuation reads, one value per analysis year (``(years,)``), or per
    draw and year (``(n, years)``) for a batch of assumption sets: a
    :class:`lib.model.staffing.StaffingResult`, or :class:`lib.valuation.batch.StaffingArrays`."""

    def staffing(self, concept: str, value: str) -> np.ndarray:
        """``value`` (person_years, asa_s) of ``concept``."""
        ...

    def effect(self, name: str) -> np.ndarray:
        """Person-years saved per year by the staffing effect ``name``."""
        ...


@dataclass(frozen=True)
class Valuation:
    """What a component formula is given: the years, the assumptions, the staffing results
    and today's observed mean wait (s, or None).

    ``a`` is an :class:`lib.core.assumptions.Assumptions`, or a batch of them
    (:class:`lib.valuation.uncertainty.Batch`, whose varied values are ``(n, 1)`` arrays): every
    formula is written with numpy operations that broadcast, so one call values every draw.
    """

    years: np.ndarray
    a: Assumptions
    source: StaffingSource
    observed_wait_s: float | None

    @property
    def per_citizen_minute(self) -> float:
        """MNOK per citizen minute."""
        return nok_per_citizen_hour(self.a) / 60 / 1e6

    def zeros(self) -> np.ndarray:
        return np.zeros(len(self.years))

    def staffing(self, concept: str, value: str) -> np.ndarray:
        """``value`` (person_years, asa_s) of ``concept`` per analysis year."""
        return self.source.staffing(concept, value)

    def amount(self, c: Component) -> np.ndarray:
        """The assumption a component names (its amount per year, or per unit)."""
        if c.assumption is None:
            raise ValueError(f"component {c.label!r} of kind {c.kind!r} needs an assumption")
        return np.asarray(getattr(self.a, c.assumption), dtype=float)

    def contacts(self, concept: str) -> tuple[np.ndarray, np.ndarray]:
        """National contacts per year left after politiet.no, and s_y, for ``concept``."""
        remaining = per_year([channel_mix(concept, int(y), self.a).remaining for y in self.years])
        s, _ = chat_shares(self.years, self.a)
        return zero_alternative_calls(self.a) * remaining, s


def _fewer_calls(v: Valuation, c: Component) -> np.ndarray:
    """Citizen time saved by the calls politiet.no removes (§5.2.2.2), on each year's volume."""
    a = v.a
    n = zero_alternative_calls(a) * per_year([volume_growth(int(y), a) for y in v.years])
    return n * a.call_reduction_politiet_no * a.citizen_minutes_per_call * v.per_citizen_minute + v.zeros()


def _chatbot_contacts(v: Valuation, c: Component, transferred: bool) -> np.ndarray:
    """National chatbot contacts per year: those transferred to live chat (s_y r_y of the
    contacts left after politiet.no), or those the chatbot answers (s_y (1 - r_y))."""
    remaining, s = v.contacts(c.concept)
    _, r = chat_shares(v.years, v.a)
    return remaining * s * (r if transferred else 1 - r)


def _chatbot_answered(v: Valuation, c: Component) -> np.ndarray:
    """Citizen time saved by chatbot contacts not transferred: 5 - 3 minutes each (§6.2.2.2)."""
    a = v.a
    minutes = a.citizen_minutes_per_call - a.citizen_minutes_per_chatbot_contact
    return _chatbot_contacts(v, c, transferred=False) * minutes * v.per_citizen_minute


def _chatbot_transferred(v: Valuation, c: Component) -> np.ndarray:
    """Citizen time saved by chatbot contacts transferred to live chat: 5 - 3 - 2 minutes (§6.2.2.2)."""
    a = v.a
    minutes = a.citizen_minutes_per_call - a.citizen_minutes_per_chatbot_contact - a.citizen_extra_minutes_transfer
    return _chatbot_contacts(v, c, transferred=True) * minutes * v.per_citizen_minute


def wait_before_s(v: Valuation, concept: str) -> np.ndarray:
    """The wait a concept's shorter wait is measured from (s per phone call, per year):
    today's observed mean wait (``iii_wait_reduction="observed"`` or ``"scaled"``, the report's
    ≈ 50 s reading of §7.2.1.2) or the model's ASA of the previous concept (``"model"``)."""
    if v.a.iii_wait_reduction == "model":
        previous = get(concept).previous
        assert previous is not None, f"concept {concept!r} has no previous concept to measure its wait against"
        return v.staffing(previous, "asa_s")
    if v.observed_wait_s is None:
        raise ValueError(
            "iii_wait_reduction='observed' needs observed_wait_s, today's mean wait in the log "
            "(economics.observed_mean_wait_s)"
        )
    return float(v.observed_wait_s) + v.zeros()


def wait_after_s(v: Valuation, concept: str) -> np.ndarray:
    """The wait a concept's shorter wait is measured to (s per phone call, per year): the
    model's ASA of the concept, or under ``iii_wait_reduction="scaled"`` today's observed wait
    scaled as the model's waits scale, ``W_observed x ASA_concept / ASA_base`` (the reading
    consistent with the relatively scaled person-years, docs/model.md §12)."""
    asa = v.staffing(concept, "asa_s")
    if v.a.iii_wait_reduction == "scaled":
        return wait_before_s(v, concept) * asa / v.staffing("base", "asa_s")
    return asa


def _shorter_wait(v: Valuation, c: Component) -> np.ndarray:
    """Citizen time saved by a shorter wait per phone call (§7.2.1.2), on the national phone
    calls left after politiet.no and chat."""
    wait_cut_s = wait_before_s(v, c.concept) - wait_after_s(v, c.concept)
    remaining, s = v.contacts(c.concept)
    phone_calls = remaining * (1 - s)
    return wait_cut_s / 60 * phone_calls * v.per_citizen_minute


def _staffing_effect(v: Valuation, c: Component) -> np.ndarray:
    """Police time: the effect's person-years saved per year at the person-year cost (§5.2.1)."""
    return v.source.effect(str(c.effect)) * mnok_per_person_year(v.a)


def _investment(v: Valuation, c: Component) -> np.ndarray:
    """An investment (MNOK) in the investment year (the report does not date them)."""
    return v.amount(c) * (v.years == v.a.investment_year).astype(float)


def _running_mnok(v: Valuation, c: Component) -> np.ndarray:
    """A running cost in MNOK per year."""
    return v.amount(c) + v.zeros()


def _running_person_years(v: Valuation, c: Component) -> np.ndarray:
    """Running person-years per year at the person-year cost."""
    return v.amount(c) * mnok_per_person_year(v.a) + v.zeros()


def _per_staffed_person_year(v: Valuation, c: Component) -> np.ndarray:
    """NOK per person-year on the concept's modelled person-years (e.g. the ATB allowance)."""
    return v.amount(c) * v.staffing(c.concept, "person_years") / 1e6


Formula = Callable[[Valuation, "Component"], np.ndarray]

#: Component formulas by kind: (formula, depends on the staffing model).
KINDS: dict[str, tuple[Formula, bool]] = {
    "staffing_effect": (_staffing_effect, True),
    "fewer_calls": (_fewer_calls, False),
    "chatbot_answered": (_chatbot_answered, False),
    "chatbot_transferred": (_chatbot_transferred, False),
    "shorter_wait": (_shorter_wait, True),
    "investment": (_investment, False),
    "running_mnok": (_running_mnok, False),
    "running_person_years": (_running_person_years, False),
    "per_staffed_person_year": (_per_staffed_person_year, True),
}


@dataclass(frozen=True)
class Component:
    """One valued component of a concept step: Table 1 ``row``, Norwegian ``label``, the
    ``kind`` of formula (:data:`KINDS`), the assumption it reads (amounts), if any, and, for
    police time, the staffing ``effect`` it values."""

    concept: str
    row: str
    label: str
    kind: str
    assumption: str | None = None
    effect: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"component {self.label!r}: kind={self.kind!r}; expected one of {', '.join(KINDS)}")
        if self.assumption is not None and self.assumption not in Assumptions.names():
            raise ValueError(f"component {self.label!r}: unknown assumption {self.assumption!r}")


#: Citizen time and costs of each concept step (police time comes from the staffing effects).
#: Each concept carries the components of every concept it builds on (§5.2.1).
VALUATION: tuple[Component, ...] = (
    # Citizen time (§5.2.2.2, §6.2.2.2, §7.2.1.2). Live chat saves police time, not the
    # citizen's, so IIa equals I.
    Component("I", CITIZEN, "Færre telefoner (politiet.no)", "fewer_calls"),
    Component("IIb", CITIZEN, "Chatbot, ikke overført", "chatbot_answered"),
    Component("IIb", CITIZEN, "Chatbot, overført til livechat", "chatbot_transferred"),
    Component("III", CITIZEN, "Kortere ventetid (kontaktsenter)", "shorter_wait"),
    # Investments, all in the investment year (§6.2.3.1, §6.2.3.4, §7.2.2.1).
    Component("IIa", INVESTMENT, "Livechat", "investment", "live_chat_investment_mnok"),
    Component("IIb", INVESTMENT, "Chatbot og livechat", "investment", "chatbot_investment_mnok"),
    Component("III", INVESTMENT, "Nasjonalt kontaktsenter", "investment", "contact_centre_investment_mnok"),
    # Running costs (§5.2.3.2, §6.2.3.2, §6.2.3.5, §7.2.2.2).
    Component("I", RUNNING, "politiet.no, årsverk", "running_person_years", "concept_i_running_person_years"),
    Component("IIa", RUNNING, "Chat, årsverk", "running_person_years", "chat_running_person_years"),
    Component("IIa", RUNNING, "Livechat, lisens", "running_mnok", "live_chat_licence_mnok_per_year"),
    Component("IIb", RUNNING, "Chat, årsverk", "running_person_years", "chat_running_person_years"),
    Component("IIb", RUNNING, "Chatbot og livechat, lisens", "running_mnok", "chatbot_licence_mnok_per_year"),
    Component("III", RUNNING, "ATB-tillegg kontaktsenter", "per_staffed_person_year", "atb_nok_per_person_year"),
)


def components(concept: str, iib_split: str = "chatbot_first") -> list[Component]:
    """Every valued component of a Table 1 concept: those of each step of its chain, base
    first, with the step's staffing effects (police time) and its :data:`VALUATION` entries."""
    effects = effects_for(iib_split).values()
    out: list[Component] = []
    for step in chain(concept):
        out.extend(
            Component(step, e.row, f"Spart bemanning ({e.name})", "staffing_effect", effect=e.name)
            for e in effects
            if e.concept == step
        )
        out.extend(c for c in VALUATION if c.concept == step)
    return out


def cell_kind(row: str, concept: str) -> str:
    """ "deterministic", "model-driven" or "sum" for a valued cell of Table 1: model-driven
    when any of its components depends on the staffing model."""
    if row == SUM:
        return "sum"
    if any(c.row == row and KINDS[c.kind][1] for c in components(concept)):
        return "model-driven"
    return "deterministic"


# --- cash flows behind Table 1 ---------------------------------------------------------------


def amounts(v: Valuation) -> list[tuple[str, Component, np.ndarray]]:
    """Every valued component of every Table 1 concept with its amount per year (MNOK,
    undiscounted; ``(years,)``, or ``(n, years)`` for a batch): (concept, component, amount)."""
    out = []
    for concept in table1_concepts():
        for comp in components(concept, v.a.iib_split):
            out.append((concept, comp, np.asarray(KINDS[comp.kind][0](v, comp), dtype=float)))
    return out


def present_values(
    source: StaffingSource, a: Assumptions, observed_wait_s: float | None = None
) -> dict[tuple[str, str], np.ndarray]:
    """Table 1's valued cells as NPV (MNOK) by (row, concept), summed over components and years.

    The same formulas as :func:`cash_flows`, without the long table, for a batch of assumption
    sets (``a`` a :class:`lib.valuation.uncertainty.Batch`; each cell an ``(n,)`` array) or one set (each
    cell a 0-d array). Cost rows a concept lacks are 0, benefit rows it lacks are absent;
    :data:`SUM` is benefits - costs.
    """
    years = analysis_years(a)
    v = Valuation(years, a, source, observed_wait_s)
    factor = discount_factor(years, a)
    cells: dict[tuple[str, str], np.ndarray] = {}
    for concept, comp, amount in amounts(v):
        pv = (amount * factor).sum(axis=-1)
        key = (comp.row, concept)
        cells[key] = cells[key] + pv if key in cells else pv
    for concept in table1_concepts():
        benefit = sum((cells[(r, concept)] for r in BENEFIT_ROWS if (r, concept) in cells), np.zeros(()))
        cost = sum((cells.setdefault((r, concept), np.zeros(())) for r in COST_ROWS), np.zeros(()))
        cells[(SUM, concept)] = benefit - cost
    return cells


def cash_flows(source: StaffingSource, a: Assumptions, observed_wait_s: float | None = None) -> pd.DataFrame:
    """Per-year amounts behind every valued cell of Table 1 (MNOK, positive = as shown).

    Benefits and costs are both positive; :mod:`lib.valuation.table1` subtracts the cost rows.
    Columns: row, concept, component (Norwegian description), year, amount_mnok
    (undiscounted), discount_factor, present_value_mnok. Only cells that exist for a
    concept appear (concept I has no live chat, etc.).

    ``source``: the staffing result (person_years, asa_s by concept and year; the effects'
    saved person-years). ``observed_wait_s``: today's mean wait in the log (s,
    :func:`observed_mean_wait_s`), from which III's shorter wait is measured when
    ``a.iii_wait_reduction == "observed"`` (the default).
    """
    years = analysis_years(a)
    concepts = table1_concepts()
    rows = [
        (comp.row, concept, comp.label, np.broadcast_to(amount, years.shape))
        for concept, comp, amount in amounts(Valuation(years, a, source, observed_wait_s))
    ]

    df = discount_factor(years, a)
    out = pd.DataFrame(
        {
            "row": np.repeat([x[0] for x in rows], len(years)),
            "concept": np.repeat([x[1] for x in rows], len(years)),
            "component": np.repeat([x[2] for x in rows], len(years)),
            "year": np.tile(years, len(rows)),
            "amount_mnok": np.concatenate([x[3] for x in rows]),
            "discount_factor": np.tile(df, len(rows)),
        }
    )
    out["present_value_mnok"] = out["amount_mnok"] * out["discount_factor"]
    # Report order of rows and concepts; a stable sort keeps the components in chain order.
    rank = out["row"].map({r: i for i, r in enumerate(VALUED_ROWS)}) * len(concepts) + out["concept"].map(
        {c: i for i, c in enumerate(concepts)}
    )
    out = out.iloc[np.argsort(rank.to_numpy(), kind="stable")]
    return out.reset_index(drop=True)[CASH_FLOW_COLUMNS]


# --- today's picture (appendix A.1.1) -------------------------------------------------------


def todays_picture(calls: pd.DataFrame, a: Assumptions) -> pd.DataFrame:
    """Police and citizen cost of 02800 in 2023 (appendix A.1.1), beside the published values.

    ``calls``: the cleaned log, all rows (Table A.2 counts them all, Trøndelag's OPS
    included), with at least ``queue``, ``wait_s`` (seconds) and ``answered``, or the cleaned
    interval table of interval statistics (sums per interval). Citizen time
    is valued on the national call count (registered + Trøndelag switchboard); the log's
    waiting time is scaled up to it. Returns rows ``item`` (Norwegian), ``value``,
    ``unit``, ``published`` (from :data:`lib.core.assumptions.PUBLISHED`, NaN where the report
    gives none), ``basis``.
    """
    pub = {k: v.value for k, v in PUBLISHED.items()}
    queue = calls["queue"].to_numpy()
    if "offered" in calls.columns:  # interval statistics: sums per interval
        n_log = int(calls["offered"].sum())
        answered_n = calls["answered"].to_numpy(dtype=np.int64)
        wait_sum = float(calls["wait_total_s"].sum())
    else:
        _require(calls, ["queue", "wait_s", "answered"], "calls")
        n_log = len(calls)
        answered_n = calls["answered"].to_numpy(dtype=bool).astype(np.int64)
        wait_sum = float(calls["wait_s"].sum())
    if n_log == 0:
        raise ValueError("calls: the log is empty")
    mean_wait = wait_sum / n_log  # every caller's wait, answered or not: the citizens' time spent waiting
    ops_answered = int(answered_n[queue == OPS].sum())
    sb_answered = int(answered_n[queue == SWITCHBOARD].sum())
    per_hour = nok_per_citizen_hour(a)
    n_nat = zero_alternative_calls(a)

    sb_mnok = a.switchboard_person_years * a.cost_per_person_year_nok / 1e6
    ops_mnok = a.ops_person_years * a.ops_cost_per_person_year_nok / 1e6
    ops_py_log = ops_answered * a.police_minutes_per_answered_call / 60 / a.ops_hours_per_person_year
    sb_minutes = a.switchboard_person_years * a.hours_per_person_year * 60 / sb_answered if sb_answered else np.nan
    citizen_mnok = n_nat * a.citizen_minutes_per_call / 60 * per_hour / 1e6
    wait_hours_nat = wait_sum / 3600 * n_nat / n_log
    nan = np.nan
    rows = [
        ("Sentralbord, årsverk", a.switchboard_person_years, "årsverk", nan, "A.1.1 (forutsetning)"),
        ("Sentralbord, kostnad", sb_mnok, "mill. kr per år", nan, "årsverk × årsverkskostnad"),
        ("Sentralbord, besvarte anrop i loggen", sb_answered, "anrop", nan, "renset logg, alle rader"),
        (
            "Sentralbord, minutter per besvart anrop",
            sb_minutes,
            "minutter",
            nan,
            "årsverk × timer per årsverk / besvarte anrop (rapporten: om lag 5)",
        ),
        ("Operasjonssentral, årsverk på 02800", a.ops_person_years, "årsverk", nan, "A.1.1 (forutsetning)"),
        ("Operasjonssentral, kostnad", ops_mnok, "mill. kr per år", nan, "årsverk × politiets årsverkssats"),
        ("Operasjonssentral, besvarte anrop i loggen", ops_answered, "anrop", nan, "renset logg, alle rader"),
        (
            "Operasjonssentral, årsverk beregnet fra loggen",
            ops_py_log,
            "årsverk",
            nan,
            "besvarte anrop × minutter per anrop / timer per årsverk (OPS)",
        ),
        (
            "Politiets kostnad, 02800",
            sb_mnok + ops_mnok,
            "mill. kr per år",
            pub["police_cost_today_mnok"],
            "rapporten: minst 120",
        ),
        ("Anrop, nasjonalt", n_nat, "anrop per år", nan, "registrerte + Trøndelag sentralbord"),
        ("Anrop i loggen", n_log, "anrop", pub["total_calls"], "renset logg, alle rader"),
        (
            "Innbyggernes tidskostnad",
            citizen_mnok,
            "mill. kr per år",
            pub["citizen_cost_today_mnok"],
            "nasjonale anrop × minutter per anrop × verdi per time",
        ),
        (
            "Herav ventetid",
            wait_hours_nat * per_hour / 1e6,
            "mill. kr per år",
            pub["citizen_waiting_cost_today_mnok"],
            "loggens ventetid skalert til nasjonalt antall (rapporten: over 10)",
        ),
        (
            "Gjennomsnittlig ventetid",
            mean_wait,
            "sekunder",
            pub["total_mean_access_s"],
            "alle anrop i loggen, også ubesvarte",
        ),
    ]
    return pd.DataFrame(rows, columns=["item", "value", "unit", "published", "basis"])
