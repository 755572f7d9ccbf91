"""The results workbook (lib.report.workbook) and the result-CSV writer (lib.core.result_csv).

Small hand-made tables here; the workbook made from the chain's real tables is checked in
tests/test_chain_workbook.py.
"""

from __future__ import annotations

import hashlib
import re
import time
from pathlib import Path

import numpy as np
import pandas as pd
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
    assert book.sheetnames == ["Innhold", "Radregnskap", "Bemanning per år", "zz_extra", "Kolonner", "Kjøring"]
    people = book["Bemanning per år"]
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
    assert list(book["Kjøring"].iter_rows(values_only=True)) == [
        ("Post", "Verdi", "Navn i run_info.csv"),
        ("Status", "fullført", "status"),  # no duration_s
    ]
    assert [c.value for c in book["Radregnskap"][1]] == ["Post", "Antall rader"]
    assert "zz_extra" in [r[0] for r in book["Innhold"].iter_rows(values_only=True)]
    # the column dictionary's meanings are English, and the sheet says so (issue 25)
    assert [c.value for c in book["Kolonner"][1]][3] == workbook.MEANING_HEADER and "engelsk" in workbook.MEANING_HEADER
    # no run information: no Kjøring sheet
    out2 = workbook.write_workbook(tables, tmp_path / "r2.xlsx", None)
    assert load_workbook(out2).sheetnames[-1] == "Kolonner"


def test_sheet_names_are_norwegian_valid_and_unique(tmp_path):
    names = [workbook.sheet_name(t) for t in output_tables.registry()]
    assert len({n.lower() for n in names}) == len(names)
    assert all(0 < len(n) <= 31 and not set(n) & set("\\/*?:[]") for n in names)
    assert all("_" not in n for n in names), names
    assert workbook._unique(["Tabell 1", "Tabell 1"], {"Tabell 1"}) == ["Tabell 1 (2)", "Tabell 1 (3)"]


def test_every_sheet_name_is_a_whole_norwegian_name_of_at_most_31_characters():
    """Issue 25: every table has its own name in sheet_names.csv, none cut mid-word at Excel's
    limit ("Anrop fjernet som uteliggere fo"); a name the file lacks is cut at a whole word."""
    listed = pd.read_csv(workbook.LIB_DATA / "sheet_names.csv", dtype=str, keep_default_na=False)
    names = dict(zip(listed["table"], listed["sheet_no"], strict=True))
    for table in output_tables.registry():
        assert table in names, f"{table}: give it a Norwegian sheet name in lib/core/data/sheet_names.csv"
        assert workbook.sheet_name(table) == names[table] and len(names[table]) <= workbook.SHEET_NAME_MAX
    title = "Anrop fjernet som uteliggere fordi de ventet over 30 minutter"
    assert workbook.whole_words(title, 31) == "Anrop fjernet som uteliggere"
    assert workbook.whole_words("Tabell 1 under Erlang A delt i virkningen", 31) == "Tabell 1 under Erlang A delt i"
    assert workbook.whole_words("Kort", 31) == "Kort"
    repeated = workbook._unique(["Bemanning per distrikt og natt", "Bemanning per distrikt og natt"], set())
    assert repeated == ["Bemanning per distrikt og natt", "Bemanning per distrikt og (2)"]  # the number after a word


def test_text_that_is_a_number_is_stored_as_one_and_the_book_has_a_title(tmp_path):
    tables = tmp_path / "tables"
    tables.mkdir()
    pd.DataFrame({"label": ["a", "b"], "low_text": ["0.15", "0.15 → 0.35"]}).to_csv(tables / "zz.csv", index=False)
    info = pd.DataFrame(
        {"item": ["rows_read", "holidays", "raw_size_bytes"], "value": ["1765909", "0.109", "26311036"]}
    )
    book = load_workbook(workbook.write_workbook(tables, tmp_path / "r.xlsx", info, "Syntetiske data (frø 2023)"))
    assert book["zz"]["B2"].value == 0.15 and book["zz"]["B3"].value == "0.15 → 0.35"
    run = {r[2]: r[1] for r in book["Kjøring"].iter_rows(min_row=2, values_only=True)}
    assert run == {"rows_read": 1765909, "holidays": "0.109", "raw_size_bytes": 26311036}
    assert book["Innhold"]["A1"].value == "Data: Syntetiske data (frø 2023)"
    assert book.properties.title == workbook.TITLE and book.properties.subject == workbook.PROJECT


#: Run information as the chain writes it (run_info.csv: English items, every value text).
RUN_INFO = pd.DataFrame(
    [
        ("status", "complete"),
        ("rows_read", "1765909"),
        ("input_encoding", "not applicable (Parquet)"),
        ("synthetic_log", "yes"),
        ("synthetic_seed", "2023"),
        ("assumptions", "the report's values"),
        ("assumption max_occupancy", "0.85 (report: 0.8)"),
        ("in_force max_occupancy", "0.85"),
        ("parameter columns", "None"),
        ("parameter year", "None"),
        ("parameter run_sensitivity", "True"),
        ("parameter draws", "10000"),
        ("plausibility", "all checks passed"),
        ("git_dirty", "no"),
        ("holidays", "0.109"),
    ],
    columns=["item", "value"],
)
#: English words a reader must not meet in the run information.
ENGLISH = re.compile(r"\b(complete|yes|no|None|True|False|not applicable|report|checks passed|assumptions)\b")


def test_the_run_sheet_is_norwegian_with_numbers_booleans_and_empty_cells(tmp_path):
    """Issue 25: "Kjøring" in Norwegian (labels and values from lib/core/data/run_info_labels.csv),
    numbers as numbers, booleans as ja/nei, None as an empty cell; the English item name kept last."""
    book = load_workbook(workbook.write_workbook(_small_tables(tmp_path / "t"), tmp_path / "r.xlsx", RUN_INFO))
    rows = list(book["Kjøring"].iter_rows(min_row=2, values_only=True))
    by_item = {item: (label, value) for label, value, item in rows}
    assert by_item["status"] == ("Status", "fullført")
    assert by_item["rows_read"] == ("Rader lest", 1765909)
    assert by_item["input_encoding"] == ("Tegnkoding", "ikke relevant (Parquet)")
    # a CSV export's reading in the same words as the "Innlesing" sheet (one vocabulary)
    assert run_report.value("input_separator", "semicolon") == "semikolon"
    assert run_report.value("input_encoding", "UTF-8 with byte-order mark") == "UTF-8 med byte-order mark (BOM)"
    assert by_item["synthetic_log"][1] == "ja" and by_item["git_dirty"][1] == "nei"
    assert by_item["assumptions"] == ("Forutsetninger", "rapportens verdier")
    assert by_item["assumption max_occupancy"][1] == "0,85 (rapporten: 0,8)"
    assert by_item["in_force max_occupancy"][1] == 0.85 and by_item["parameter draws"][1] == 10000
    assert by_item["parameter columns"][1] is None and by_item["parameter year"][1] is None
    assert by_item["parameter run_sensitivity"][1] == "ja"
    assert by_item["holidays"][1] == "0.109"  # a version stays text
    for label, value, _item in rows:
        assert not ENGLISH.search(str(label)), label
        assert not (isinstance(value, str) and ENGLISH.search(value)), value


def test_the_sensitivitys_values_as_text_are_numbers_or_norwegian_text(tmp_path):
    """Issue 25: "Følsomhet" (tekst) columns: one value a number (``473 000`` too), a range with
    decimal commas, a reading of a choice in Norwegian; distinct headers for each assumption."""
    tables = tmp_path / "tables"
    tables.mkdir()
    pd.DataFrame(
        {
            "assumption": ["cost_per_person_year_nok", "a, b", "iii_wait_reduction"],
            "label": ["Årsverkskostnad", "Andel", "Kortere ventetid i III"],
            "base_value": [1177900.0, 0.25, np.nan],
            "base_value_2": [np.nan, 0.5, np.nan],
            "concept": ["III"] * 3,
            "base_text": ["1 177 900", "0.25 → 0.5", "observed"],
            "low_text": ["473 000", "0.15 → 0.35", "observed"],
            "high_text": ["0.06", "0.35 → 0.65", "scaled"],
        }
    ).to_csv(tables / "sensitivity.csv", index=False)
    ws = load_workbook(workbook.write_workbook(tables, tmp_path / "r.xlsx", None))["Følsomhet"]
    rows = list(ws.iter_rows(values_only=True))
    assert len(set(rows[0])) == len(rows[0]) and "Verdi i bruk (2. forutsetning)" in rows[0]
    assert rows[1][-3:] == (1177900, 473000, 0.06)
    assert rows[2][-3:] == ("0,25 → 0,5", "0,15 → 0,35", "0,35 → 0,65")
    assert rows[3][-3:] == ("observert", "observert", "skalert")


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


#: English words of the code's details and input-format values that must not reach a reader's sheet.
ENGLISH = re.compile(
    r"\b(?:rows?|row\(s\)|calls?|files?|kept|read|quarantined|allowed|contract|names?|none|not applicable)\b"
)


def test_the_checks_and_the_input_format_reach_their_sheets_in_norwegian(tmp_path):
    """Plausibilitet shows ``detail_nb``, not the English ``detail``; Innlesing's values have
    their fixed English words in Norwegian (lib/core/data/input_format_nb.csv); a file name stays."""
    from lib.calllog import cleaning_report, plausibility
    from lib.core.assumptions import Assumptions

    tables = tmp_path / "tables"
    tables.mkdir()
    counts = {"rows_read": 1000, "duplicate": 0, "zero_total": 0, "outlier": 0, "quarantined": 3, "kept": 997}
    report = cleaning_report({**counts, "id_conflict": 0, "out_of_scope": 0})
    kept = pd.DataFrame(
        [(d, pd.Timestamp(year=2023, month=m, day=2, tz="Europe/Oslo")) for m in range(1, 13) for d in ("Oslo", "Øst")],
        columns=["district", "arrived_at"],
    )
    plausibility.write_checks(plausibility.check_log(report, kept, Assumptions()), tmp_path)
    values = [
        "data/raw/file_calls.csv (2 files)",
        "UTF-8 with byte-order mark",
        "semicolon",
        "comma (some values also with a point)",
        "wait_s <- Tid i kø (mapping file); call_id <- Samtale-ID (built-in alias)",
        "dd.mm.yyyy hh:mm:ss local: 3535 row(s)",
        "wait_s: seconds 10 row(s), mm:ss 2 row(s); talk_s: none",
        "not applicable (Parquet)",
        "contract names",
    ]
    pd.DataFrame({"item": [f"i{i}" for i in range(len(values))], "value": values}).to_csv(
        tables / "input_format.csv", index=False
    )
    book = load_workbook(workbook.write_workbook(tables, tmp_path / "r.xlsx", None))
    checks = list(book["Plausibilitet"].iter_rows(values_only=True))
    assert checks[0] == ("Kontroll", "Bestått", "Detaljer")
    assert checks[5][2] == "satt til side 3 av 1 000 rader lest (0,30 %); tillatt: høyst 1,00 % (max_quarantined_share)"
    read = [r[1] for r in book["Innlesing"].iter_rows(min_row=2, values_only=True)]
    assert read[0] == "data/raw/file_calls.csv (2 filer)"
    assert read[4] == "wait_s <- Tid i kø (koblingsfilen); call_id <- Samtale-ID (innebygd alias)"
    assert read[6] == "wait_s: sekunder 10 rad(er), mm:ss 2 rad(er); talk_s: ingen"
    for text in [r[2] for r in checks[1:]] + read[1:]:
        assert not ENGLISH.search(text), text
    assert "detail" not in [r[1] for r in book["Kolonner"].iter_rows(values_only=True) if r[0] == "Plausibilitet"]
