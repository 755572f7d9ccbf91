"""The numbers that matter, asserted against the files the notebooks wrote.

`make test` runs nbval on the notebooks first (`pytest notebooks tests`), which executes
the whole chain on the synthetic log and writes `outputs/tables/`; these tests then read
those files. Golden copies in `tests/golden/` were written by the same chain; a change to
them is a change to the results and must be deliberate (copy the new files over and say
why in the commit). Run `make notebooks` (or `make test`) before running this file alone.
"""
from __future__ import annotations

import pandas as pd
import pytest

from lib.assumptions import TABLE1_PUBLISHED
from lib.paths import OUTPUTS, PROJ_ROOT

TABLES = OUTPUTS / "tables"
GOLDEN = PROJ_ROOT / "tests" / "golden"
CONCEPTS = ["I", "IIa", "IIb", "III"]
# Cells that follow from the report's assumptions alone (MODEL_SPEC.md §4).
DETERMINISTIC = {
    "Spart tid innbyggere": ["I", "IIa", "IIb"],
    "Investeringskostnader": CONCEPTS,
    "Driftskostnader": ["I", "IIa", "IIb"],
}


def _read(name: str) -> pd.DataFrame:
    path = TABLES / name
    if not path.exists():
        pytest.fail(f"{path.relative_to(PROJ_ROOT)} is missing: run `make test` (nbval runs the notebooks "
                    "first) or `make notebooks` before this file")
    return pd.read_csv(path)


def test_cleaning_accounts_for_every_row():
    c = _read("cleaning_report.csv").set_index("item")["count"]
    assert list(c.index) == ["rows_read", "duplicate", "zero_total", "outlier", "quarantined", "kept",
                             "id_conflict", "out_of_scope"]
    assert c["rows_read"] == c["kept"] + c["duplicate"] + c["zero_total"] + c["outlier"] + c["quarantined"]


@pytest.mark.parametrize("name", ["cleaning_report.csv", "table1.csv", "staffing_by_year.csv",
                                  "staffing_effects.csv"])
def test_results_equal_the_golden_run(name):
    pd.testing.assert_frame_equal(_read(name), pd.read_csv(GOLDEN / name), check_exact=False, rtol=1e-9)


def test_deterministic_cells_of_table1_equal_the_report_after_rounding():
    t1 = _read("table1.csv").set_index("row")
    for row, concepts in DETERMINISTIC.items():
        for c in concepts:
            assert round(t1.loc[row, c]) == TABLE1_PUBLISHED[row][c], (row, c, t1.loc[row, c])


def test_table1_has_the_reports_rows_and_concepts():
    t1 = _read("table1.csv")
    assert list(t1.columns) == ["row", *CONCEPTS]
    assert list(t1["row"]) == list(TABLE1_PUBLISHED)


def test_sum_row_is_benefits_minus_costs():
    t1 = _read("table1.csv").set_index("row").fillna(0.0)
    benefits = t1.loc[[r for r in t1.index if r.startswith("Spart tid")]].sum()
    costs = t1.loc[["Investeringskostnader", "Driftskostnader"]].sum()
    pd.testing.assert_series_equal(t1.loc["Sum verdsatte virkninger"], benefits - costs, check_names=False,
                                   rtol=1e-12)


def test_comparison_table_flags_agree_with_the_values():
    cmp = _read("table1_vs_report.csv")
    det = cmp["kind"] == "deterministic"
    assert cmp.loc[det, "check"].all()
    rel = (cmp["reproduced"] - cmp["published"]).abs() / cmp["published"]
    within = rel[~det] <= 0.10
    assert (cmp.loc[~det, "check"] == within).all()


def test_staffing_matches_the_reports_headline_figures_roughly():
    by = _read("staffing_by_year.csv").set_index(["concept", "year"])
    # §7.2.1.1: about 60 person-years fewer than today's 90 in 2033 under III
    assert 50 <= 90 - by.loc[("III", 2033), "person_years"] <= 70
    # §5.2.2.1: concept I saves about 4 person-years
    assert 3 <= by.loc[("I", 2026), "saving_person_years"] <= 6
