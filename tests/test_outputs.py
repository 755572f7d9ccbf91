"""The numbers that matter, asserted against the files the chain writes.

The session fixture ``chain_run`` (tests/conftest.py) runs every notebook (00-07) with papermill
on the synthetic log into a temporary folder; these tests read what that run wrote, never
what an earlier run left in outputs/. Golden copies in `tests/golden/` were written by the
same chain; a change to them is a change to the results and must be deliberate (copy the
new files from a run over them and say why in the commit).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from lib.core.assumptions import TABLE1_PUBLISHED
from lib.core.paths import PROJ_ROOT

GOLDEN = PROJ_ROOT / "tests" / "golden"
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
    assert list(c.index) == [
        "rows_read",
        "duplicate",
        "zero_total",
        "outlier",
        "quarantined",
        "kept",
        "id_conflict",
        "out_of_scope",
    ]
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
    assert sorted(sheets[2:-2]) == sorted(p.stem[:31] for p in tables.glob("*.csv"))


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
