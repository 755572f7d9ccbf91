"""Tests of lib.valuation.uncertainty: distributions, draws, the Monte Carlo against the exact model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from frames import rates_frame
from scipy import stats

from lib.core.assumptions import Assumptions
from lib.model import staffing
from lib.model.concepts import board_hours, table1_concepts
from lib.valuation import uncertainty as u
from lib.valuation.economics import SUM
from lib.valuation.table1 import table1

A = Assumptions()
RNG = np.random.default_rng(5)
RATES = board_hours(
    rates_frame(
        np.round(RNG.uniform(0, 30, (3, 72)), 1), np.round(RNG.uniform(150, 260, (3, 72))), ("Oslo", "Agder", "Vest")
    )
)
WAIT_S = 50.0


def test_distributions_are_centred_on_the_values_in_force():
    t = u.distribution_table(A)
    assert set(t["assumption"]) == {n for d in u.DISTRIBUTIONS for n in d.names}
    tri = t[t["family"] == "triangular"]
    assert (tri["mode"] == tri["value_in_force"]).all()
    assert (t["low"] <= t["value_in_force"]).all() and (t["value_in_force"] <= t["high"]).all()
    assert t["reason"].str.len().min() > 20
    # the unit values DFØ fixes are not drawn
    assert not {"cost_per_person_year_nok", "leisure_value_per_person_year_nok", "discount_rate"} & set(t["assumption"])


def test_a_value_in_force_outside_its_range_is_refused():
    with pytest.raises(ValueError, match=r"chat_share_last_year=0\.9 lies outside its range"):
        u.distribution_table(A.replace(chat_share_last_year=0.9))


def test_a_bad_distribution_is_refused():
    with pytest.raises(ValueError, match="unknown assumption"):
        u.Uncertain("x", ("no_such",), (0.0,), (1.0,), "a reason", worse="low")
    with pytest.raises(ValueError, match="family"):
        u.Uncertain("x", ("discount_rate",), (0.0,), (1.0,), "a reason", worse="low", family="normal")
    with pytest.raises(ValueError, match="part label"):
        u.Uncertain("x", ("discount_rate",), (0.0,), (1.0,), "a reason", worse="low", parts=("a", "b"))


def test_draws_are_deterministic_bounded_and_move_groups_together():
    d1, d2 = u.draw(4000, 3, A), u.draw(4000, 3, A)
    pd.testing.assert_frame_equal(d1, d2)
    assert not d1.equals(u.draw(4000, 4, A))
    t = u.distribution_table(A).set_index("assumption")
    assert (d1.min() >= t["low"][d1.columns] - 1e-12).all() and (d1.max() <= t["high"][d1.columns] + 1e-12).all()
    rho = stats.spearmanr(d1["chat_share_first_year"], d1["chat_share_last_year"]).statistic
    assert rho == pytest.approx(6 / np.pi * np.arcsin(0.8 / 2), abs=0.03)
    independent = stats.spearmanr(d1["chat_share_first_year"], d1["transfer_share_first_year"]).statistic
    assert abs(independent) < 0.05
    # a triangular marginal: the sample mean is (low + mode + high) / 3
    assert d1["chat_handling_factor"].mean() == pytest.approx(t.loc["chat_handling_factor", "mean"], abs=0.005)


def test_a_batch_reads_like_the_assumptions():
    b = u.Batch(A, {"chat_share_last_year": [0.4, 0.6]})
    assert b.n == 2 and b.chat_share_last_year.shape == (2, 1) and b.discount_rate == A.discount_rate
    with pytest.raises(ValueError, match="max_occupancy"):
        u.Batch(A, {"max_occupancy": [0.8]})
    with pytest.raises(ValueError, match="unknown assumption"):
        u.Batch(A, {"chat_shares": [0.4]})


def test_with_every_assumption_fixed_the_monte_carlo_is_table1():
    mc = u.monte_carlo(RATES, A, n=3, seed=1, observed_wait_s=WAIT_S, distributions=u.fixed())
    r = staffing.run_all(RATES, A)
    t1 = table1(r, A, WAIT_S).set_index("row")
    summary = u.table1_uncertainty(mc, t1.reset_index())
    assert len(summary) == t1[list(table1_concepts())].notna().sum().sum() + len(u.EXTRA_ROWS) * 4
    np.testing.assert_allclose(summary["mean"], summary["deterministic"], rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(summary["p5"], summary["p95"], rtol=1e-12, atol=1e-9)
    people = u.staffing_uncertainty(mc).merge(r.by_year, on=["concept", "year"])
    np.testing.assert_allclose(people["mean"], people["person_years"], rtol=1e-12)


def test_a_batch_of_draws_values_each_draw_as_table1_would():
    draws = u.draw(3, 9, A)
    cells, _ = u.evaluate(u.Engine(RATES, A), u.Batch(A, draws), WAIT_S)
    for i, values in draws.iterrows():
        a = A.replace(**values.to_dict())
        r = staffing.run_all(RATES, a)
        t1 = table1(r, a, WAIT_S).set_index("row")
        for name in cells.columns:
            row, concept = name.split("|")
            assert cells[name].iloc[i] == pytest.approx(t1.loc[row, concept], rel=1e-10, abs=1e-9), name


def test_the_same_seed_gives_identical_results():
    m1 = u.monte_carlo(RATES, A, n=300, seed=42, observed_wait_s=WAIT_S)
    m2 = u.monte_carlo(RATES, A, n=300, seed=42, observed_wait_s=WAIT_S)
    pd.testing.assert_frame_equal(m1.cells, m2.cells, check_exact=True)
    pd.testing.assert_frame_equal(u.table1_uncertainty(m1), u.table1_uncertainty(m2), check_exact=True)


def _hand_made(sums: dict[str, list[float]], draws: dict[str, list[float]]) -> u.MonteCarlo:
    cells = pd.DataFrame({u.cell(SUM, c): v for c, v in sums.items()})
    return u.MonteCarlo(pd.DataFrame(draws), cells, {}, np.array([2026]), A)


def test_decision_probabilities_count_the_draws():
    mc = _hand_made(
        {"I": [1, -1, 2, 3], "IIa": [2, 0, 1, 1], "IIb": [0, 5, 3, 2], "III": [5, 4, -2, 6]},
        {"discount_rate": [0, 0, 0, 0]},
    )
    d = u.decision_probabilities(mc).set_index("concept")
    assert d.loc["I", "p_positive"] == 0.75 and d.loc["III", "p_positive"] == 0.75
    assert d["p_best"].to_dict() == {"I": 0.0, "IIa": 0.0, "IIb": 0.5, "III": 0.5}
    # step by step: I > 0, IIa - I, IIb - IIa, III - IIb
    assert list(d["step"]) == ["I", "IIa - I", "IIb - IIa", "III - IIb"]
    assert d["p_step_pays"].to_dict() == {"I": 0.75, "IIa": 0.5, "IIb": 0.75, "III": 0.5}
    assert d.loc["III", "mean_gain"] == pytest.approx(np.mean([5, -1, -5, 4]))
    assert d.loc["IIa", "p50_gain"] == pytest.approx(np.median([1, 1, -1, -2]))


def test_drivers_find_the_assumption_the_sum_follows():
    x = np.linspace(0.05, 0.15, 200)
    noise = np.random.default_rng(0).permutation(200)
    mc = _hand_made(
        {c: list(100 * x) for c in table1_concepts()},
        {"call_reduction_politiet_no": list(x), "chat_handling_factor": list(noise), "discount_rate": [0.04] * 200},
    )
    d = u.uncertainty_drivers(mc)
    top = d[d["concept"] == "III"].iloc[0]
    assert top["assumption"] == "call_reduction_politiet_no" and top["rank_correlation"] == pytest.approx(1.0)
    assert "discount_rate" not in set(d["assumption"])  # not drawn: no driver
    assert d.groupby("concept")["share"].sum().round(12).eq(1).all()


def test_scenarios_are_ordered_and_the_expected_one_is_table1():
    scen = u.scenarios(RATES, A, WAIT_S)
    sums = scen[scen["row"] == SUM].set_index("scenario")[list(table1_concepts())]
    assert (sums.loc["Pessimistisk"] < sums.loc["Forventet"]).all()
    assert (sums.loc["Forventet"] < sums.loc["Optimistisk"]).all()
    r = staffing.run_all(RATES, A)
    t1 = table1(r, A, WAIT_S).set_index("row")
    expected = scen[scen["scenario"] == "Forventet"].set_index("row")[list(table1_concepts())]
    pd.testing.assert_frame_equal(
        expected.drop(index=list(u.EXTRA_ROWS)), t1[list(table1_concepts())], check_names=False, rtol=1e-10
    )
    # the tax-financing rows: a fifth of the costs, and the sum net of it
    tax = expected.loc[u.TAX_FINANCING]
    costs = t1.loc["Investeringskostnader"] + t1.loc["Driftskostnader"]
    np.testing.assert_allclose(tax, 0.2 * costs[list(table1_concepts())], rtol=1e-12)
    values = u.scenario_values(A).set_index("assumption")
    assert values.loc["discount_rate", "Pessimistisk"] > A.discount_rate > values.loc["discount_rate", "Optimistisk"]


def test_the_drawn_rank_correlation_between_groups_matches_the_data():
    d = u.draw(20_000, 11, A)
    for c in u.CROSS_CORRELATIONS:
        first = next(x for x in u.DISTRIBUTIONS if x.label == c.first)
        second = next(x for x in u.DISTRIBUTIONS if x.label == c.second)
        for i in first.names:
            for j in second.names:
                rho = stats.spearmanr(d[i], d[j]).statistic
                assert rho == pytest.approx(6 / np.pi * np.arcsin(c.correlation / 2), abs=0.02), (i, j)
        assert len(c.reason) > 40
    m = u.correlation_matrix()
    assert (m.to_numpy() == m.to_numpy().T).all()
    with pytest.raises(ValueError, match="unknown group"):
        u.correlation_matrix(cross=(u.CrossCorrelation("no such", "Andel chat/chatbot", 0.3, "x"),))
    bad = (u.CrossCorrelation("Andel chat/chatbot", "Andel overført til livechat", -0.95, "x"),)
    with pytest.raises(ValueError, match="positive definite"):
        u.correlation_matrix(cross=bad)


def test_every_skewed_range_names_its_source_and_the_rest_are_symmetric():
    for d in u.DISTRIBUTIONS:
        for name, lo, m, hi in d.parameters(A):
            skewed = abs((hi - m) - (m - lo)) > 1e-9 * max(1.0, abs(m))
            if skewed:
                assert len(d.skew) > 40, f"{d.label}: {name} is skewed without a source"
    # the politiet.no reduction, the chat factor and the running costs were skewed without a source
    table = u.distribution_table(A).set_index("assumption")
    for name in ("call_reduction_politiet_no", "chat_handling_factor", "chatbot_licence_mnok_per_year"):
        assert table.loc[name, "skew"] == "symmetric"


def test_a_stratified_distribution_draws_its_equally_likely_values():
    d = u.draw(5000, 2, A)
    h = next(x for x in u.DISTRIBUTIONS if x.names == ("handling_time_factor",))
    values = h.strata(A)["handling_time_factor"]
    assert len(values) == u.STRATA and values[u.STRATA // 2] == pytest.approx(1.0)
    assert set(np.round(d["handling_time_factor"], 12)) == set(np.round(values, 12))
    counts = d["handling_time_factor"].value_counts(normalize=True)
    assert (abs(counts - 1 / u.STRATA) < 0.02).all()


def test_the_surrogate_covers_the_whole_support():
    s = u.support(A)
    assert set(s.columns) <= set(u.FACTOR_ASSUMPTIONS)
    assert len(s) == 2 ** (len(s.columns) - 1) * u.STRATA


def test_the_tax_financing_cost_is_a_fifth_of_the_public_spending():
    cells = pd.DataFrame(
        {
            u.cell(r, c): [10.0, 20.0]
            for r in ("Investeringskostnader", "Driftskostnader", SUM)
            for c in table1_concepts()
        }
    )
    t = u.tax_financing(cells, A)
    np.testing.assert_allclose(t[u.cell(u.TAX_FINANCING, "III")], [4.0, 8.0])
    np.testing.assert_allclose(t[u.cell(u.SUM_AFTER_TAX, "I")], [6.0, 12.0])
    mc = u.MonteCarlo(pd.DataFrame({"x": [0, 0]}), cells, {}, np.array([2026]), A.replace(tax_financing_cost="on"))
    np.testing.assert_allclose(mc.sums()["IIa"], [6.0, 12.0])
    off = u.MonteCarlo(pd.DataFrame({"x": [0, 0]}), cells, {}, np.array([2026]), A)
    np.testing.assert_allclose(off.sums()["IIa"], [10.0, 20.0])


def test_the_expected_value_table_has_the_reports_layout():
    mc = u.monte_carlo(RATES, A, n=200, seed=3, observed_wait_s=WAIT_S)
    t1 = table1(staffing.run_all(RATES, A), A, WAIT_S)
    summary = u.table1_uncertainty(mc, t1)
    e = u.expected_table(summary).set_index("row")
    assert list(e.index) == [*u.VALUED_ROWS, *u.EXTRA_ROWS]
    for c in table1_concepts():
        np.testing.assert_allclose(e[f"{c}_point"].loc[list(u.VALUED_ROWS)], t1.set_index("row")[c], equal_nan=True)
        assert (e[f"{c}_p5"].dropna() <= e[f"{c}_expected"].dropna() + 1e-9).all()
        assert (e[f"{c}_expected"].dropna() <= e[f"{c}_p95"].dropna() + 1e-9).all()
    assert np.isnan(e.loc["Spart tid kontaktsenter", "I_expected"])


def test_sobol_indices_find_the_group_the_sum_follows():
    mc = u.monte_carlo(RATES, A, n=50, seed=3, observed_wait_s=WAIT_S)
    sob = u.sobol_indices(mc, RATES, n_base=256, observed_wait_s=WAIT_S)
    i = sob[sob["concept"] == "I"].set_index("group")
    # concept I's sum moves with the politiet.no reduction, not with anything chat
    assert i["ST"].idxmax() == "Reduksjon i telefoner fra politiet.no" and i["ST"].max() > 0.5
    assert i.loc["Andel chat/chatbot", "ST"] == pytest.approx(0, abs=1e-9)
    assert (sob["S1"] <= sob["ST"] + sob["S1_conf"] + sob["ST_conf"]).all()
    again = u.sobol_indices(mc, RATES, n_base=256, observed_wait_s=WAIT_S)
    pd.testing.assert_frame_equal(sob, again, check_exact=True)
    ranks = u.driver_ranks(u.uncertainty_drivers(mc), sob)
    assert set(ranks.columns) >= {"rank_drivers", "rank_ST", "differ"}


def test_structural_scenarios_include_the_report_and_a_floor_of_two():
    st = u.structural_scenarios(RATES, A, WAIT_S, n=100, structures=u.STRUCTURES[:2])
    report = st[st["structure"] == u.STRUCTURES[0].label].set_index("concept")
    t1 = table1(staffing.run_all(RATES, A), A, WAIT_S).set_index("row")
    np.testing.assert_allclose(report["point"], t1.loc[SUM, list(table1_concepts())], rtol=1e-10)
    two = st[st["structure"] == u.STRUCTURES[1].label].set_index("concept")
    a2 = A.replace(min_agents=2)
    t2 = table1(staffing.run_all(RATES, a2), a2, WAIT_S).set_index("row")
    np.testing.assert_allclose(two["point"], t2.loc[SUM, list(table1_concepts())], rtol=1e-10)
    # Erlang A without a patience is left out, not guessed
    assert set(st["structure"]) == {s.label for s in u.STRUCTURES[:2]}
    # the readings run in threads: the same table, in the readings' order, in any number of them
    one = u.structural_scenarios(RATES, A, WAIT_S, n=100, structures=u.STRUCTURES[:2], threads=1)
    pd.testing.assert_frame_equal(st, one, check_exact=True)
    assert u.structural_scenarios(RATES, A, WAIT_S, n=10, structures=u.STRUCTURES[2:3]).empty


def test_erlang_a_readings_get_a_monte_carlo_of_their_own_and_exact_points():
    """Issue 24: the Erlang A readings are drawn on the Erlang A surrogate (its own mean and 90 %
    interval), and their point values, read from each surrogate at its anchor, are the exact Table 1
    under Erlang A."""
    implied = 0.7 * staffing.run_all(RATES, A).base_agent_hours
    readings = tuple(s for s in u.STRUCTURES if s.overrides.get("queue_model") == "erlang_a")
    st = u.structural_scenarios(
        RATES, A, WAIT_S, n=300, structures=readings, patience_s=240.0, implied_agent_hours=implied
    )
    assert list(st["structure"].unique()) == [s.label for s in readings] and len(readings) == 4
    for s in readings:
        t = st[st["structure"] == s.label].set_index("concept")
        b = A.replace(**s.overrides, patience_s=240.0, implied_agent_hours=implied)
        t1 = table1(staffing.run_all(RATES, b), b, WAIT_S).set_index("row")
        np.testing.assert_allclose(t["point"], t1.loc[SUM, list(table1_concepts())], rtol=1e-10)
        assert (t["draws"] == 300).all() and (t["p5"] < t["mean"]).all() and (t["mean"] < t["p95"]).all()
        mc = u.monte_carlo(RATES, b, n=300, observed_wait_s=WAIT_S)
        np.testing.assert_allclose(t["mean"], mc.sums().mean()[t.index], rtol=1e-12)
    # the absolute readings share their relative twin's staffing: the same draws, other sums
    for basis in ("besvarte", "alle anrop"):
        rel = st[st["structure"].str.endswith(basis)].set_index("concept")
        ab = st[st["structure"].str.contains(f"{basis}, absolutt")].set_index("concept")
        assert (ab["point"] != rel["point"]).all()
    # without today's implied staffing the absolute readings are left out, not guessed
    absolute = tuple(s for s in readings if s.overrides.get("scaling") == "implied")
    left = u.structural_scenarios(RATES, A, WAIT_S, n=0, structures=absolute, patience_s=240.0)
    assert left.empty
    # (the surrogate against exact Erlang A solves on 200 draws: tests/test_chain_outputs.py, on a year of calls)


def test_the_population_growth_draw_applies_only_under_the_option_and_leaves_the_other_draws_alone():
    growth = [d for d in u.DISTRIBUTIONS if d.own_stream]
    rest = tuple(d for d in u.DISTRIBUTIONS if not d.own_stream)
    assert [d.names for d in growth] == [("population_growth_scale",)]
    off = u.draw(500, 7, A)
    on = u.draw(500, 7, A.replace(population_growth="on"))
    alone = u.draw(500, 7, A, rest, cross=u.CROSS_CORRELATIONS)
    assert (off["population_growth_scale"] == 1.0).all()
    assert 0.5 <= on["population_growth_scale"].min() < 0.7 and 1.3 < on["population_growth_scale"].max() <= 1.5
    pd.testing.assert_frame_equal(off.drop(columns="population_growth_scale"), alone, check_exact=True)
    pd.testing.assert_frame_equal(on.drop(columns="population_growth_scale"), alone, check_exact=True)
    # off, it is no factor at all: not in the surrogate's support, not among the Sobol groups
    assert "population_growth_scale" not in u.support(A)
    assert "population_growth_scale" in u.support(A.replace(population_growth="on"))
