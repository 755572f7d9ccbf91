"""The results workbook (lib.report.workbook) and the result-CSV writer (lib.core.result_csv).

The tests marked by the ``book`` fixture write the workbook from the tables of the session's
chain run (``chain_run``, tests/conftest.py: the whole chain once, into a temporary folder),
so they check the real tables; the others use small hand-made tables.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from lib.core import output_tables
from lib.core.result_csv import PRECISION, tidy_floats, write_csv
from lib.report import run_info as run_report
from lib.report import workbook
from lib.valuation import table1
from lib.valuation.economics import SUM, VALUED_ROWS

NUMERIC_FORMATS = {k for k, v in workbook.FORMATS.items() if v is not None}


# --- lib.core.result_csv ------------------------------------------------------------------------------------


def test_write_csv_removes_float_noise(tmp_path):
    df = pd.DataFrame(
        {
            "name": ["a", "b", "c", "d"],
            "calls": [154911.00000000003, 139017.99999999994, 1.0, np.nan],
            "difference": [-2.9103830456733704e-11, 5.820766091346741e-11, -0.0, 0.5],
            "count": [1, 2, 3, 4],
            "ok": [True, False, True, False],
        }
    )
    path = write_csv(df, tmp_path / "t.csv")
    assert path == tmp_path / "t.csv"
    assert path.read_bytes() == (
        b"name,calls,difference,count,ok\n"
        b"a,154911.0,0.0,1,True\n"
        b"b,139018.0,0.0,2,False\n"
        b"c,1.0,0.0,3,True\n"
        b"d,,0.5,4,False\n"
    )
    assert df.loc[0, "calls"] == 154911.00000000003  # the frame given is not changed


def test_tidy_floats_keeps_the_stated_precision():
    x = pd.DataFrame({"v": [150.99357142857144, 1.1 * 90, 0.123456789012, -1e-10]})
    out = tidy_floats(x)["v"].tolist()
    assert out == [150.993571429, 99.0, 0.123456789, 0.0]
    assert str(out[-1]) == "0.0"  # no negative zero
    assert np.allclose(out, x["v"], rtol=0, atol=0.5 * 10**-PRECISION)


# --- lib.report.workbook on small tables -------------------------------------------------------------------


def _small_tables(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame({"item": ["rows_read", "kept"], "count": [10, 8]}).to_csv(folder / "cleaning_report.csv", index=False)
    pd.DataFrame(
        {"concept": ["base", "I"], "year": [2026, 2026], "person_years": [90.0, 85.5], "asa_s": [27.3, 30.1]}
    ).to_csv(folder / "staffing_by_year.csv", index=False)
    pd.DataFrame({"a": [1.5, 2.0], "b": ["x", "y"]}).to_csv(folder / "zz_extra.csv", index=False)
    return folder


def test_the_workbook_is_byte_identical_across_two_writes(tmp_path):
    tables = _small_tables(tmp_path / "tables")
    info = pd.DataFrame({"item": ["status", "duration_s"], "value": ["complete", "12.3"]})
    digests = []
    for i in range(2):
        if i:
            time.sleep(1.1)  # openpyxl stamps the save time in whole seconds
        out = workbook.write_workbook(tables, tmp_path / f"r{i}.xlsx", info)
        digests.append(hashlib.sha256(out.read_bytes()).hexdigest())
    assert digests[0] == digests[1]


def test_small_workbook_order_labels_and_unknown_tables(tmp_path):
    tables = _small_tables(tmp_path / "tables")
    info = pd.DataFrame({"item": ["status", "duration_s"], "value": ["complete", "12.3"]})
    out = workbook.write_workbook(tables, tmp_path / "r.xlsx", info)
    book = load_workbook(out)
    # no table1.csv: no Table 1 sheet; an undescribed table comes after the known ones
    assert book.sheetnames == ["Innhold", "cleaning_report", "staffing_by_year", "zz_extra", "Kolonner", "Kjøring"]
    people = book["staffing_by_year"]
    assert [c.value for c in people[1]] == [
        "Konsept",
        "År",
        "Årsverk (skalert til dagens bemanning)",
        "Gjennomsnittlig svartid (sek)",
    ]
    assert people["C3"].value == 85.5 and people["C3"].number_format == "0.00"
    assert people["B2"].value == 2026 and people["B2"].number_format == "0"
    extra = book["zz_extra"]
    assert extra["A2"].value == 1.5 and extra["B2"].value == "x"
    assert [r[0] for r in book["Kjøring"].iter_rows(values_only=True)] == ["item", "status"]  # no duration_s
    assert "zz_extra" in [r[0] for r in book["Innhold"].iter_rows(values_only=True)]
    # no run information: no Kjøring sheet
    out2 = workbook.write_workbook(tables, tmp_path / "r2.xlsx", None)
    assert load_workbook(out2).sheetnames[-1] == "Kolonner"


def test_table1_layout_has_numbers_in_the_valued_rows():
    t1 = pd.DataFrame({"row": list(VALUED_ROWS), "I": 1.25, "IIa": 2.5, "IIb": 3.75, "III": 5.0})
    t1.loc[t1["row"] == "Spart tid chatbot", ["I", "IIa"]] = np.nan
    layout = table1.table1_layout(t1)
    assert list(layout.index) == list(table1.LAYOUT)
    assert list(layout.columns) == ["Konsept I", "Konsept IIa", "Konsept IIb", "Konsept III"]
    assert layout.loc[SUM, "Konsept III"] == 5.0 and isinstance(layout.loc[SUM, "Konsept III"], float)
    assert layout.loc["Spart tid chatbot", "Konsept I"] == table1.DASH
    assert layout.loc["Risiko", "Konsept III"] == "Moderat"
    assert layout.loc["Nyttevirkninger"].tolist() == [""] * 4
    assert table1.table1_layout(t1, warning="x").index.name.endswith("USIKKERT GRUNNLAG: x")
    # numbers as numbers, words as words: the report's 0 in "Omstillingskostnader" beside "Små"
    assert layout.loc["Omstillingskostnader"].tolist() == [0.0, 0.0, 0.0, "Små"]


# --- lib.report.workbook on the chain run's tables ----------------------------------------------------------


@pytest.fixture(scope="module")
def run_tables(chain_run: Path) -> Path:
    return chain_run / "outputs" / "tables"


@pytest.fixture(scope="module")
def book(run_tables: Path, chain_run: Path, tmp_path_factory):
    info = pd.read_csv(chain_run / "outputs" / run_report.RUN_INFO, dtype=str, keep_default_na=False)
    out = workbook.write_workbook(run_tables, tmp_path_factory.mktemp("book") / "results.xlsx", info)
    return load_workbook(out)


def _csvs(run_tables: Path) -> dict[str, pd.DataFrame]:
    return {p.stem: pd.read_csv(p) for p in workbook.table_order(run_tables)}


def test_the_column_dictionary_covers_every_column_of_every_table(run_tables):
    missing = [
        (name, column)
        for name, df in _csvs(run_tables).items()
        for column in df.columns
        if output_tables.describe_column(name, str(column)) is None
    ]
    assert not missing, f"add these to lib/core/data/column_dictionary.csv: {missing}"
    assert "sensitivity" in _csvs(run_tables)  # the chain ran the sensitivity analysis


def test_sheet_order(book, run_tables):
    stems = [p.stem for p in workbook.table_order(run_tables)]
    assert book.sheetnames == ["Innhold", "Tabell 1", *stems, "Kolonner", "Kjøring"]
    order = list(output_tables.registry())
    known = [s for s in stems if s in order]
    assert known == [s for s in order if s in stems]
    contents = [r[0] for r in book["Innhold"].iter_rows(min_row=2, values_only=True)]
    assert contents == book.sheetnames
    assert all(r[1] and r[2] for r in book["Innhold"].iter_rows(min_row=2, values_only=True))


def test_table1_sheet_is_the_reports_layout_with_numbers(book, run_tables):
    ws = book["Tabell 1"]
    t1 = pd.read_csv(run_tables / "table1.csv").set_index("row")
    assert ws["A1"].value.startswith("Virkning (nåverdi, mill. kr)")
    assert [c.value for c in ws[1]][1:] == ["Konsept I", "Konsept IIa", "Konsept IIb", "Konsept III"]
    rows = {r[0].value: r for r in ws.iter_rows(min_row=2)}
    assert list(rows) == list(table1.LAYOUT)
    for label in VALUED_ROWS:
        for cell, concept in zip(rows[label][1:], t1.columns, strict=True):
            if pd.isna(t1.loc[label, concept]):
                assert cell.value == table1.DASH
            else:
                assert isinstance(cell.value, float | int) and not isinstance(cell.value, bool)
                assert cell.value == pytest.approx(t1.loc[label, concept], abs=1e-9)
                assert cell.number_format == "0.0"
    assert rows["Risiko"][4].value == "Moderat"
    assert rows["Nyttevirkninger"][0].font.b and rows[SUM][0].font.b


def test_data_sheets_hold_numbers_with_the_dictionarys_formats(book, run_tables):
    for name, df in _csvs(run_tables).items():
        ws = book[name]
        for j, column in enumerate(df.columns, start=1):
            entry = output_tables.describe_column(name, str(column))
            assert entry is not None, (name, column)
            fmt = entry["format"]
            if fmt in NUMERIC_FORMATS:
                assert pd.api.types.is_numeric_dtype(df[column]), f"{name}.{column} is not numeric in the CSV"
            if not pd.api.types.is_numeric_dtype(df[column]) or pd.api.types.is_bool_dtype(df[column]):
                continue
            row_units = workbook.ROW_UNITS.get(name)
            for i, value in enumerate(df[column], start=2):
                cell = ws.cell(row=i, column=j)
                if pd.isna(value):
                    assert cell.value is None
                    continue
                assert isinstance(cell.value, int | float) and not isinstance(cell.value, str), (name, column, i)
                assert cell.value == pytest.approx(value, rel=1e-9, abs=10**-PRECISION)
                if row_units is None or fmt != "number":
                    assert cell.number_format == workbook.FORMATS[fmt], (name, column, cell.number_format)
                else:
                    assert cell.number_format in {v for v in workbook.FORMATS.values() if v}, (name, column)
    # the rows of today's picture follow their unit, table_a2_vs_report's its measure
    today = book["todays_picture"]
    formats = {r[2].value: r[1].number_format for r in today.iter_rows(min_row=2)}
    assert formats["årsverk"] == "0.00" and formats["mill. kr per år"] == "0.0" and formats["anrop"] == "#,##0"
    a2 = {r[1].value: r[2].number_format for r in book["table_a2_vs_report"].iter_rows(min_row=2)}
    assert a2["Andel besvart"] == "0.0 %" and a2["Anrop (besvart og ubesvart)"] == "#,##0"


def test_sensitivity_values_are_numbers(book, run_tables):
    sens = pd.read_csv(run_tables / "sensitivity.csv")
    for column in ("base_value", "low_value", "high_value", "base_value_2", "low_value_2", "high_value_2"):
        assert pd.api.types.is_float_dtype(sens[column]), column
    assert {"low_text", "high_text", "label", "sum_base", "sum_low", "sum_high", "swing"} <= set(sens.columns)


def test_headers_bold_frozen_and_labelled(book, run_tables):
    for ws in book.worksheets:
        assert ws.freeze_panes == "A2", ws.title
        assert all(c.font.b for c in ws[1] if c.value is not None), ws.title
        widths = [dim.width for dim in ws.column_dimensions.values()]
        assert widths and all(workbook.MIN_WIDTH <= w <= workbook.MAX_WIDTH for w in widths), ws.title
    csvs = _csvs(run_tables)
    for name, df in csvs.items():
        headers = [c.value for c in book[name][1]]
        if output_tables.get(name).for_people:
            assert headers == [output_tables.describe_column(name, str(c))["label_no"] for c in df.columns]
        else:
            assert headers == [str(c) for c in df.columns]
    # the column sheet lists every column of every table sheet, the run information without its volatile rows
    listed = {(r[0], r[1]) for r in book["Kolonner"].iter_rows(min_row=2, values_only=True)}
    assert {(n, str(c)) for n, df in csvs.items() for c in df.columns} <= listed
    items = [r[0] for r in book["Kjøring"].iter_rows(min_row=2, values_only=True)]
    assert "status" in items and not set(items) & set(run_report.VOLATILE)
