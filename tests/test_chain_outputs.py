"""The numbers that matter, asserted against the files the chain writes (the ``chain`` kind:
this file and tests/test_chain_*.py run in one worker after nbval, tests/conftest.py).

The session fixture ``chain_run`` (tests/conftest.py) is the chain's run on the synthetic log
(every notebook, 00-07): nbval's execution of this session, or a pipeline run into a temporary
folder; these tests read what that run wrote, never what an earlier run left in outputs/. Golden copies in `tests/golden/` were written by the
same chain; a change to them is a change to the results and must be deliberate (copy the
new files from a run over them and say why in the commit).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from lib import calllog
from lib.calllog import check_identity
from lib.core import output_tables
from lib.core.assumptions import TABLE1_PUBLISHED, Assumptions
from lib.core.paths import PROJ_ROOT
from lib.model.concepts import board_hours, pool, traffic
from lib.model.staffing import staff
from lib.planning import pilot, roster
from lib.queues.models import solve
from lib.report import workbook
from lib.traffic import patience as pat
from lib.valuation import economics
from lib.valuation import uncertainty as u
from lib.valuation.economics import SUM

GOLDEN = PROJ_ROOT / "tests" / "golden"
A = Assumptions()
#: Every figure a run writes (outputs/figures/), by the notebook that draws it.
FIGURE_FILES = {
    "erlang_typical_hour.png",
    "erlang_staffing_curve.png",
    "erlang_pooling.png",
    "figur_a1.png",
    "figur_a2.png",
    "arrivals_hour_of_week.png",
    "arrivals_by_month_and_day.png",
    "staffing_effects_by_year.png",
    "staffing_fig6_contacts_by_channel.png",
    "staffing_weekday_profile.png",
    "table1_vs_report.png",
    "tornado_sum_III.png",
    "uncertainty_sobol_III.png",
}

CONCEPTS = ["I", "IIa", "IIb", "III"]
# Cells that follow from the report's assumptions alone (docs/model.md §8).
DETERMINISTIC = {
    "Spart tid innbyggere": ["I", "IIa", "IIb"],
    "Investeringskostnader": CONCEPTS,
    "Driftskostnader": ["I", "IIa", "IIb"],
}


@pytest.fixture(scope="module")
def tables(chain_run: Path) -> Path:
    return chain_run / "outputs" / "tables"


@pytest.fixture(scope="module")
def _read(tables: Path):
    def read(name: str) -> pd.DataFrame:
        path = tables / name
        if not path.exists():
            pytest.fail(f"the chain wrote no {name}")
        return pd.read_csv(path)

    return read


def arrival_summary(rates: pd.DataFrame) -> pd.DataFrame:
    """The arrival rates by district and month: calls counted, expected calls (sum of
    rate_per_hour) and the rate-weighted mean handling time (s): a small golden of a
    96 360-row table."""
    month = pd.to_datetime(rates["date"]).dt.month.astype("int64")
    r = rates.assign(month=month, work=rates["rate_per_hour"] * rates["aht_s"])
    g = r.groupby(["district", "month"], sort=False)
    out = g[["observed", "rate_per_hour", "work"]].sum().reset_index()
    out["aht_s"] = out.pop("work") / out["rate_per_hour"]
    return out


def test_cleaning_accounts_for_every_row(_read):
    c = _read("cleaning_report.csv").set_index("item")["count"]
    assert list(c.index) == list(calllog.report_items())  # the items in their order (test_calllog names them)
    assert c["rows_read"] == c["kept"] + c["duplicate"] + c["zero_total"] + c["outlier"] + c["quarantined"]


@pytest.mark.parametrize(
    "name",
    [
        "cleaning_report.csv",
        "table1.csv",
        "staffing_by_year.csv",
        "staffing_effects.csv",
        "sensitivity.csv",
        "table1_uncertainty.csv",
        "decision_probabilities.csv",
        "pilot_curve.csv",
        "roster_summary.csv",
        "roster_like_for_like.csv",
    ],
)
def test_results_equal_the_golden_run(_read, name):
    pd.testing.assert_frame_equal(_read(name), pd.read_csv(GOLDEN / name), check_exact=False, rtol=1e-9)


def test_arrival_rates_equal_the_golden_run(chain_run):
    rates = pd.read_parquet(chain_run / "processed" / "arrival_rates.parquet")
    assert len(rates) == 11 * 8760
    summary = arrival_summary(rates)
    pd.testing.assert_frame_equal(
        summary, pd.read_csv(GOLDEN / "arrival_rates_by_month.csv"), check_exact=False, rtol=1e-9
    )


def test_the_workbook_holds_every_table(tables):
    sheets = pd.ExcelFile(tables / "results.xlsx").sheet_names
    assert sheets[:2] == ["Innhold", "Tabell 1"]  # contents, then Table 1 in the report's layout
    assert sheets[-2:] == ["Kolonner", "Kjøring"]  # column dictionary, run information
    assert sorted(sheets[2:-2]) == sorted(workbook.sheet_name(p.stem) for p in tables.glob("*.csv"))  # Norwegian names


def test_deterministic_cells_of_table1_equal_the_report_after_rounding(_read):
    t1 = _read("table1.csv").set_index("row")
    for row, concepts in DETERMINISTIC.items():
        for c in concepts:
            assert round(t1.loc[row, c]) == TABLE1_PUBLISHED[row][c], (row, c, t1.loc[row, c])


def test_table1_has_the_reports_rows_and_concepts(_read):
    t1 = _read("table1.csv")
    assert list(t1.columns) == ["row", *CONCEPTS]
    assert list(t1["row"]) == list(TABLE1_PUBLISHED)


def test_sum_row_is_benefits_minus_costs(_read):
    t1 = _read("table1.csv").set_index("row").fillna(0.0)
    benefits = t1.loc[[r for r in t1.index if r.startswith("Spart tid")]].sum()
    costs = t1.loc[["Investeringskostnader", "Driftskostnader"]].sum()
    pd.testing.assert_series_equal(t1.loc["Sum verdsatte virkninger"], benefits - costs, check_names=False, rtol=1e-12)


def test_comparison_table_flags_agree_with_the_values(_read):
    cmp = _read("table1_vs_report.csv")
    det = cmp["kind"] == "deterministic"
    assert cmp.loc[det, "check"].all()
    rel = (cmp["reproduced"] - cmp["published"]).abs() / cmp["published"]
    within = rel[~det] <= 0.10
    assert (cmp.loc[~det, "check"] == within).all()


def test_staffing_matches_the_reports_headline_figures_roughly(_read):
    by = _read("staffing_by_year.csv").set_index(["concept", "year"])
    # §7.2.1.1: about 60 person-years fewer than today's 90 in 2033 under III
    assert 50 <= 90 - by.loc[("III", 2033), "person_years"] <= 70
    # §5.2.2.1: concept I saves about 4 person-years
    assert 3 <= by.loc[("I", 2026), "saving_person_years"] <= 6


# --- the chain's run, read by the modules' own checks ------------------------------------------


# --- (lib.figures on the chain run)


def test_every_png_of_a_run_carries_its_title(chain_run: Path):
    folder = chain_run / "outputs" / "figures"
    pngs = sorted(folder.glob("*.png"))
    assert FIGURE_FILES <= {p.name for p in pngs}, "a figure of the chain is missing"
    for p in pngs:
        with Image.open(p) as im:
            title = im.text.get("Title", "")
        assert title.strip(), f"{p.name} has no Title in its PNG metadata"
        assert "occupancy" not in title.lower()


# --- (lib.output_tables on the chain run)


def test_the_chain_writes_exactly_the_registered_tables(chain_run: Path):
    written = {p.stem for p in (chain_run / "outputs" / "tables").glob("*.csv")}
    assert written == set(output_tables.registry())


# --- (lib.patience on the chain run)


def test_patience_per_queue_on_the_cleaned_log(chain_run):
    # the cleaned synthetic log of the session's chain run (tests/conftest.py), never a leftover
    calls = pd.read_parquet(
        chain_run / "processed" / "calls_clean.parquet",
        columns=["queue", "district", "arrived_at", "wait_s", "answered", "in_scope"],
    )
    fit = pat.fit_patience(calls, ["queue"])
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print("\n", fit.to_string(index=False))
    print(f"model_patience_s (call-weighted): {pat.model_patience_s(fit):.1f} s")
    assert list(fit["queue"]) == ["sentralbord", "operasjonssentral"]
    assert fit["calls"].sum() == int(calls["in_scope"].sum())
    assert fit["abandoned"].sum() == int((~calls["answered"] & calls["in_scope"]).sum())
    assert np.isfinite(fit["patience_s"]).all() and (fit["patience_s"] > 0).all()
    assert fit["patience_s"].min() < pat.model_patience_s(fit) < fit["patience_s"].max()


# --- (lib.pilot on the chain run)


def test_on_the_chain_run_all_eleven_pooled_is_concept_iii_and_singles_save_nothing(chain_run):
    """Issue 13 on the 11 modelled districts of the chain's synthetic log, both targets."""
    import pandas as pd

    bh11 = board_hours(pd.read_parquet(chain_run / "processed" / "arrival_rates.parquet"))
    s = pilot.search(bh11, A)
    assert len(s.members) == 2047
    check = pilot.consistency(s, bh11, A)
    assert check["equal"].all(), check.to_string()
    assert (s.saving[:, s.sizes == 1] == 0).all()
    today = s.target_index(A.service_time_today_s)
    calls, aht = traffic("IIb", bh11, s.year, A)
    pooled, _ = solve(*pool(calls, aht), A.service_time_today_s, A)
    assert s.pooled[today, -1] == pooled.sum()
    greedy = pilot.greedy_order(s)
    assert (greedy["greedy_vs_best"] <= 1 + 1e-12).all()


# --- (lib.roster on the chain run)


def test_on_the_chain_run_every_hour_of_the_year_is_covered(chain_run):
    """Issue 13: the roster of concept III on the chain's synthetic log covers every modelled
    hour of the year (the requirement is each season's maximum)."""
    rates = board_hours(pd.read_parquet(chain_run / "processed" / "arrival_rates.parquet"))
    r = roster.plan(rates, A)
    days = roster.local_day_hours(r.hourly)
    for season, w in r.week_rosters.items():
        d = days[days["season"] == season]
        on_duty = w.on_duty[(d["weekday"] * 24 + d["hour"]).to_numpy()]
        assert (on_duty >= d["agents"].to_numpy()).all(), season
    summary = roster.roster_summary(r, A).set_index("season")
    assert summary.loc[roster.YEAR_ROW, "model_agent_hours"] == staff("III", rates, A.first_year, A).agent_hours
    assert 0 < summary.loc[roster.YEAR_ROW, "schedule_efficiency"] <= 1


# --- (lib.uncertainty on the chain run)


@pytest.fixture(scope="module")
def chain_rates(chain_run: Path):
    processed = chain_run / "processed"
    rates = board_hours(pd.read_parquet(processed / "arrival_rates.parquet"))
    wait = economics.observed_mean_wait_s(
        pd.read_parquet(processed / "calls_clean.parquet", columns=["wait_s", "answered"])
    )
    return rates, wait


def test_the_surrogate_agrees_with_the_exact_model_on_200_draws(chain_rates):
    """Issues 12 and 24: within 2 % or 0.3 MNOK on every cell, 0.5 % on every concept's sum, with the
    staffing model's handling time drawn too."""
    rates, wait = chain_rates
    mc = u.monte_carlo(rates, A, n=2000, seed=u.DEFAULT_SEED, observed_wait_s=wait)
    assert mc.draws["handling_time_factor"].nunique() == u.STRATA
    check = u.surrogate_check(mc, rates, n=200, observed_wait_s=wait)
    worst = check.loc[check["max_error_share_of_tolerance"].idxmax()]
    assert worst["max_error_share_of_tolerance"] <= 1.0, worst.to_dict()
    sums = check[check["row"] == SUM]
    assert (sums["max_abs_error_mnok"] < 0.3).all()


def test_the_erlang_a_surrogate_agrees_with_the_exact_model_on_200_draws(chain_rates, chain_run):
    """Issue 24: the structural reading Erlang A (the target counted on all calls) gets a Monte Carlo of
    its own on the Erlang A surrogate; within the same tolerance as Erlang C's, on the chain's patience."""
    rates, wait = chain_rates
    calls = pd.read_parquet(chain_run / "processed" / "calls_clean.parquet")
    a = A.replace(queue_model="erlang_a", service_level_basis="offered", patience_s=_model_patience(calls))
    mc = u.monte_carlo(rates, a, n=200, seed=u.DEFAULT_SEED, observed_wait_s=wait)
    check = u.surrogate_check(mc, rates, n=200, observed_wait_s=wait)
    worst = check.loc[check["max_error_share_of_tolerance"].idxmax()]
    assert worst["max_error_share_of_tolerance"] <= 1.0, worst.to_dict()


def test_the_surrogate_agrees_with_the_exact_model_on_200_draws_of_the_growing_volume(chain_rates):
    """Issue 24: under population_growth="on" every concept changes over the years and the drawn share
    of the growth moves every α; the surrogate stays within its tolerance of exact solves on 200 draws."""
    rates, wait = chain_rates
    a = A.replace(population_growth="on")
    mc = u.monte_carlo(rates, a, n=200, seed=u.DEFAULT_SEED, observed_wait_s=wait)
    assert mc.draws["population_growth_scale"].nunique() == 200
    check = u.surrogate_check(mc, rates, n=200, observed_wait_s=wait)
    worst = check.loc[check["max_error_share_of_tolerance"].idxmax()]
    assert worst["max_error_share_of_tolerance"] <= 1.0, worst.to_dict()


def _model_patience(calls: pd.DataFrame) -> float:
    return pat.model_patience_s(pat.fit_patience(calls, ["queue"]))


def test_the_notebooks_monte_carlo_reproduces_table1_at_the_report_values(chain_rates, chain_run):
    rates, wait = chain_rates
    mc = u.monte_carlo(rates, A, n=1, seed=1, observed_wait_s=wait, distributions=u.fixed())
    t1 = pd.read_csv(chain_run / "outputs" / "tables" / "table1.csv").set_index("row")
    for name in mc.cells.columns:
        row, concept = name.split("|")
        assert mc.cells[name].iloc[0] == pytest.approx(t1.loc[row, concept], rel=1e-9, abs=1e-9)


# --- (lib.calllog on the chain run)


def test_written_cleaning_report_and_clean_log_agree(chain_run):
    report_csv = chain_run / "outputs" / "tables" / "cleaning_report.csv"
    clean_pq = chain_run / "processed" / "calls_clean.parquet"
    report = pd.read_csv(report_csv)
    assert list(report["item"]) == list(calllog.report_items())
    check_identity(report)
    clean = pd.read_parquet(clean_pq, columns=["district", "in_scope", "id_conflict"])
    c = dict(zip(report["item"], report["count"], strict=True))
    assert len(clean) == c["kept"]
    assert int((~clean["in_scope"]).sum()) == c["out_of_scope"] and int(clean["id_conflict"].sum()) == c["id_conflict"]


def test_every_plan_lands_on_its_own_prediction_over_the_simulated_year(_read):
    """Issue 22's bar on the full year: under the model's own assumptions, every plan of every
    concept in both years and under both queue models within 1 percentage point of what its
    queue model predicts (service levels and abandonment), with at least 20 simulated years;
    the base plans' departures each present with a paired interval."""
    check = _read("simulation_check.csv")
    model = check[check["assumptions"] == "model"]
    plans = model[["model", "concept", "year"]].drop_duplicates()
    assert set(plans["model"]) == {"Erlang C", "Erlang A"} and len(plans) == 16
    assert (model["replications"] >= 20).all()
    shares = model[model["measure"] != "mean_wait_s"]
    assert (shares["difference"].abs() <= 0.01).all(), shares.loc[shares["difference"].abs() > 0.01]
    assert (shares["simulated_low"] <= shares["simulated"]).all()
    log = check[check["assumptions"] == "log"]
    assert set(log["concept"]) == {"base"}
    assert {"handling", "arrivals", "patience", "all"} <= set(log["departure"])
    assert (log["effect_low"] <= log["effect"]).all() and (log["effect"] <= log["effect_high"]).all()


def test_isa_converges_near_the_formula_plan(_read):
    isa = _read("isa_staffing.csv")
    assert set(isa["plan"]) == {"formel", "ISA"} and isa["converged"].all()
    both = isa.pivot(index="concept", columns="plan", values="agent_hours")
    assert ((both["ISA"] / both["formel"] - 1).abs() < 0.02).all()
