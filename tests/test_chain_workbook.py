"""The workbook made from the chain's run (the ``chain`` kind, tests/conftest.py): every table a
sheet, numbers as numbers with the dictionary's formats, Norwegian labels where the registry
asks for them, Table 1 in the report's layout."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from lib.core import output_tables
from lib.core.result_csv import PRECISION
from lib.report import run_info as run_report
from lib.report import workbook
from lib.valuation import table1
from lib.valuation.economics import SUM, VALUED_ROWS

NUMERIC_FORMATS = {k for k, v in workbook.FORMATS.items() if v is not None}


# --- lib.core.result_csv ------------------------------------------------------------------------------------


# --- lib.report.workbook on the chain run's tables ----------------------------------------------------------


@pytest.fixture(scope="module")
def run_tables(chain_run: Path) -> Path:
    return chain_run / "outputs" / "tables"


@pytest.fixture(scope="module")
def book(run_tables: Path, chain_run: Path, tmp_path_factory):
    info = pd.read_csv(chain_run / "outputs" / run_report.RUN_INFO, dtype=str, keep_default_na=False)
    out = workbook.write_workbook(run_tables, tmp_path_factory.mktemp("book") / "results.xlsx", info, SOURCE)
    return load_workbook(out)


SOURCE = "Syntetiske data (frø 2023)"


def sheet(book, table: str):
    """The sheet of result table ``table`` (named in Norwegian)."""
    return book[dict(zip(_order(book), book.sheetnames[2:-2], strict=False))[table]]


def _order(book) -> list[str]:
    return [p.stem for p in workbook.table_order(_TABLES[0])]


_TABLES: list[Path] = []


@pytest.fixture(autouse=True, scope="module")
def _remember(run_tables):
    _TABLES[:] = [run_tables]


def _csvs(run_tables: Path) -> dict[str, pd.DataFrame]:
    return {p.stem: pd.read_csv(p) for p in workbook.table_order(run_tables)}


def _sheets(run_tables: Path) -> dict[str, pd.DataFrame]:
    """Each table's columns as its sheet holds them: without the English columns a Norwegian one
    beside them replaces (workbook.ENGLISH_BESIDE)."""
    return {
        name: df.drop(columns=[c for c in workbook.ENGLISH_BESIDE.get(name, ()) if c in df.columns])
        for name, df in _csvs(run_tables).items()
    }


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
    assert book.sheetnames == ["Innhold", "Tabell 1", *(workbook.sheet_name(s) for s in stems), "Kolonner", "Kjøring"]
    order = list(output_tables.registry())
    known = [s for s in stems if s in order]
    assert known == [s for s in order if s in stems]
    assert book["Innhold"]["A1"].value == f"Data: {SOURCE}"
    contents = [r[0] for r in book["Innhold"].iter_rows(min_row=3, values_only=True)]
    assert contents == book.sheetnames
    assert all(r[1] and r[2] for r in book["Innhold"].iter_rows(min_row=3, values_only=True))


def test_the_workbook_is_norwegian_with_numbers_as_numbers_and_titled(book, run_tables):
    """Issue 25: every sheet named and headed in Norwegian, no number stored as text anywhere,
    the data source above the contents and Table 1, document properties with title and project."""
    for name in [p.stem for p in workbook.table_order(run_tables)]:
        ws = sheet(book, name)
        assert ws.title != name and "_" not in ws.title, ws.title
        english = [str(c) for c in pd.read_csv(run_tables / f"{name}.csv", nrows=0).columns]
        headers = [c.value for c in ws[1]]
        assert not [h for h in headers if "_" in str(h)], (ws.title, headers)
        assert headers != english or not any(c.isascii() and "_" in c for c in english)
    number_text = workbook._PLAIN_NUMBER  # "00" (an hour band) is a label, "0.15" a number
    for ws in book.worksheets:
        if ws.title == "Kolonner":
            continue  # column names and units as text
        for row in ws.iter_rows(min_row=2, values_only=True):
            texts = [v for v in row if isinstance(v, str) and number_text.match(v)]
            if ws.title == "Kjøring" and row[-1] in ("python", *run_report.PACKAGES):
                continue  # versions are text ("0.109")
            assert not texts, (ws.title, row)
    assert book["Tabell 1"]["A1"].value == f"Data: {SOURCE}"
    assert book.properties.title == workbook.TITLE and "Kontakt med politiet" in (book.properties.subject or "")
    runs = {r[-1]: r[1] for r in book["Kjøring"].iter_rows(min_row=2, values_only=True)}
    assert isinstance(runs["rows_read"], int) and isinstance(runs["raw_size_bytes"], int)


#: A text a reader would take for a number: English or Norwegian notation, thousands spaced
#: ("473 000", "0.25", "0,25"); a leading zero ("00", an hour band) is a label.
NUMBER_AS_TEXT = r"^[-−]?(?:[1-9]\d{0,2}(?: \d{3})+|[1-9]\d*|0)(?:[.,]\d+)?$"


def test_no_cell_holds_a_number_as_text_and_ranges_have_decimal_commas(book):
    """Issue 25: no text cell that parses as a number on any sheet (the column dictionary and
    the versions in "Kjøring" are text by nature); the sensitivity's text ranges in Norwegian."""
    import re

    for ws in book.worksheets:
        if ws.title == "Kolonner":
            continue
        for row in ws.iter_rows(min_row=2, values_only=True):
            if ws.title == "Kjøring" and row[-1] in ("python", *run_report.PACKAGES):
                continue
            assert not [v for v in row if isinstance(v, str) and re.match(NUMBER_AS_TEXT, v.strip())], (ws.title, row)
    texts = [v for r in sheet(book, "sensitivity").iter_rows(min_row=2, values_only=True) for v in r[-3:]]
    assert not [v for v in texts if isinstance(v, str) and re.search(r"\d\.\d|observed|scaled", v)]


def test_table1_sheet_is_the_reports_layout_with_numbers(book, run_tables):
    ws = book["Tabell 1"]
    t1 = pd.read_csv(run_tables / "table1.csv").set_index("row")
    assert ws["A2"].value.startswith("Virkning (nåverdi, mill. kr)")
    assert [c.value for c in ws[2]][1:] == ["Konsept I", "Konsept IIa", "Konsept IIb", "Konsept III"]
    rows = {r[0].value: r for r in ws.iter_rows(min_row=3)}
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
    for name, df in _sheets(run_tables).items():
        ws = sheet(book, name)
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
    today = sheet(book, "todays_picture")
    formats = {r[2].value: r[1].number_format for r in today.iter_rows(min_row=2)}
    assert formats["årsverk"] == "0.00" and formats["mill. kr per år"] == "0.0" and formats["anrop"] == "#,##0"
    a2 = {r[1].value: r[2].number_format for r in sheet(book, "table_a2_vs_report").iter_rows(min_row=2)}
    assert a2["Andel besvart"] == "0.0 %" and a2["Anrop (besvart og ubesvart)"] == "#,##0"


def test_sensitivity_values_are_numbers(book, run_tables):
    sens = pd.read_csv(run_tables / "sensitivity.csv")
    for column in ("base_value", "low_value", "high_value", "base_value_2", "low_value_2", "high_value_2"):
        assert pd.api.types.is_float_dtype(sens[column]), column
    assert {"low_text", "high_text", "label", "sum_base", "sum_low", "sum_high", "swing"} <= set(sens.columns)


def test_headers_bold_frozen_and_labelled(book, run_tables):
    for ws in book.worksheets:
        head = 2 if ws.title in ("Innhold", "Tabell 1") else 1  # the data source above
        assert ws.freeze_panes == f"A{head + 1}", ws.title
        assert all(c.font.b for c in ws[head] if c.value is not None), ws.title
        widths = [dim.width for dim in ws.column_dimensions.values()]
        assert widths and all(workbook.MIN_WIDTH <= w <= workbook.MAX_WIDTH for w in widths), ws.title
    csvs = _sheets(run_tables)
    for name, df in csvs.items():
        headers = [c.value for c in sheet(book, name)[1]]
        assert headers == [output_tables.describe_column(name, str(c))["label_no"] for c in df.columns]
    # the column sheet lists every column of every table sheet, the run information without its volatile rows
    listed = {(r[0], r[1]) for r in book["Kolonner"].iter_rows(min_row=2, values_only=True)}
    assert {(workbook.sheet_name(n), str(c)) for n, df in csvs.items() for c in df.columns} <= listed
    items = [r[-1] for r in book["Kjøring"].iter_rows(min_row=2, values_only=True)]
    assert "status" in items and not set(items) & set(run_report.VOLATILE)
