"""Tests of lib.valuation.economics and lib.valuation.table1: discounting, Table 1 cells, layout, comparison.

Expected values are worked out here from the report's numbers (§5.2.1, §5.2.2, §6.2.3,
§7.2.2) by hand-written formulas, independent of the library code.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib.core.assumptions import TABLE1_PUBLISHED, Assumptions
from lib.core.districts import OPS, SWITCHBOARD
from lib.model.staffing import StaffingResult
from lib.valuation import economics as eco
from lib.valuation import table1 as t1mod

# The report's values, with III's shorter wait read model against model (IIb's ASA - III's)
# so that these tables need no observed wait; the observed reading has its own test.
P = Assumptions(iii_wait_reduction="model")
YEARS = list(range(2026, 2034))
STAFFING_CONCEPTS = ("base", "I", "IIa", "IIb_chatbot", "IIb", "III")
EFFECTS = ("politiet_no", "livechat_IIa", "chatbot", "livechat_IIb", "kontaktsenter")
ANNUITY = sum(1.04**-k for k in range(8))
N_CALLS = 1_765_909 + 90_000
NOK_PER_HOUR = 473_000 / 1400
MNOK_PY = 1.1779


def staffing(savings=None, asa=None, person_years=None):
    """A hand-made staffing result (:class:`lib.model.staffing.StaffingResult`: by_year and effects).

    savings: effect -> person-years per year (default 0); asa: concept -> seconds (default 60);
    person_years: concept -> person-years (default 50). Scalars or lists over YEARS.
    """
    savings, asa, person_years = savings or {}, asa or {}, person_years or {}

    def per_year(v, i):
        return v[i] if isinstance(v, (list, tuple, np.ndarray)) else v

    by_year = pd.DataFrame(
        [
            {
                "concept": c,
                "year": y,
                "agent_hours": 0.0,
                "model_person_years": 0.0,
                "person_years": per_year(person_years.get(c, 50.0), i),
                "saving_person_years": 0.0,
                "asa_s": per_year(asa.get(c, 60.0), i),
                "phone_calls": 0.0,
            }
            for c in STAFFING_CONCEPTS
            for i, y in enumerate(YEARS)
        ]
    )
    effects = pd.DataFrame(
        [
            {"year": y, "effect": e, "saving_person_years": per_year(savings.get(e, 0.0), i)}
            for e in EFFECTS
            for i, y in enumerate(YEARS)
        ]
    )
    return StaffingResult(by_year, effects)


def cell(t, row, concept):
    return float(t.set_index("row").loc[row, concept])


# --- discounting -------------------------------------------------------------------------


def test_annuity_factor_is_the_reports():
    # annuity-due of 8 years at 4 %: (1 - 1.04^-8) / (1 - 1/1.04)
    closed_form = (1 - 1.04**-8) / (1 - 1 / 1.04)
    assert eco.annuity_factor(P) == pytest.approx(closed_form, rel=1e-12)
    assert round(eco.annuity_factor(P), 5) == 7.00205


def test_npv_year_zero_is_undiscounted_and_later_years_are():
    assert eco.npv(pd.Series({2026: 10.0}), P) == pytest.approx(10.0)
    assert eco.npv(pd.Series({2027: 10.4}), P) == pytest.approx(10.0)
    assert eco.npv(pd.Series({2033: 1.0}), P) == pytest.approx(1.04**-7)
    assert eco.npv(pd.Series(3.0, index=YEARS), P) == pytest.approx(3 * 7.00205, abs=1e-4)


@settings(max_examples=40, deadline=None)
@given(
    rate=st.floats(0.0, 0.2),
    a=st.lists(st.floats(-1e3, 1e3), min_size=8, max_size=8),
    b=st.lists(st.floats(-1e3, 1e3), min_size=8, max_size=8),
)
def test_npv_is_linear_and_constant_flows_use_the_annuity(rate, a, b):
    p = P.replace(discount_rate=rate)
    sa, sb = pd.Series(a, index=YEARS), pd.Series(b, index=YEARS)
    assert eco.npv(sa + sb, p) == pytest.approx(eco.npv(sa, p) + eco.npv(sb, p), abs=1e-6)
    assert eco.npv(pd.Series(2.5, index=YEARS), p) == pytest.approx(2.5 * sum((1 + rate) ** -k for k in range(8)))


def test_unit_values():
    assert eco.nok_per_citizen_hour(P) == pytest.approx(337.857, abs=1e-3)
    assert eco.mnok_per_person_year(P) == pytest.approx(MNOK_PY)
    assert eco.zero_alternative_calls(P) == 1_855_909


# --- deterministic cells --------------------------------------------------------------------


def test_citizen_time_cells_round_to_the_reports_37_37_73():
    t = t1mod.table1(staffing(), P)
    concept_i = N_CALLS * 0.10 * 5 / 60 * NOK_PER_HOUR / 1e6 * ANNUITY
    chatbot_extra = 0.0
    for k in range(len(YEARS)):
        s, r = 0.25 + 0.25 * k / 7, 0.30 - 0.10 * k / 7
        bot = N_CALLS * 0.9 * s
        minutes = bot * (1 - r) * (5 - 3) + bot * r * (5 - 3 - 2)
        chatbot_extra += minutes / 60 * NOK_PER_HOUR / 1e6 / 1.04**k
    assert cell(t, "Spart tid innbyggere", "I") == pytest.approx(concept_i)
    assert cell(t, "Spart tid innbyggere", "IIa") == pytest.approx(concept_i)
    assert cell(t, "Spart tid innbyggere", "IIb") == pytest.approx(concept_i + chatbot_extra)
    assert [round(cell(t, "Spart tid innbyggere", c)) for c in ("I", "IIa", "IIb")] == [37, 37, 73]


def test_investment_and_running_cost_cells():
    result = staffing(person_years={"III": 30.0})
    t = t1mod.table1(result, P)
    assert [cell(t, "Investeringskostnader", c) for c in ("I", "IIa", "IIb", "III")] == [0, 4, 10, 18]
    run_i = 4 * MNOK_PY * ANNUITY
    run_iia = run_i + (3 * MNOK_PY + 1) * ANNUITY
    run_iib = run_i + (3 * MNOK_PY + 6) * ANNUITY
    atb = 40_000 * 30 / 1e6 * ANNUITY
    got = [cell(t, "Driftskostnader", c) for c in ("I", "IIa", "IIb", "III")]
    assert got == pytest.approx([run_i, run_iia, run_iib, run_iib + atb])
    assert [round(x) for x in got[:3]] == [33, 65, 100]


def test_investment_is_discounted_when_it_falls_later():
    p = P.replace(investment_year=2027)
    t = t1mod.table1(staffing(), p)
    assert cell(t, "Investeringskostnader", "IIa") == pytest.approx(4 / 1.04)
    with pytest.raises(ValueError, match="investment_year"):
        P.replace(investment_year=2040)


# --- model-driven cells ---------------------------------------------------------------------


def test_one_person_year_a_year_is_worth_cost_times_annuity():
    t = t1mod.table1(staffing(savings={"politiet_no": 1.0}), P)
    for c in ("I", "IIa", "IIb", "III"):
        assert cell(t, "Spart tid politiet.no", c) == pytest.approx(MNOK_PY * 7.00205, abs=1e-4)
    assert cell(t, "Spart tid politiet.no", "I") == pytest.approx(8.2477, abs=1e-4)


def test_effects_go_to_the_reports_cells():
    savings = {"livechat_IIa": 1.0, "chatbot": 2.0, "livechat_IIb": 3.0, "kontaktsenter": 4.0}
    t = t1mod.table1(staffing(savings=savings), P)
    unit = MNOK_PY * ANNUITY
    assert cell(t, "Spart tid livechat", "IIa") == pytest.approx(1 * unit)
    assert cell(t, "Spart tid livechat", "IIb") == pytest.approx(3 * unit)
    assert cell(t, "Spart tid livechat", "III") == pytest.approx(3 * unit)
    assert cell(t, "Spart tid chatbot", "IIb") == pytest.approx(2 * unit)
    assert cell(t, "Spart tid chatbot", "III") == pytest.approx(2 * unit)
    assert cell(t, "Spart tid kontaktsenter", "III") == pytest.approx(4 * unit)
    for row, concepts in {
        "Spart tid livechat": ["I"],
        "Spart tid chatbot": ["I", "IIa"],
        "Spart tid kontaktsenter": ["I", "IIa", "IIb"],
    }.items():
        assert all(math.isnan(cell(t, row, c)) for c in concepts)


def test_year_varying_savings_are_discounted_year_by_year():
    saved = [0, 0, 0, 0, 0, 0, 0, 10.0]
    t = t1mod.table1(staffing(savings={"kontaktsenter": saved}), P)
    assert cell(t, "Spart tid kontaktsenter", "III") == pytest.approx(10 * MNOK_PY / 1.04**7)


def test_wait_reduction_of_concept_iii():
    # 50 s less waiting for every national phone call left: N x 0.9 x (1 - s_y)
    result = staffing(asa={"IIb": 80.0, "III": 30.0})
    t = t1mod.table1(result, P)
    wait = sum(N_CALLS * 0.9 * (1 - (0.25 + 0.25 * k / 7)) * 50 / 3600 * NOK_PER_HOUR / 1e6 / 1.04**k for k in range(8))
    assert cell(t, "Spart tid innbyggere", "III") - cell(t, "Spart tid innbyggere", "IIb") == pytest.approx(wait)
    assert 30 < wait < 40  # the report's ≈ 36 for ≈ 50 s


def test_sum_is_benefits_minus_costs_and_matches_the_report_on_report_like_effects():
    # person-years a year that reproduce the report's model-driven cells
    unit = MNOK_PY * ANNUITY
    savings = {
        "politiet_no": 35 / unit,
        "livechat_IIa": 73 / unit,
        "chatbot": 77 / unit,
        "livechat_IIb": 30 / unit,
        "kontaktsenter": 316 / unit,
    }
    result = staffing(savings=savings, asa={"IIb": 100.0, "III": 48.0}, person_years={"III": 8e6 / 40_000 / ANNUITY})
    t = t1mod.table1(result, P)
    for c in ("I", "IIa", "IIb", "III"):
        col = t.set_index("row")[c]
        expected = col[list(eco.BENEFIT_ROWS)].sum() - col[list(eco.COST_ROWS)].sum()
        assert col[eco.SUM] == pytest.approx(expected)
    assert [round(cell(t, eco.SUM, c)) for c in ("I", "IIa", "IIb")] == [39, 76, 105]
    assert cell(t, eco.SUM, "III") == pytest.approx(442, abs=3)
    cmp = t1mod.table1_vs_report(t)
    assert cmp["check"].all(), cmp.loc[~cmp["check"]]


# --- comparison with the report -------------------------------------------------------------


def test_comparison_flags_cells_outside_their_rule():
    t = t1mod.table1(staffing(), P)
    cmp = t1mod.table1_vs_report(t).set_index(["row", "concept"])
    det = cmp[cmp["kind"] == "deterministic"]
    assert len(det) == 3 + 4 + 3  # citizen I-IIb, investments, running I-IIb
    assert det["check"].all()
    assert cmp.loc[("Spart tid innbyggere", "III"), "kind"] == "model-driven"
    assert cmp.loc[("Driftskostnader", "III"), "kind"] == "model-driven"
    # no police savings at all: model-driven cells must fail
    assert not cmp.loc[("Spart tid kontaktsenter", "III"), "check"]
    assert cmp.loc[("Spart tid chatbot", "IIb"), "published"] == TABLE1_PUBLISHED["Spart tid chatbot"]["IIb"]
    # a deterministic cell off by more than rounding fails
    bad = t.copy()
    bad.loc[bad["row"] == "Driftskostnader", "I"] += 0.6
    badcmp = t1mod.table1_vs_report(bad).set_index(["row", "concept"])
    assert not badcmp.loc[("Driftskostnader", "I"), "check"]


def test_tolerance_boundary_for_model_driven_cells():
    unit = MNOK_PY * ANNUITY
    for factor, ok in ((1.099, True), (1.101, False), (0.901, True), (0.899, False)):
        t = t1mod.table1(staffing(savings={"kontaktsenter": 316 * factor / unit}), P)
        row = t1mod.table1_vs_report(t).set_index(["row", "concept"]).loc[("Spart tid kontaktsenter", "III")]
        assert bool(row["check"]) == ok
        assert row["relative_difference"] == pytest.approx(factor - 1)


def test_round_half_away_from_zero():
    assert list(t1mod.round_mnok([0.5, 1.5, 2.5, -2.5, 36.49])) == [1, 2, 3, -3, 36]


# --- layout and outputs ---------------------------------------------------------------------


def test_rendered_table_follows_the_report():
    t = t1mod.table1(staffing(savings={"politiet_no": 4.0}), P)
    r = t1mod.table1_rendered(t)
    assert list(r.index) == list(t1mod.LAYOUT)
    assert list(r.columns) == ["Konsept I", "Konsept IIa", "Konsept IIb", "Konsept III"]
    assert r.loc["Nyttevirkninger"].tolist() == [""] * 4
    assert r.loc["Spart tid innbyggere"].tolist()[:3] == ["37", "37", "73"]
    assert r.loc["Spart tid chatbot"].tolist()[:2] == ["–", "–"]
    assert r.loc["Investeringskostnader"].tolist() == ["0", "4", "10", "18"]
    assert r.loc["Risiko"].tolist() == ["Ingen", "Ingen", "Lav/moderat", "Moderat"]
    assert r.loc["Omstillingskostnader"].tolist() == ["0", "0", "0", "Små"]
    assert r.loc["Økt tillit til politiet"].tolist() == [
        "Ubetydelig/ingen",
        "Ubetydelig/ingen",
        "Liten positiv",
        "Middels positiv",
    ]
    assert r.loc["Økt tilgjengelighet", "Konsept III"] == "Stor positiv"


def test_cash_flows_add_up_to_the_cells_and_are_written(tmp_path):
    result = staffing(savings={"chatbot": [1, 2, 3, 4, 5, 6, 7, 8]}, person_years={"III": 25.0})
    flows = eco.cash_flows(result, P)
    assert list(flows.columns) == eco.CASH_FLOW_COLUMNS
    wide = t1mod.cash_flow_table(flows)
    assert [str(y) for y in YEARS] == [c for c in wide.columns if c.isdigit()]
    t = t1mod.from_cash_flows(flows)
    for (row, concept), g in wide.groupby(["row", "concept"]):
        assert g["npv_mnok"].sum() == pytest.approx(cell(t, row, concept))
    paths = t1mod.write_tables(flows, tmp_path)
    written = pd.read_csv(paths["table1"])
    assert list(written.columns) == ["row", "I", "IIa", "IIb", "III"]
    assert written["row"].tolist() == list(eco.VALUED_ROWS)
    assert np.allclose(
        written[["I", "IIa", "IIb", "III"]].to_numpy(), t[["I", "IIa", "IIb", "III"]].to_numpy(), equal_nan=True
    )
    assert {"row", "concept", "kind", "published", "reproduced", "check"} <= set(
        pd.read_csv(paths["table1_vs_report"]).columns
    )


def test_missing_staffing_years_or_columns_are_named():
    result = staffing()
    with pytest.raises(ValueError, match=r"kontaktsenter.*2033"):
        effects = result.effects
        eco.cash_flows(
            StaffingResult(
                result.by_year, effects[~((effects["effect"] == "kontaktsenter") & (effects["year"] == 2033))]
            ),
            P,
        )
    with pytest.raises(ValueError, match="asa_s"):
        eco.cash_flows(StaffingResult(result.by_year.drop(columns="asa_s"), result.effects), P)


# --- today's picture (A.1.1) ----------------------------------------------------------------


def test_todays_picture_on_a_tiny_log():
    calls = pd.DataFrame(
        {
            "queue": [OPS, OPS, SWITCHBOARD, SWITCHBOARD],
            "wait_s": [10.0, 20.0, 30.0, 40.0],
            "answered": [True, True, True, False],
        }
    )
    t = eco.todays_picture(calls, P).set_index("item")
    assert t.loc["Sentralbord, kostnad", "value"] == pytest.approx(55 * 1.1779)
    assert t.loc["Operasjonssentral, kostnad", "value"] == pytest.approx(55.6)
    assert t.loc["Politiets kostnad, 02800", "value"] == pytest.approx(55 * 1.1779 + 55.6)
    assert t.loc["Politiets kostnad, 02800", "published"] == 120
    assert t.loc["Operasjonssentral, årsverk beregnet fra loggen", "value"] == pytest.approx(2 * 5 / 60 / 1104)
    assert t.loc["Sentralbord, minutter per besvart anrop", "value"] == pytest.approx(55 * 1400 * 60)
    assert t.loc["Innbyggernes tidskostnad", "value"] == pytest.approx(N_CALLS * 5 / 60 * NOK_PER_HOUR / 1e6)
    # mean wait 25 s on every national call
    assert t.loc["Herav ventetid", "value"] == pytest.approx(N_CALLS * 25 / 3600 * NOK_PER_HOUR / 1e6)
    assert t.loc["Gjennomsnittlig ventetid", "value"] == pytest.approx(25.0)


def test_gaps_name_their_drivers():
    t = t1mod.table1(staffing(savings={"kontaktsenter": 1.0}), P)
    gaps = t1mod.explain_gaps(t1mod.table1_vs_report(t), threshold_mnok=0.5)
    # the deterministic cells are within rounding, so only model-driven cells and sums are listed
    assert set(gaps["kind"]) <= {"model-driven", "sum"}
    row = gaps.set_index(["row", "concept"]).loc[("Spart tid kontaktsenter", "III")]
    assert "S(IIb) - S(III)" in row["drivers"]
    assert row["difference"] == pytest.approx(MNOK_PY * ANNUITY - 316)


def test_wait_reduction_from_an_observed_baseline():
    # today's observed 60 s against III's modelled 10 s: 50 s per remaining national phone call
    result = staffing(asa={"IIb": 25.0, "III": 10.0})
    default = t1mod.table1(result, P)
    observed = t1mod.table1(result, P.replace(iii_wait_reduction="observed"), observed_wait_s=60.0)
    per_second = sum(
        N_CALLS * 0.9 * (1 - (0.25 + 0.25 * k / 7)) / 3600 * NOK_PER_HOUR / 1e6 / 1.04**k for k in range(8)
    )
    base_iib = cell(default, "Spart tid innbyggere", "IIb")
    assert cell(default, "Spart tid innbyggere", "III") - base_iib == pytest.approx(15 * per_second)
    assert cell(observed, "Spart tid innbyggere", "III") - base_iib == pytest.approx(50 * per_second)
    # only that cell (and the sum) moves
    diff = (observed.set_index("row") - default.set_index("row")).fillna(0).abs()
    assert diff.drop(index=["Spart tid innbyggere", eco.SUM]).to_numpy().max() == 0


def test_observed_reading_needs_the_observed_wait():
    with pytest.raises(ValueError, match="observed_wait_s"):
        t1mod.table1(staffing(), Assumptions())
    calls = pd.DataFrame({"wait_s": [0.0, 30.0, 90.0, 600.0], "answered": [True, True, True, False]})
    assert eco.observed_mean_wait_s(calls) == pytest.approx(40.0)  # the answered calls' access time


def test_wait_readings_side_by_side():
    result = staffing(asa={"IIb": 25.0, "III": 10.0})
    r = t1mod.wait_readings(result, P, observed_wait_s=60.0)
    assert list(r.index) == ["model", "observed", "scaled", "report"]
    assert r.loc["observed", "wait_part_mnok"] == pytest.approx(r.loc["model", "wait_part_mnok"] * 50 / 15)
    # scaled: from 60 s to 60 x ASA_III / ASA_base = 60 x 10 / 60 = 10 s, here the observed reading's 50 s
    assert r.loc["scaled", "wait_part_mnok"] == pytest.approx(r.loc["observed", "wait_part_mnok"])
    slow = staffing(asa={"IIb": 25.0, "III": 10.0, "base": 20.0})  # the model answers 3 x faster than the log
    s = t1mod.wait_readings(slow, P, observed_wait_s=60.0)
    # W_III = 60 x 10 / 20 = 30 s: a cut of 30 s, against the observed reading's 50 s
    assert s.loc["scaled", "wait_part_mnok"] == pytest.approx(s.loc["observed", "wait_part_mnok"] * 30 / 50)
    assert r.loc["report", "sum_mnok"] == TABLE1_PUBLISHED[eco.SUM]["III"]


def test_cell_kinds_follow_the_valuation_entries():
    assert t1mod.cell_kind("Spart tid innbyggere", "IIb") == "deterministic"
    assert t1mod.cell_kind("Spart tid innbyggere", "III") == "model-driven"  # the shorter wait
    assert t1mod.cell_kind("Driftskostnader", "III") == "model-driven"  # ATB on the centre's staff
    assert t1mod.cell_kind("Driftskostnader", "IIb") == "deterministic"
    assert t1mod.cell_kind("Spart tid chatbot", "III") == "model-driven"
    assert t1mod.cell_kind(eco.SUM, "I") == "sum"


def test_components_accumulate_along_each_concepts_chain():
    labels = {c: [x.label for x in eco.components(c) if x.row == eco.RUNNING] for c in ("I", "IIa", "IIb", "III")}
    assert labels["I"] == ["politiet.no, årsverk"]
    assert labels["IIa"] == ["politiet.no, årsverk", "Chat, årsverk", "Livechat, lisens"]
    assert labels["III"] == [
        "politiet.no, årsverk",
        "Chat, årsverk",
        "Chatbot og livechat, lisens",
        "ATB-tillegg kontaktsenter",
    ]
    with pytest.raises(ValueError, match="kind"):
        eco.Component("I", eco.RUNNING, "x", "no_such_kind")
    with pytest.raises(ValueError, match="unknown assumption"):
        eco.Component("I", eco.RUNNING, "x", "running_mnok", "no_such_assumption")
