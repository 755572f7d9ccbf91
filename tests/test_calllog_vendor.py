"""An export as a contact-centre system writes it: vendor headers by a mapping file or built-in
aliases, date and time in two columns, durations as mm:ss or hh:mm:ss, outcome words, Excel's
SANN/USANN, and queue and district labels as the vendor writes them (issue 20, part 2).

Every case is compared with the same calls written in the contract's own form, or refused
with a message that names what is missing and the closest headers, never a value of a row.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from frames import CLEANING_SETTINGS, call_row

from lib.calllog import (
    CONTRACT_COLUMNS,
    CallLogError,
    InvalidRowsError,
    UnknownOutcomeError,
    clean_call_log,
    read_call_log,
)
from lib.calllog.mapping import header_key, mapping_path_for, read_mapping
from lib.calllog.validate import UNPARSABLE, _parse_duration

H = list(CONTRACT_COLUMNS)

#: The same five calls in the contract's form ...
CONTRACT = [
    call_row("A1", "Oslo", "sentralbord", "2023-02-01 10:00:05", "12", "184", "true"),
    call_row("A2", "Øst", "operasjonssentral", "2023-02-01 23:41:07", "97", "0", "false"),
    call_row("A3", "Sør-Øst", "sentralbord", "2023-06-14 10:00:31", "3725", "0", "false"),
    call_row("A4", "Møre og Romsdal", "operasjonssentral", "2023-07-01 02:12:45", "8", "95", "true"),
    call_row("A5", "Trøndelag", "operasjonssentral", "2023-12-29 15:59:59", "41", "1500", "true"),
]
#: ... and as the vendor writes them: its headers, split date and time, hh:mm:ss and mm:ss,
#: outcome words, the vendor's queue and district labels (an old district for Øst).
VENDOR_HEADER = ["Samtale-ID", "Mottakende enhet", "Tjeneste", "Dato", "Klokkeslett", "Tid i kø", "Varighet", "Utfall"]
VENDOR = [
    ["A1", "Oslo politidistrikt", "Sentralbordet", "01.02.2023", "10:00:05", "00:00:12", "03:04", "Besvart"],
    ["A2", "Romerike", "OPS", "01.02.2023", "23:41:07", "00:01:37", "00:00", "Tapt"],
    ["A3", "SØR-ØST", "Sentralbord", "14.06.2023", "10:00:31", "01:02:05", "0:00", "Avbrutt"],
    [
        "A4",
        "More og Romsdal politidistrikt",
        "Operasjonssentral",
        "01.07.2023",
        "02:12:45",
        "0:00:08",
        "01:35",
        "BESVART",
    ],
    ["A5", "Trøndelag", "operasjonssentralen", "29.12.2023", "15:59:59", "00:00:41", "25:00", "Besvart"],
]
MAPPING = {
    "call_id": "Samtale-ID",
    "district": "Mottakende enhet",
    "queue": "Tjeneste",
    "arrived_at": "Dato+Klokkeslett",
    "wait_s": "Tid i kø",
    "talk_s": "Varighet",
    "answered": "Utfall",
}


def write(path, header, rows, sep=";", encoding="utf-8"):
    path.write_bytes(("\n".join(sep.join(r) for r in [header, *rows]) + "\n").encode(encoding))
    return path


def write_mapping(path, columns, labels=()):
    lines = ["contract_column,export_column", *(f"{c},{e}" for c, e in columns.items()), *labels]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def clean(tmp_path, path, **kw):
    return clean_call_log(path, tmp_path / "processed", tmp_path / "outputs", **{**CLEANING_SETTINGS, **kw})


def reference(tmp_path):
    return clean(tmp_path / "ref", write(tmp_path / "contract.csv", H, CONTRACT, sep=","))


def fmt(result) -> dict[str, str]:
    return dict(zip(result.input_format["item"], result.input_format["value"], strict=True))


# --- a mapping file beside the export ------------------------------------------------------------


def test_a_vendor_export_runs_with_a_mapping_file_and_nothing_else(tmp_path):
    path = write(tmp_path / "eksport_2023.csv", VENDOR_HEADER, VENDOR, encoding="cp1252")
    write_mapping(tmp_path / "eksport_2023.columns.csv", MAPPING)
    res, ref = clean(tmp_path, path), reference(tmp_path)
    pd.testing.assert_frame_equal(res.clean, ref.clean)
    pd.testing.assert_frame_equal(res.report, ref.report)
    f = fmt(res)
    assert f["columns"].startswith("call_id <- Samtale-ID (mapping file); district <- Mottakende enhet (mapping file)")
    assert "arrived_at <- Dato+Klokkeslett (mapping file)" in f["columns"]
    assert f["duration_forms"] == "wait_s: hh:mm:ss 5 row(s); talk_s: mm:ss 5 row(s)"
    assert f["timestamp_forms"] == "dd.mm.yyyy hh:mm:ss local: 5 row(s)"
    assert res.clean.loc[res.clean["call_id"] == "A5", "talk_s"].item() == 1500.0
    assert res.count("outlier") == 1  # A3 waited 01:02:05


def test_without_a_mapping_the_error_names_what_is_missing_and_the_closest_headers(tmp_path):
    path = write(tmp_path / "eksport_2023.csv", VENDOR_HEADER, VENDOR)
    with pytest.raises(CallLogError) as err:
        read_call_log(path)
    msg = str(err.value)
    assert "eksport_2023.csv: missing column(s) ['district', 'queue', 'wait_s', 'talk_s']" in msg
    assert "- queue: no header spelt like it or its aliases" in msg
    assert "not matched to a contract column: 'Mottakende enhet', 'Tjeneste', 'Tid i kø', 'Varighet' (4 of 8)" in msg
    assert "<export name>.columns.csv" in msg and "wait_s,Ventetid" in msg
    for value in ("A1", "Oslo politidistrikt", "Sentralbordet", "01.02.2023", "00:00:12", "Besvart"):
        assert value not in msg  # headers only, never a value of a row


def test_did_you_mean_lists_the_closest_headers(tmp_path):
    header = ["Samtale-ID", "Politidistrikt", "Køen", "Dato", "Klokkeslett", "Ventetid", "Samtale tid", "Utfall"]
    path = write(
        tmp_path / "x.csv", header, [["A1", "Oslo", "sentralbord", "01.02.2023", "10:00", "1", "2", "Besvart"]]
    )
    with pytest.raises(CallLogError) as err:
        read_call_log(path)
    msg = str(err.value)
    assert "missing column(s) ['queue', 'talk_s']" in msg
    assert "- queue: did you mean 'Køen'?" in msg and "- talk_s: did you mean 'Samtale tid'?" in msg


def test_a_first_line_of_data_is_never_quoted_even_in_suggestions(tmp_path):
    path = tmp_path / "nohdr.csv"
    path.write_text(";".join(VENDOR[0]) + "\n" + ";".join(VENDOR[1]) + "\n", encoding="utf-8")
    with pytest.raises(CallLogError) as err:
        read_call_log(path)
    msg = str(err.value)
    assert "missing column(s)" in msg and "is the header missing?" in msg
    for value in VENDOR[0]:
        assert value not in msg


def test_the_issue_s_vendor_headers_are_built_in_aliases(tmp_path):
    header = ["Samtale-ID", "Politidistrikt", "Kø", "Dato", "Klokkeslett", "Ventetid", "Samtaletid", "Utfall"]
    path = write(tmp_path / "eksport.csv", header, VENDOR, encoding="cp1252")
    res, ref = clean(tmp_path, path), reference(tmp_path)
    pd.testing.assert_frame_equal(res.clean, ref.clean)
    assert "call_id <- Samtale-ID (built-in alias)" in fmt(res)["columns"]
    assert "arrived_at <- Dato+Klokkeslett (built-in alias)" in fmt(res)["columns"]


@pytest.mark.parametrize(
    "header, contract",
    [
        ("Call ID", "call_id"),
        ("ANROPS-ID", "call_id"),
        ("Wait time (s)", "wait_s"),
        ("Ventetid (hh:mm:ss)", "wait_s"),
        ("Talk_Time", "talk_s"),
        ("Outcome", "answered"),
        ("Arrival time", "arrived_at"),
        ("Queue", "queue"),
    ],
)
def test_english_and_norwegian_headers_compare_loosely(header, contract):
    from lib.calllog.mapping import column_aliases

    assert column_aliases()["calls"][header_key(header)] == contract


def test_a_columns_parameter_points_at_a_mapping_file_elsewhere(tmp_path):
    path = (
        write(tmp_path / "data" / "export.csv", VENDOR_HEADER, VENDOR) if (tmp_path / "data").mkdir() is None else None
    )
    mapping = write_mapping(tmp_path / "mine.csv", MAPPING)
    res = clean(tmp_path, path, columns=mapping)
    pd.testing.assert_frame_equal(res.clean, reference(tmp_path).clean)


def test_two_mapping_files_beside_one_export_is_an_error(tmp_path):
    path = write(tmp_path / "e.csv", VENDOR_HEADER, VENDOR)
    write_mapping(tmp_path / "e.columns.csv", MAPPING)
    write_mapping(tmp_path / "e.csv.columns.csv", MAPPING)
    with pytest.raises(CallLogError, match="keep one mapping file per export"):
        read_call_log(path)


def test_the_folder_s_columns_csv_is_the_mapping_of_every_file_in_it(tmp_path):
    path = write(tmp_path / "e.csv", VENDOR_HEADER, VENDOR)
    write_mapping(tmp_path / "columns.csv", MAPPING)
    assert mapping_path_for(path) == tmp_path / "columns.csv"
    assert read_call_log(path).plan.found_by["wait_s"] == "mapping file"


@pytest.mark.parametrize(
    "lines, message",
    [
        (
            ["contract_column,export_column", "wait,Tid i kø"],
            "line 2: 'wait' is not a contract column; did you mean 'wait_s'",
        ),
        (["kolonne,eksport", "wait_s,Tid i kø"], "the first line must be the header contract_column,export_column"),
        (["contract_column,export_column", "wait_s,Tid i kø", "wait_s,Ventetid"], "line 3: wait_s is mapped twice"),
        (["contract_column,export_column", "queue:sentral,SB"], "'sentral' is not a contract value of queue"),
        (["contract_column,export_column", "district:Østfold,Ø"], "'Østfold' is not a contract value of district"),
        (["contract_column,export_column", "talk_s,Varighet+Tid"], "only arrived_at and interval_start may join"),
    ],
)
def test_a_mapping_file_that_cannot_be_used_says_why(tmp_path, lines, message):
    path = tmp_path / "m.columns.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_mapping(path)


def test_a_mapping_to_a_column_the_export_lacks_names_the_closest(tmp_path):
    path = write(tmp_path / "e.csv", VENDOR_HEADER, VENDOR)
    write_mapping(tmp_path / "e.columns.csv", {**MAPPING, "wait_s": "Tid i kø (s)x"})
    with pytest.raises(
        CallLogError,
        match=r"maps wait_s to 'Tid i kø \(s\)x', but the export has no such column; "
        r"did you mean 'Tid i kø'",
    ):
        read_call_log(path)


def test_two_headers_that_could_be_one_column_ask_for_a_mapping(tmp_path):
    header = ["call_id", "district", "queue", "arrived_at", "Ventetid", "Aksesstid", "talk_s", "answered"]
    path = write(tmp_path / "e.csv", header, [[*call_row()[:4], "1", "1", *call_row()[5:]]], sep=",")
    with pytest.raises(CallLogError, match=r"several columns could be wait_s \('Ventetid', 'Aksesstid'\)"):
        read_call_log(path)


# --- labels --------------------------------------------------------------------------------------


def test_label_rows_of_the_mapping_file_extend_the_alias_tables(tmp_path):
    rows = [list(r) for r in VENDOR]
    rows[0][1], rows[0][2], rows[1][7] = "Oslo sentrum", "SB hovednummer", "Viderekoblet"
    path = write(tmp_path / "e.csv", VENDOR_HEADER, rows)
    labels = ["district:Oslo,Oslo sentrum", "queue:sentralbord,SB hovednummer", "answered:false,Viderekoblet"]
    write_mapping(tmp_path / "e.columns.csv", MAPPING, labels)
    res = clean(tmp_path, path)
    pd.testing.assert_frame_equal(res.clean, reference(tmp_path).clean)
    assert "3 label row(s) from the mapping file" in fmt(res)["columns"]


def test_unknown_outcome_words_stop_the_run_with_the_words_and_their_counts(tmp_path):
    rows = [list(r) for r in VENDOR] + [list(VENDOR[1]) for _ in range(3)]
    for i, r in enumerate(rows[5:]):
        r[0] = f"B{i}"
    rows[1][7], rows[5][7], rows[6][7], rows[7][7] = "Viderekoblet", "Viderekoblet", "Talepost", "SECRET-4471"
    path = write(tmp_path / "e.csv", VENDOR_HEADER, rows)
    write_mapping(tmp_path / "e.columns.csv", MAPPING)
    for mode in ("error", "quarantine"):  # what a word means is the analyst's decision, not a bad row
        with pytest.raises(UnknownOutcomeError) as err:
            clean(tmp_path, path, on_invalid=mode)
        msg = str(err.value)
        assert "the outcome column (answered <- Utfall) holds 3 word(s) the outcome table does not know" in msg
        assert "'Viderekoblet': 2 row(s); 'Talepost': 1 row(s)" in msg
        assert "1 other value(s) in 1 row(s), not shown" in msg and "SECRET" not in msg
        assert "answered:false,<word>" in msg and "e.columns.csv" in msg


def test_a_boolean_column_with_a_stray_value_stays_a_row_rule(tmp_path):
    rows = [call_row("A"), call_row("B", answered="yes")]
    path = write(tmp_path / "e.csv", H, rows, sep=",")
    with pytest.raises(InvalidRowsError, match=UNPARSABLE("answered") + r": 1 row\(s\), first at row\(s\) 2"):
        clean(tmp_path, path)


@pytest.mark.parametrize("yes, no", [("SANN", "USANN"), ("TRUE", "FALSE"), ("True", "False"), ("sann", "usann")])
def test_excel_booleans_in_any_case(tmp_path, yes, no):
    rows = [call_row("A", answered=yes), call_row("B", talk_s="0", answered=no)]
    res = clean(tmp_path, write(tmp_path / "e.csv", H, rows, sep="\t"))
    assert res.clean["answered"].tolist() == [True, False]


# --- durations and split timestamps --------------------------------------------------------------


@pytest.mark.parametrize(
    "text, seconds, form",
    [
        ("1:02:03", 3723.0, "hh:mm:ss"),
        ("00:01:37,5", 97.5, "hh:mm:ss"),
        ("02:03", 123.0, "mm:ss"),
        ("61:00", 3660.0, "mm:ss"),  # mm:ss: the minutes may pass 59
        ("100:00:00", 360000.0, "hh:mm:ss"),
        ("37,0", 37.0, "seconds"),
    ],
)
def test_durations_as_seconds_mm_ss_or_hh_mm_ss(text, seconds, form):
    v, missing, bad, ambiguous, forms = _parse_duration(pd.Series([text], dtype="str"), comma=True)
    assert v[0] == seconds and not (missing[0] or bad[0] or ambiguous[0]) and forms == {form: 1}


@pytest.mark.parametrize("text", ["1:75:00", "1:02:60", "12:3", ":30", "1:02:03:04", "-0:10"])
def test_impossible_clock_durations_are_unparsable(text):
    _v, _missing, bad, _ambiguous, forms = _parse_duration(pd.Series(["5", text], dtype="str"), comma=True)
    assert bad.tolist() == [False, True] and forms == {"seconds": 1}


def test_a_split_timestamp_with_one_part_missing_is_a_missing_value(tmp_path):
    rows = [list(VENDOR[0]), list(VENDOR[1])]
    rows[1][4] = ""
    path = write(tmp_path / "e.csv", VENDOR_HEADER, rows)
    write_mapping(tmp_path / "e.columns.csv", MAPPING)
    with pytest.raises(InvalidRowsError, match=r"missing value in arrived_at: 1 row\(s\), first at row\(s\) 2"):
        clean(tmp_path, path)


def test_parquet_with_a_date_column_and_a_time_column(tmp_path):
    table = pa.table(
        {
            "Samtale-ID": ["A1", "A2"],
            "Politidistrikt": ["Oslo", "Øst"],
            "Kø": ["Sentralbord", "Operasjonssentral"],
            "Dato": pa.array([dt.date(2023, 2, 1)] * 2),
            "Klokkeslett": pa.array([dt.time(10, 0, 5), dt.time(23, 41, 7)]),
            "Ventetid": [12.0, 97.0],
            "Samtaletid": [184.0, 0.0],
            "Utfall": ["Besvart", "Tapt"],
        }
    )
    pq.write_table(table, tmp_path / "e.parquet")
    res = clean(tmp_path, tmp_path / "e.parquet")
    pd.testing.assert_frame_equal(res.clean, reference(tmp_path).clean.iloc[:2])
