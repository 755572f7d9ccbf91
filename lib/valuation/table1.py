"""Table 1 of POD-rapport 7/2024: valued effects of concepts I-III, NPV 2026-2033, MNOK.

:func:`table1` sums the per-year cash flows of :func:`lib.valuation.economics.cash_flows` into the
valued rows (unrounded MNOK; "Sum verdsatte virkninger" = benefits - costs);
:func:`table1_rendered` lays it out as the report does, with the group headings and the
report's qualitative rows (``lib/core/data/table1_qualitative.csv``, copied from Table 1);
:func:`table1_vs_report` compares every valued cell with the published one
(:data:`lib.core.assumptions.TABLE1_PUBLISHED`).

Cells are of three kinds. Deterministic cells follow from the report's assumptions alone
and must equal the report after rounding to whole MNOK. Model-driven cells depend on the
staffing model (person-years saved, the contact centre's staffing and wait reduction) and
are accepted within :data:`MODEL_TOLERANCE`. The sum row is checked with the same
tolerance.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from lib.core import output_tables
from lib.core.assumptions import PUBLISHED, TABLE1_PUBLISHED, Assumptions
from lib.core.paths import LIB_DATA
from lib.model.concepts import CONCEPTS, DECOMPOSITIONS, BoardHours, table1_concepts
from lib.model.staffing import StaffingResult, run_all
from lib.valuation.economics import (
    BENEFIT_ROWS,
    CITIZEN,
    COST_ROWS,
    SUM,
    VALUED_ROWS,
    StaffingSource,
    cash_flows,
    cell_kind,
)

#: Relative tolerance for model-driven cells and the sum (a project choice, not the report's).
MODEL_TOLERANCE = 0.10
DASH = "–"
HEADINGS = ("Nyttevirkninger", "Effektivisering politiet", "Kostnadsvirkninger")

#: The report's Table 1 from top to bottom: headings, valued and qualitative rows.
LAYOUT: tuple[str, ...] = (
    "Nyttevirkninger",
    "Spart tid innbyggere",
    "Effektivisering politiet",
    "Spart tid politiet.no",
    "Spart tid livechat",
    "Spart tid chatbot",
    "Spart tid kontaktsenter",
    "Økt tilgjengelighet",
    "Økt kvalitet på svar til innbyggere",
    "Bedret HMS-situasjon for ansatte i politiet",
    "Økt tillit til politiet",
    "Økt trygghet for innbyggere",
    "Kostnadsvirkninger",
    "Investeringskostnader",
    "Driftskostnader",
    "Omstillingskostnader",
    "Risiko",
    "Sum verdsatte virkninger",
)


def concept_labels() -> dict[str, str]:
    """Column labels of Table 1 ("Konsept I", ...), from the concepts' entries."""
    return {n: CONCEPTS[n].label for n in table1_concepts()}


def round_mnok(x):
    """Round half away from zero to whole MNOK (Python's round() would round half to even)."""
    x = np.asarray(x, dtype=float)
    return np.sign(x) * np.floor(np.abs(x) + 0.5)


def from_cash_flows(flows: pd.DataFrame) -> pd.DataFrame:
    """Table 1's valued rows from :func:`lib.valuation.economics.cash_flows` (NPV, unrounded MNOK).

    Columns row and one per Table 1 concept (I, IIa, IIb, III); NaN where a concept has no
    such benefit (the report's "–"); a cost a concept does not have is 0 (I invests nothing).
    """
    concepts = list(table1_concepts())
    wide = flows.pivot_table(index="row", columns="concept", values="present_value_mnok", aggfunc="sum")
    wide = wide.reindex(index=list(BENEFIT_ROWS + COST_ROWS), columns=concepts)
    wide.loc[list(COST_ROWS)] = wide.loc[list(COST_ROWS)].fillna(0.0)
    total = wide.loc[list(BENEFIT_ROWS)].sum(min_count=1) - wide.loc[list(COST_ROWS)].sum(min_count=1)
    wide.loc[SUM] = total
    out = wide.reindex(list(VALUED_ROWS)).reset_index()
    out.columns.name = None
    return out[["row", *concepts]]


def table1(staffing: StaffingSource, a: Assumptions, observed_wait_s: float | None = None) -> pd.DataFrame:
    """Table 1's valued rows (NPV over the period, unrounded MNOK): columns row, I, IIa, IIb, III.

    ``staffing``: the staffing result (:class:`lib.model.staffing.StaffingResult`);
    ``observed_wait_s``: today's mean wait in the log (s), see :func:`lib.valuation.economics.cash_flows`.
    """
    return from_cash_flows(cash_flows(staffing, a, observed_wait_s=observed_wait_s))


def qualitative_rows() -> pd.DataFrame:
    """The report's non-monetised rows of Table 1, as text (columns row, I, IIa, IIb, III)."""
    return pd.read_csv(LIB_DATA / "table1_qualitative.csv", dtype=str, keep_default_na=False)


def table1_rendered(t1: pd.DataFrame, warning: str | None = None) -> pd.DataFrame:
    """Table 1 in the report's layout: headings, whole MNOK, text rows, "–" where there is none.

    Index: the report's row labels (``LAYOUT``); columns "Konsept I" .. "Konsept III"; all
    cells are strings (heading rows are empty). ``warning`` (e.g. failed plausibility checks
    of the call log, :func:`lib.calllog.plausibility.warning_marker`) is appended to the index name:
    "Virkning (nåverdi, mill. kr) – USIKKERT GRUNNLAG: <warning>".
    """
    concepts = [c for c in t1.columns if c != "row"]
    valued = t1.set_index("row")[concepts]
    text = qualitative_rows().set_index("row").reindex(columns=concepts, fill_value="")
    heading = "Virkning (nåverdi, mill. kr)" + (f" – USIKKERT GRUNNLAG: {warning}" if warning else "")
    out = pd.DataFrame("", index=pd.Index(LAYOUT, name=heading), columns=concepts)
    for row in LAYOUT:
        if row in valued.index:
            out.loc[row] = [DASH if pd.isna(v) else f"{int(round_mnok(v))}" for v in valued.loc[row]]
        elif row in text.index:
            out.loc[row] = text.loc[row].tolist()
    return out.rename(columns=concept_labels())


def _number_or_text(value: str) -> float | str:
    """A qualitative cell as the report writes it: a number where it is one (the report's ``0``
    for "Omstillingskostnader", MNOK), else the words."""
    try:
        return float(value.replace(",", "."))
    except ValueError:
        return value


def table1_layout(t1: pd.DataFrame, warning: str | None = None) -> pd.DataFrame:
    """Table 1 in the report's layout with numbers: :func:`table1_rendered`'s frame (index
    ``LAYOUT`` named "Virkning (nåverdi, mill. kr)" [+ ``warning``], columns "Konsept I" ..
    "Konsept III"), but the valued rows hold the unrounded MNOK as floats (for a workbook to
    show with one decimal), :data:`DASH` where the report has none; qualitative rows are
    text, numbers where the report gives one ("Omstillingskostnader": 0), heading rows empty
    strings. Object dtype."""
    concepts = [c for c in t1.columns if c != "row"]
    valued = t1.set_index("row")[concepts]
    text = qualitative_rows().set_index("row").reindex(columns=concepts, fill_value="")
    heading = "Virkning (nåverdi, mill. kr)" + (f" – USIKKERT GRUNNLAG: {warning}" if warning else "")
    out = pd.DataFrame("", index=pd.Index(LAYOUT, name=heading), columns=concepts, dtype=object)
    for row in LAYOUT:
        if row in valued.index:
            out.loc[row] = [DASH if pd.isna(v) else float(v) for v in valued.loc[row]]
        elif row in text.index:
            out.loc[row] = [_number_or_text(v) for v in text.loc[row]]
    return out.rename(columns=concept_labels())


def table1_vs_report(t1: pd.DataFrame, tolerance: float = MODEL_TOLERANCE) -> pd.DataFrame:
    """Every valued cell beside the report's (MNOK).

    Columns: row, concept, kind, published, reproduced (unrounded), reproduced_rounded,
    difference (reproduced - published), relative_difference (of the published), rule,
    check (bool). Deterministic cells pass when they round to the published value;
    model-driven cells and the sums when within ``tolerance`` of it. Cells the report leaves
    empty ("–") are listed only if reproduced, and then fail.
    """
    records = []
    valued = t1.set_index("row")
    for row in VALUED_ROWS:
        for concept in [c for c in t1.columns if c != "row"]:
            published = TABLE1_PUBLISHED[row].get(concept)
            reproduced = float(valued.loc[row, concept])
            if published is None and np.isnan(reproduced):
                continue
            if concept not in TABLE1_PUBLISHED[SUM]:
                continue  # a concept the report does not have (e.g. one added for a pilot)
            kind = cell_kind(row, concept)
            published = np.nan if published is None else float(published)
            diff = reproduced - published
            rel = diff / published if published else np.nan
            if kind == "deterministic":
                rule = "rounds to published"
                ok = bool(round_mnok(reproduced) == published)
            else:
                rule = f"within ±{tolerance:.0%}"
                ok = bool(abs(diff) <= tolerance * abs(published))
            records.append(
                {
                    "row": row,
                    "concept": concept,
                    "kind": kind,
                    "published": published,
                    "reproduced": reproduced,
                    "reproduced_rounded": float(round_mnok(reproduced)),
                    "difference": diff,
                    "relative_difference": rel,
                    "rule": rule,
                    "check": ok,
                }
            )
    return pd.DataFrame(records)


#: What moves each model-driven cell (assumption names of lib.core.assumptions in brackets).
DRIVERS: dict[str, str] = {
    "Spart tid innbyggere": "III only: wait reduction per phone call, from today's observed mean wait (or the "
    "model's ASA of IIb, iii_wait_reduction) down to the model's ASA of III "
    "(service_time_centre_s, max_occupancy), times the national phone calls left "
    "(call_reduction_politiet_no, chat shares)",
    "Spart tid politiet.no": "staffing model S(base) - S(I), scaled by actual_person_years / S(base) "
    "(call_reduction_politiet_no; whole agents: every board-hour with traffic keeps "
    "at least one agent, so quiet hours save nothing)",
    "Spart tid livechat": "staffing model, live chat at chat_handling_factor x AHT: S(I) - S(IIa) for IIa; for "
    "IIb/III the transferred share's live chat, whose size depends on the order of the "
    "IIb split (iib_split: after the chatbot by default, docs/model.md §6) "
    "(chat and transfer shares)",
    "Spart tid chatbot": "staffing model, arrivals x (1 - s_y + s_y r_y): S(I) - S(IIb_chatbot) with the "
    "default iib_split; the chatbot and live-chat cells of IIb share S(I) - S(IIb) and "
    "the order of the split moves saving between them (chat and transfer shares)",
    "Spart tid kontaktsenter": "staffing model S(IIb) - S(III): pooling gain of one national queue net of "
    "the 80/20 service level (service_time_centre_s, max_occupancy, the log's "
    "hourly traffic pattern)",
    "Driftskostnader": "III only: ATB allowance (atb_nok_per_person_year) on the contact centre's "
    "person-years from the staffing model",
    "Sum verdsatte virkninger": "the sum of the cells above",
}


def explain_gaps(comparison: pd.DataFrame, threshold_mnok: float = 0.5) -> pd.DataFrame:
    """Cells of :func:`table1_vs_report` at least ``threshold_mnok`` from the report, with
    what drives each (:data:`DRIVERS`); deterministic cells only show rounding here."""
    gaps = comparison.loc[comparison["difference"].abs() >= threshold_mnok].copy()
    gaps["drivers"] = [
        DRIVERS.get(r, "report assumptions only (deterministic)")
        if k != "deterministic"
        else "report assumptions only (deterministic)"
        for r, k in zip(gaps["row"], gaps["kind"], strict=True)
    ]
    return gaps[
        ["row", "concept", "kind", "published", "reproduced", "difference", "relative_difference", "check", "drivers"]
    ].reset_index(drop=True)


def cash_flow_table(flows: pd.DataFrame) -> pd.DataFrame:
    """The cash flows wide, for Excel: one line per row, concept and component; a column per
    year (undiscounted MNOK) and ``npv_mnok``."""
    wide = flows.pivot_table(
        index=["row", "concept", "component"], columns="year", values="amount_mnok", aggfunc="sum", sort=False
    )
    wide.columns = [str(c) for c in wide.columns]
    npv = flows.groupby(["row", "concept", "component"], sort=False)["present_value_mnok"].sum()
    wide["npv_mnok"] = npv
    return wide.reset_index()


def write_tables(flows: pd.DataFrame, outputs_dir: str | Path) -> dict[str, Path]:
    """Write ``table1`` (row, I, IIa, IIb, III, MNOK), ``table1_vs_report`` and
    ``table1_cash_flows`` as result tables (:func:`lib.core.output_tables.write`: floats to
    :data:`lib.core.result_csv.PRECISION` decimals, not rounded to whole MNOK); returns name -> path."""
    t1 = from_cash_flows(flows)
    frames = {"table1": t1, "table1_vs_report": table1_vs_report(t1), "table1_cash_flows": cash_flow_table(flows)}
    return {name: output_tables.write(name, df, outputs_dir) for name, df in frames.items()}


# --- The two readings notebook 04 sets side by side ------------------------------------------

SPLIT_ROWS = ("Spart tid chatbot", "Spart tid livechat")
SPLIT_SUM = "Sum chatbot + livechat"
PUBLISHED_COLUMN = "Rapporten"


def iib_split_comparison(
    rates: pd.DataFrame | BoardHours, a: Assumptions, observed_wait_s: float | None = None
) -> pd.DataFrame:
    """IIb's chatbot and live-chat cells (NPV, MNOK) under each order of the split.

    Re-runs the staffing model once per order in :data:`lib.model.concepts.DECOMPOSITIONS`.
    Index: :data:`SPLIT_ROWS` and :data:`SPLIT_SUM`; columns: one per order, then the
    report's values (:data:`PUBLISHED_COLUMN`). Both orders share the sum S(I) - S(IIb).
    """
    columns = {}
    for order in DECOMPOSITIONS:
        run = run_all(rates, a.replace(iib_split=order))
        t = table1(run, a.replace(iib_split=order), observed_wait_s).set_index("row")
        columns[order] = t.loc[list(SPLIT_ROWS), "IIb"]
    split = pd.DataFrame(columns)
    split[PUBLISHED_COLUMN] = [TABLE1_PUBLISHED[r]["IIb"] for r in SPLIT_ROWS]
    split.loc[SPLIT_SUM] = split.sum()
    return split


def wait_readings(staffing: StaffingSource, a: Assumptions, observed_wait_s: float) -> pd.DataFrame:
    """Concept III's citizen-time cell and sum under the three readings of its shorter wait
    (§7.2.1.2): measured from the model's ASA of IIb ("model"), from today's observed
    mean wait ``observed_wait_s`` (s, "observed") to III's modelled ASA, or from the observed
    wait to the observed wait scaled as the model's waits scale (``W_observed x ASA_III /
    ASA_base``, "scaled", consistent with the relatively scaled person-years). Columns: ``wait_part_mnok`` (III's
    "Spart tid innbyggere" minus IIb's), ``citizen_time_mnok``, ``sum_mnok``; the report's
    values in the row "report"."""
    rows = {}
    for reading in ("model", "observed", "scaled"):
        t = table1(staffing, a.replace(iii_wait_reduction=reading), observed_wait_s).set_index("row")
        rows[reading] = {
            "wait_part_mnok": t.loc[CITIZEN, "III"] - t.loc[CITIZEN, "IIb"],
            "citizen_time_mnok": t.loc[CITIZEN, "III"],
            "sum_mnok": t.loc[SUM, "III"],
        }
    rows["report"] = {
        "wait_part_mnok": PUBLISHED["concept_iii_wait_part_mnok"].value,
        "citizen_time_mnok": TABLE1_PUBLISHED[CITIZEN]["III"],
        "sum_mnok": TABLE1_PUBLISHED[SUM]["III"],
    }
    return pd.DataFrame.from_dict(rows, orient="index")


# --- Table 1 under two queue models (notebook 05) ----------------------------------------------

MODEL_GAP_COLUMNS = ["row", "concept", "erlang_c", "erlang_a", "difference", "relative_difference", "explanation"]


def _effect_hours(staffing: StaffingResult, effect: str) -> float:
    """An effect's agent-hours saved over the period (its person-years unscaled)."""
    return float(staffing.effect(effect).sum()) / staffing.person_years_per_agent_hour


#: Columns of :func:`model_and_basis_effects` (outputs/tables/table1_erlang_a_effects.csv).
EFFECT_SPLIT_COLUMNS: tuple[str, ...] = (
    "row",
    "concept",
    "erlang_c",
    "erlang_a_offered",
    "erlang_a_answered",
    "model_effect",
    "basis_effect",
)


def model_and_basis_effects(
    t1_c: pd.DataFrame, t1_a_offered: pd.DataFrame, t1_a_answered: pd.DataFrame
) -> pd.DataFrame:
    """Table 1 under Erlang A split into what the queue model changes and what the service
    level's basis changes, one valued cell per row (:data:`EFFECT_SPLIT_COLUMNS`, MNOK):
    ``model_effect`` = Erlang A on all calls − Erlang C (the same definition of the target,
    callers who hang up), ``basis_effect`` = Erlang A on answered calls − Erlang A on all calls
    (the definition alone). Their sum is the move from Erlang C to Erlang A on answered calls."""
    c, off, ans = (t.set_index("row") for t in (t1_c, t1_a_offered, t1_a_answered))
    rows = []
    for row in [r for r in c.index if r in off.index and r in ans.index]:
        for concept in [x for x in c.columns if x in off.columns and x in ans.columns]:
            vc, vo, va = (float(t.loc[row, concept]) for t in (c, off, ans))
            if np.isnan(vc) and np.isnan(vo) and np.isnan(va):
                continue
            rows.append(
                {
                    "row": row,
                    "concept": concept,
                    "erlang_c": vc,
                    "erlang_a_offered": vo,
                    "erlang_a_answered": va,
                    "model_effect": vo - vc,
                    "basis_effect": va - vo,
                }
            )
    return pd.DataFrame(rows, columns=list(EFFECT_SPLIT_COLUMNS))


def queue_model_gaps(
    t1_c: pd.DataFrame,
    t1_a: pd.DataFrame,
    staffing_c: StaffingResult,
    staffing_a: StaffingResult,
    a: Assumptions,
    threshold: float = 0.10,
) -> pd.DataFrame:
    """Every Table 1 cell that differs by more than ``threshold`` (relative) between the
    Erlang C and the Erlang A model, with what explains it (columns :data:`MODEL_GAP_COLUMNS`).

    A police-time cell is ``person-years per agent-hour × (S_before − S_after)``, the scale
    ``actual_person_years / S_base`` under the report's relative scaling: its ratio between the
    models is the ratio of the scale factors (S_base, agent-hours of the base model of each
    result) times the ratio of the agent-hour differences; both are given. III's citizen time moves with its modelled mean wait, its running cost with the
    centre's person-years (ATB).
    """
    from lib.valuation.economics import CITIZEN, RUNNING, components

    c, m = t1_c.set_index("row"), t1_a.set_index("row")
    base_c, base_a = staffing_c.base_agent_hours, staffing_a.base_agent_hours
    scale = staffing_a.person_years_per_agent_hour / staffing_c.person_years_per_agent_hour  # A over C
    rows = []
    for row in VALUED_ROWS:
        for concept in [x for x in c.columns if x in m.columns]:
            vc, va = float(c.loc[row, concept]), float(m.loc[row, concept])
            if np.isnan(vc) or np.isnan(va) or abs(va - vc) <= threshold * abs(vc):
                continue
            effects = [x.effect for x in components(concept, a.iib_split) if x.row == row and x.effect]
            if effects:
                hc = sum(_effect_hours(staffing_c, e) for e in effects)
                ha = sum(_effect_hours(staffing_a, e) for e in effects)
                why = (
                    f"police time = actual person-years / S_base x agent-hours saved: the scale factor changes "
                    f"x{scale:.2f} (S_base {base_c:,.0f} -> {base_a:,.0f} agent-hours) and the agent-hours saved "
                    f"x{ha / hc if hc else float('nan'):.2f} ({hc:,.0f} -> {ha:,.0f} over the period)"
                )
            elif row == CITIZEN:
                wc, wa = staffing_c.staffing(concept, "asa_s").mean(), staffing_a.staffing(concept, "asa_s").mean()
                why = f"the modelled mean wait of answered calls in {concept}: {wc:.1f} s -> {wa:.1f} s"
            elif row == RUNNING:
                pc = staffing_c.staffing(concept, "person_years").mean()
                pa = staffing_a.staffing(concept, "person_years").mean()
                why = f"the ATB allowance on {concept}'s person-years: {pc:.1f} -> {pa:.1f} a year"
            else:
                why = "the sum of the cells above"
            rows.append((row, concept, vc, va, va - vc, (va - vc) / abs(vc) if vc else np.nan, why))
    return pd.DataFrame(rows, columns=MODEL_GAP_COLUMNS)
