"""Real exports: encodings, separators, Norwegian timestamps and numbers, and bad rows as rows.

The 2023 export will come out of a Norwegian telephony system or a Norwegian Excel: Windows-1252
"CSV (semikolondelt)", tab-separated text, ``dd.mm.yyyy hh:mm:ss`` local times, decimal commas,
a ``Sum`` line at the end, blank lines, placeholder dates. Each case is read, or refused with a
message saying what the file looks like and what to do; a bad row is a contract violation
like any other (counted, numbered, quarantinable), never a crash, never quoted.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from frames import CLEANING_SETTINGS, call_row

from lib.calllog import (
    CONTRACT_COLUMNS,
    INPUT_FORMAT_ITEMS,
    CallLogError,
    InvalidRowsError,
    clean_call_log,
    read,
    read_call_log,
    sniff_delimiter,
)
from lib.calllog.validate import (
    AMBIGUOUS,
    DST_GAP,
    EMPTY_ROW,
    OUT_OF_RANGE,
    UNPARSABLE,
    WRONG_FIELDS,
)
from lib.core.paths import DATA_RAW, display_path

H = list(CONTRACT_COLUMNS)
SETTINGS = CLEANING_SETTINGS
SAVE_HINT = "Lagre som → CSV UTF-8 (kommadelt)"


def line(*fields, sep=",", **named):
    """One call as a line of text; ``fields`` and ``named`` as :func:`frames.call_row` takes them."""
    return sep.join(call_row(*fields, **named))


def write(path, lines, sep=",", encoding="utf-8", eol="\n", end=None):
    """A CSV of a header and ``lines`` (text), as bytes in ``encoding``; ``end`` replaces the final line break."""
    text = eol.join([sep.join(H), *lines]) + (eol if end is None else end)
    path.write_bytes(text.encode(encoding))
    return path


def clean(tmp_path, path, **kw):
    return clean_call_log(path, tmp_path / "processed", tmp_path / "outputs", **{**SETTINGS, **kw})


def error(tmp_path, path) -> str:
    with pytest.raises(InvalidRowsError) as err:
        clean(tmp_path, path)
    return str(err.value)


def counts(result) -> dict[str, int]:
    return dict(zip(result.report["item"], result.report["count"], strict=True))


def fmt(result) -> dict[str, str]:
    return dict(zip(result.input_format["item"], result.input_format["value"], strict=True))


def rejected(tmp_path) -> pd.DataFrame:
    return pd.read_parquet(tmp_path / "processed" / "rejected_rows.parquet")


# --- encodings --------------------------------------------------------------------------------

NORWEGIAN = [
    line("A", "Sør-Øst", sep=";"),
    line("B", "Møre og Romsdal", "operasjonssentral", sep=";"),
    line("C", "Trøndelag", "operasjonssentral", sep=";"),
]


@pytest.mark.parametrize(
    "encoding, name",
    [("cp1252", "Windows-1252"), ("utf-8", "UTF-8"), ("utf-8-sig", "UTF-8 with byte-order mark")],
)
def test_windows_1252_and_utf8_are_read_and_the_encoding_recorded(tmp_path, encoding, name):
    path = write(tmp_path / "export.csv", NORWEGIAN, sep=";", encoding=encoding)
    raw = read_call_log(path)
    assert raw.encoding == name and raw.frame["district"].tolist() == ["Sør-Øst", "Møre og Romsdal", "Trøndelag"]
    res = clean(tmp_path, path)
    assert res.encoding == name and fmt(res)["encoding"] == name
    assert res.clean["district"].tolist() == ["Sør-Øst", "Møre og Romsdal", "Trøndelag"]
    written = pd.read_csv(tmp_path / "outputs" / "tables" / "input_format.csv")
    assert list(written.columns) == ["item", "value"] and written["item"].tolist() == list(INPUT_FORMAT_ITEMS)


def test_windows_1252_inside_gzip_is_read(tmp_path):
    path = tmp_path / "export.csv.gz"
    path.write_bytes(gzip.compress((";".join(H) + "\r\n" + "\r\n".join(NORWEGIAN) + "\r\n").encode("cp1252")))
    raw = read_call_log(path)
    assert (raw.encoding, raw.kind, raw.format) == ("Windows-1252", "csv.gz", "gzip csv")
    assert raw.frame["district"].tolist()[0] == "Sør-Øst"


def test_bytes_windows_1252_reads_as_letters_are_values_not_file_errors(tmp_path):
    # ÿþ is Windows-1252 text: the file is read, and the cell is judged as a value
    path = tmp_path / "x.csv"
    path.write_bytes((",".join(H) + "\n").encode() + b"C1,Oslo,sentralbord,2023-02-01 10:00,1,2,tr\xff\xfeue\n")
    assert read_call_log(path).encoding == "Windows-1252"
    assert f"{UNPARSABLE('answered')}: 1 row(s), first at row(s) 1" in error(tmp_path, path)


_ROW = line("SECRET42", "Sør-Øst")


@pytest.mark.parametrize(
    "content, looks_like",
    [
        ((",".join(H) + "\n" + _ROW + "\n").encode("utf-16"), "UTF-16 text (it starts with a UTF-16 byte-order mark"),
        (("\t".join(H) + "\n" + _ROW + "\n").encode("utf-16-le"), "UTF-16 text without a byte-order mark"),
        (b"PK\x03\x04\x14\x00\x06\x00" + b"SECRET42" * 10, "Excel workbook (.xlsx)"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"SECRET42" * 10, "Excel workbook (.xls)"),
        (b"SECRET42\x00\x01\x02\x03\xff" * 20, "binary data, not text (a NUL byte on line 1)"),
        (
            (",".join(H) + "\n").encode() + _ROW.encode("utf-8") + b"\n" + _ROW.encode("utf-8")[:-1] + b"\x81\n",
            "neither UTF-8 nor Windows-1252 text (line 3 is not UTF-8, line 3 has a byte",
        ),
        (
            (",".join(H) + "\n").encode() + _ROW.encode("utf-8") + b"\n" + _ROW.encode("cp1252") + b"\n",
            "mixes UTF-8 and Windows-1252 (lines 2 and 3)",
        ),
        (
            b"\xef\xbb\xbf" + (",".join(H) + "\n").encode() + _ROW.encode("cp1252") + b"\n",
            "starts with a UTF-8 byte-order mark, but line 2 is not UTF-8",
        ),
    ],
)
def test_other_encodings_say_what_the_file_looks_like_and_how_to_save_it(tmp_path, content, looks_like):
    path = tmp_path / "export.csv"
    path.write_bytes(content)
    with pytest.raises(CallLogError) as err:
        read_call_log(path)
    msg = str(err.value)
    assert msg.startswith(f"call log {display_path(path)}: unreadable: ")
    assert looks_like in msg and SAVE_HINT in msg
    assert "SECRET" not in msg and "Sør" not in msg
    assert err.value.__cause__ is None and err.value.__suppress_context__


# --- separators -------------------------------------------------------------------------------


def test_tab_separated_export_is_read(tmp_path):
    path = write(tmp_path / "export.txt", [line("A", "Sør-Øst", sep="\t"), line("B", sep="\t")], sep="\t")
    raw = read_call_log(path)
    assert raw.delimiter == "\t" and raw.separator == "tab"
    assert raw.frame["district"].tolist() == ["Sør-Øst", "Oslo"]
    assert fmt(clean(tmp_path, path))["separator"] == "tab"
    assert sniff_delimiter("\t".join(H)) == "\t"


@pytest.mark.parametrize("sep, word", [(",", "comma"), (";", "semicolon"), ("\t", "tab")])
def test_the_separator_is_named_in_words(tmp_path, sep, word):
    path = write(tmp_path / "x.csv", [line(sep=sep)], sep=sep)
    assert fmt(clean(tmp_path, path))["separator"] == word


def test_a_tab_file_without_header_is_refused_as_such(tmp_path):
    path = tmp_path / "nohdr.txt"
    path.write_text(line("SECRET-99", sep="\t") + "\n")
    with pytest.raises(CallLogError) as err:
        read_call_log(path)
    msg = str(err.value)
    assert "does not look like a header" in msg and "comma, semicolon or tab" in msg and "SECRET" not in msg


# --- Norwegian timestamps ----------------------------------------------------------------------


def test_dotted_local_times_are_read_as_oslo_time(tmp_path):
    rows = [
        line("A", arrived_at="01.08.2023 12:34:56"),
        line("B", arrived_at="01.08.2023 12:34"),
        line("C", arrived_at="1.8.2023 9:05:00"),  # one-digit day, month and hour
        line("D", arrived_at="29.10.2023 02:30:00"),  # autumn fold: the first occurrence, summer time
        line("E", arrived_at="26.03.2023 03:30"),  # just after the spring jump
        line("F", arrived_at="2023-08-01T10:34:56Z"),  # the same instant as A, with an offset
    ]
    res = clean(tmp_path, write(tmp_path / "x.csv", rows))
    t = res.clean.set_index("call_id")["arrived_at"]
    assert str(t.dtype) == "datetime64[ns, Europe/Oslo]"
    assert t["A"] == t["F"] == pd.Timestamp("2023-08-01 12:34:56", tz="Europe/Oslo")
    assert t["B"] == pd.Timestamp("2023-08-01 12:34", tz="Europe/Oslo")
    assert t["C"] == pd.Timestamp("2023-08-01 09:05", tz="Europe/Oslo")
    assert t["D"].isoformat() == "2023-10-29T02:30:00+02:00"
    assert t["E"].isoformat() == "2023-03-26T03:30:00+02:00"
    assert fmt(res)["timestamp_forms"] == (
        "ISO 8601 with offset: 1 row(s); dd.mm.yyyy hh:mm:ss local: 3 row(s); dd.mm.yyyy hh:mm local: 2 row(s)"
    )


def test_dotted_times_follow_the_daylight_saving_and_year_rules(tmp_path):
    msg = error(
        tmp_path,
        write(
            tmp_path / "x.csv",
            [line("A"), line("B", arrived_at="26.03.2023 02:30:00"), line("C", arrived_at="31.12.2022 23:59")],
        ),
    )
    assert f"{DST_GAP}: 1 row(s), first at row(s) 2" in msg
    assert "arrived_at outside 2023 (local time): 1 row(s), first at row(s) 3" in msg


@pytest.mark.parametrize(
    "value",
    ["31.02.2023 10:00:00", "01.13.2023 10:00", "01/02/2023 10:00", "01.02.23 10:00", "01.02.2023", "SECRET-TIME"],
)
def test_an_unparsable_timestamp_names_the_accepted_forms(tmp_path, value):
    msg = error(tmp_path, write(tmp_path / "x.csv", [line("A"), line("B", arrived_at=value)]))
    assert f"{UNPARSABLE('arrived_at')}: 1 row(s), first at row(s) 2" in msg
    for form in ("ISO 8601 with a UTC offset", "ISO 8601 local time", "dd.mm.yyyy hh:mm:ss", "dd.mm.yyyy hh:mm"):
        assert form in msg
    assert value not in msg


# --- numbers in the file's notation -------------------------------------------------------------


def test_a_point_before_three_digits_beside_decimal_commas_is_ambiguous(tmp_path):
    rows = [
        line("A", wait_s="12,5", sep=";"),
        line("B", wait_s="1.234", sep=";"),  # 1 234 in Norwegian notation, 1.234 in English: refused
        line("C", talk_s="12.345", sep=";"),
        line("D", wait_s="12.5", talk_s="0.125", sep=";"),  # a point that cannot group thousands: decimal
        line("E", talk_s="1\u00a0234,5", sep=";"),  # thousands by a no-break space, as Norwegian Excel writes
        line("F", talk_s="1.234,5", sep=";"),  # beside a decimal comma the point groups thousands
        line("G", wait_s="1 234", talk_s="0", answered="false", sep=";"),
    ]
    path = write(tmp_path / "x.csv", rows, sep=";", encoding="cp1252")
    msg = error(tmp_path, path)
    assert f"{AMBIGUOUS('wait_s')}: 1 row(s), first at row(s) 2" in msg
    assert f"{AMBIGUOUS('talk_s')}: 1 row(s), first at row(s) 3" in msg
    assert "write the number without thousands separators" in msg and "1.234" not in msg and "12.345" not in msg
    res = clean(tmp_path, path, on_invalid="quarantine")
    got = res.clean.set_index("call_id")[["wait_s", "talk_s"]]
    assert got.to_dict("index") == {
        "A": {"wait_s": 12.5, "talk_s": 120.0},
        "D": {"wait_s": 12.5, "talk_s": 0.125},
        "E": {"wait_s": 10.0, "talk_s": 1234.5},
        "F": {"wait_s": 10.0, "talk_s": 1234.5},
        "G": {"wait_s": 1234.0, "talk_s": 0.0},
    }
    assert fmt(res)["decimal_mark"] == "comma (some values also with a point)"
    assert rejected(tmp_path)["wait_s"].tolist() == ["1.234", "10"]  # the original text


def test_without_decimal_commas_a_point_is_a_decimal_point(tmp_path):
    path = write(tmp_path / "x.csv", [line("A", wait_s="1.234", sep=";"), line("B", sep=";")], sep=";")
    res = clean(tmp_path, path)
    assert res.clean["wait_s"].tolist() == [1.234, 10.0] and fmt(res)["decimal_mark"] == "point"
    path = write(tmp_path / "y.csv", [line("A", wait_s="1.234")])  # a comma file: the point is decimal
    assert clean(tmp_path, path).clean["wait_s"].tolist() == [1.234]
    assert fmt(clean(tmp_path, write(tmp_path / "z.csv", [line()])))["decimal_mark"] == "none (whole numbers)"


# --- every bad row is a row ------------------------------------------------------------------


def _ragged(tmp_path, name="ragged.csv"):
    rows = [
        line("R1", sep=";"),
        line("SECRET-LONG", sep=";") + ";extra",  # too many fields
        line("R3", sep=";"),
        "SECRET-SHORT;Oslo;sentralbord",  # too few
        "",  # a blank line
        "     ",  # a line of spaces
        ";;;;;;",  # separators only
        line("R8", sep=";") + ";",  # a stray separator
        line("R9", sep=";"),
        "Sum;262",  # Excel's total line
    ]
    return write(tmp_path / name, rows, sep=";", eol="\r\n", end="\r\n\r\n\r\n")


def test_wrong_field_counts_and_blank_lines_are_numbered_rows(tmp_path):
    path = _ragged(tmp_path)
    raw = read_call_log(path)
    assert len(raw.frame) == 10 and raw.trailing_blank_lines == 2
    assert np.flatnonzero(raw.wrong_fields).tolist() == [1, 3, 7, 9]
    msg = error(tmp_path, path)
    assert f"{WRONG_FIELDS}: 4 row(s), first at row(s) 2, 4, 8, 10" in msg
    assert f"{EMPTY_ROW}: 3 row(s), first at row(s) 5, 6, 7" in msg
    assert "2 contract rule(s) broken" in msg  # nothing else: such rows are not judged cell by cell
    assert "a total line at the end" in msg
    for text in ("SECRET", "Sum", "262", "extra"):
        assert text not in msg


def test_wrong_field_counts_are_quarantined_with_the_fields_they_have(tmp_path):
    res = clean(tmp_path, _ragged(tmp_path), on_invalid="quarantine")
    c = counts(res)
    assert (c["rows_read"], c["quarantined"], c["kept"]) == (10, 7, 3)
    assert res.clean["call_id"].tolist() == ["R1", "R3", "R9"]
    rej = rejected(tmp_path)
    assert list(rej.columns) == ["row_number", *H, "reason"]
    assert rej["row_number"].tolist() == [2, 4, 5, 6, 7, 8, 10]
    assert rej["reason"].tolist() == [
        WRONG_FIELDS,
        WRONG_FIELDS,
        EMPTY_ROW,
        EMPTY_ROW,
        EMPTY_ROW,
        WRONG_FIELDS,
        WRONG_FIELDS,
    ]
    by_row = rej.set_index("row_number")
    assert by_row.loc[2, H].tolist() == [
        "SECRET-LONG",
        "Oslo",
        "sentralbord",
        "2023-02-01 10:00:00",
        "10",
        "120",
        "true",
    ]
    assert by_row.loc[4, ["call_id", "district", "queue"]].tolist() == ["SECRET-SHORT", "Oslo", "sentralbord"]
    assert by_row.loc[4, ["arrived_at", "wait_s", "talk_s", "answered"]].isna().all()
    assert by_row.loc[10, ["call_id", "district"]].tolist() == ["Sum", "262"]
    assert by_row.loc[6, "call_id"] == "     "  # the original text
    assert fmt(res)["blank_lines_ignored_at_end"] == "2"


def test_a_total_line_alone_is_one_quarantined_row(tmp_path):
    path = write(tmp_path / "x.csv", [line("A", sep=";"), line("B", sep=";"), "Sum;2"], sep=";")
    msg = error(tmp_path, path)
    assert f"{WRONG_FIELDS}: 1 row(s), first at row(s) 3" in msg
    c = counts(clean(tmp_path, path, on_invalid="quarantine"))
    assert (c["rows_read"], c["quarantined"], c["kept"]) == (3, 1, 2)


def test_row_numbers_count_records_across_blocks_and_quoted_line_breaks(tmp_path, monkeypatch):
    monkeypatch.setattr(read, "BLOCK_SIZE", 4096)  # many blocks, so threads and block edges are crossed
    rows = [line(f"C{i:05d}") for i in range(3000)]
    rows[10] = line("Q", district='"Oslo\nrest"')  # a quoted line break: one record on two lines
    for i in (99, 1500, 2998):
        rows[i] = line(f"C{i:05d}") + ",x"
    rows[2000] = ""
    path = write(tmp_path / "x.csv", rows)
    raw = read_call_log(path)
    assert len(raw.frame) == 3000 and np.flatnonzero(raw.wrong_fields).tolist() == [99, 1500, 2998]
    assert raw.frame["call_id"].iloc[[0, 98, 100, 1499, 1501, 2997, 2999]].tolist() == [
        "C00000",
        "C00098",
        "C00100",
        "C01499",
        "C01501",
        "C02997",
        "C02999",
    ]
    msg = error(tmp_path, path)
    assert f"{WRONG_FIELDS}: 3 row(s), first at row(s) 100, 1501, 2999" in msg
    assert f"{EMPTY_ROW}: 1 row(s), first at row(s) 2001" in msg


def test_trailing_empty_lines_are_ignored_but_not_inner_ones(tmp_path):
    path = write(tmp_path / "x.csv", [line("A"), "", line("B")], end="\n\n\n\n")
    raw = read_call_log(path)
    assert len(raw.frame) == 3 and raw.trailing_blank_lines == 3
    path = write(tmp_path / "y.csv", [], end="\n\n")
    with pytest.raises(CallLogError, match="a header but no data rows"):
        read_call_log(path)
    path = write(tmp_path / "z.csv", [line("A")], end="")  # no final line break
    assert read_call_log(path).trailing_blank_lines == 0


# --- dates a nanosecond timestamp cannot hold -------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["2323-08-01 12:34:56", "2323-08-01T12:34:56+02:00", "01.08.2323 12:34:56", "0001-01-01 00:00:00", "9999-12-31"],
)
def test_a_date_out_of_range_is_a_row_rule_not_a_crash(tmp_path, value):
    path = write(tmp_path / "x.csv", [line("A"), line("B", arrived_at=value + (" 10:00" if len(value) == 10 else ""))])
    msg = error(tmp_path, path)
    assert f"{OUT_OF_RANGE}: 1 row(s), first at row(s) 2" in msg
    assert "placeholder" in msg and value not in msg
    res = clean(tmp_path, path, on_invalid="quarantine")
    assert counts(res)["quarantined"] == 1 and res.clean["call_id"].tolist() == ["A"]
    assert rejected(tmp_path)["reason"].tolist() == [OUT_OF_RANGE]


@pytest.mark.parametrize("unit", ["ms", "us"])
@pytest.mark.parametrize("tz", ["Europe/Oslo", "UTC", None])
def test_parquet_timestamps_in_year_1_and_9999_are_row_rules(tmp_path, unit, tz):
    far = [
        dt.datetime(1, 1, 1),
        dt.datetime(1, 6, 1, 12),
        dt.datetime(9999, 6, 1, 12),
        dt.datetime(9999, 12, 31, 23, 59, 59),
    ]
    when = pa.array([dt.datetime(2023, 6, 1, 12), *far], pa.timestamp(unit, tz=tz))
    n = len(when)
    table = pa.table(
        {
            "call_id": [f"P{i}" for i in range(n)],
            "district": ["Oslo"] * n,
            "queue": ["sentralbord"] * n,
            "arrived_at": when,
            "wait_s": [1.0] * n,
            "talk_s": [2.0] * n,
            "answered": [True] * n,
        }
    )
    pq.write_table(table, tmp_path / "far.parquet")
    msg = error(tmp_path, tmp_path / "far.parquet")
    assert f"{OUT_OF_RANGE}: 4 row(s), first at row(s) 2, 3, 4, 5" in msg and "9999" not in msg.split("\n")[1]
    res = clean(tmp_path, tmp_path / "far.parquet", on_invalid="quarantine")
    assert counts(res)["quarantined"] == 4 and res.clean["call_id"].tolist() == ["P0"]
    # pyarrow reads a naive datetime given for a zoned type as UTC
    assert res.clean["arrived_at"].iloc[0] == pd.Timestamp("2023-06-01 12:00", tz="UTC" if tz else "Europe/Oslo")
    kind = "with time zone" if tz else "without time zone, read as Oslo local time"
    assert fmt(res)["timestamp_forms"] == f"Parquet timestamp {kind}: 5 row(s)"


# --- input_format.csv ---------------------------------------------------------------------------


def test_input_format_table_for_each_format(tmp_path):
    path = write(tmp_path / "x.csv", [line("A", wait_s="1.5"), line("B", arrived_at="2023-02-01T10:00:00+01:00")])
    res = clean(tmp_path, path)
    assert fmt(res) == {
        "file": display_path(path),
        "format": "csv",
        "encoding": "UTF-8",
        "separator": "comma",
        "decimal_mark": "point",
        "columns": "contract names",
        "timestamp_forms": "ISO 8601 with offset: 1 row(s); ISO 8601 local: 1 row(s)",
        "duration_forms": "wait_s: seconds 2 row(s); talk_s: seconds 2 row(s)",
        "blank_lines_ignored_at_end": "0",
    }
    assert res.written["input_format"] == tmp_path / "outputs" / "tables" / "input_format.csv"
    written = pd.read_csv(res.written["input_format"], dtype=str)
    pd.testing.assert_frame_equal(written, res.input_format.astype(str))
    assert not written["value"].str.contains("SECRET|^A$|^B$").any()
    df = read_call_log(path).frame
    df.to_parquet(tmp_path / "x.parquet")
    res = clean(tmp_path, tmp_path / "x.parquet")
    got = fmt(res)
    assert res.encoding is None and got["blank_lines_ignored_at_end"] == "not applicable (Parquet)"
    assert (got["format"], got["encoding"], got["separator"]) == ("parquet", *["not applicable (Parquet)"] * 2)
    assert got["decimal_mark"] == "point"  # text columns in this Parquet


# --- a Norwegian Excel export gives the same accounting as the clean UTF-8 ISO file ------------


def _sample() -> pd.DataFrame:
    """Every 500th call of the synthetic log with known defects: fractions of seconds, duplicates,
    0-second calls, outliers, a thousands-sized talk time, an unknown district and a number
    that is ambiguous in Norwegian notation (row 71, 1-based)."""
    raw = DATA_RAW / "calls_2023.parquet"
    if not raw.exists():
        pytest.fail(f"{raw.name} is missing: `make test` generates it (python -m lib.calllog.synthetic --out {raw})")
    df = pd.read_parquet(raw).iloc[::500].reset_index(drop=True)
    local = df["arrived_at"]
    fold = (local.dt.strftime("%m-%d %H") == "10-29 02") & (local.dt.strftime("%z") == "+0100")
    df = df.loc[~fold].reset_index(drop=True)  # a naive local time cannot say which 02:30 it was
    df.loc[::7, "wait_s"] += 0.5
    talking = (df.index % 11 == 3) & (df["talk_s"] > 0)
    df.loc[talking, "talk_s"] += 0.25
    df.loc[[40, 41], ["wait_s", "talk_s", "answered"]] = [0.0, 0.0, False]
    df.loc[50, ["talk_s", "answered"]] = [2500.0, True]
    df.loc[51, "wait_s"] = 1900.5
    df.loc[5, ["talk_s", "answered"]] = [1234.5, True]
    df.loc[60, "district"] = "Midtre Hålogaland"  # split between two districts in 2017: unknown
    df.loc[70, "wait_s"] = 1234.0
    df = pd.concat([df, df.iloc[[10, 20, 30]]], ignore_index=True)  # exact duplicates, at the end
    return df


def _seconds(x: float, decimal: str) -> str:
    return f"{x:g}".replace(".", decimal)


def test_norwegian_excel_export_gives_the_same_accounting_as_utf8_iso(tmp_path):
    df = _sample()
    n = len(df)
    # The Norwegian Excel export: Windows-1252, semicolon, decimal comma, dd.mm.yyyy hh:mm:ss local, ja/nei, CRLF
    nb = pd.DataFrame(
        {
            "call_id": df["call_id"],
            "district": df["district"],
            "queue": df["queue"],
            "arrived_at": df["arrived_at"].dt.strftime("%d.%m.%Y %H:%M:%S"),
            "wait_s": [_seconds(x, ",") for x in df["wait_s"]],
            "talk_s": [_seconds(x, ",") for x in df["talk_s"]],
            "answered": df["answered"].map({True: "ja", False: "nei"}),
        }
    )
    nb.loc[5, "talk_s"] = "1\u00a0234,5"
    nb.loc[70, "wait_s"] = "1.234"
    nb_path = write(
        tmp_path / "eksport.csv",
        [";".join(r) for r in nb.to_numpy()] + ["Sum;" + str(n)],
        sep=";",
        encoding="cp1252",
        eol="\r\n",
    )
    # The same rows as a clean UTF-8 ISO comma CSV; the ambiguous number, written with a thousands
    # comma, is just as unusable there
    iso = nb.assign(
        arrived_at=df["arrived_at"].dt.strftime("%Y-%m-%dT%H:%M:%S%z"),
        wait_s=[_seconds(x, ".") for x in df["wait_s"]],
        talk_s=[_seconds(x, ".") for x in df["talk_s"]],
        answered=df["answered"].map({True: "true", False: "false"}),
    )
    iso.loc[70, "wait_s"] = '"1,234"'
    iso_path = write(tmp_path / "export.csv", [",".join(r) for r in iso.to_numpy()] + ["Sum," + str(n)])

    assert nb_path.read_bytes().count(b"\xf8") > 0  # ø as Windows-1252 writes it
    msg = error(tmp_path, nb_path)
    assert f"{WRONG_FIELDS}: 1 row(s), first at row(s) {n + 1}" in msg
    assert "unknown district: 1 row(s), first at row(s) 61" in msg
    assert f"{AMBIGUOUS('wait_s')}: 1 row(s), first at row(s) 71" in msg

    res = {
        name: clean_call_log(path, tmp_path / f"p_{name}", tmp_path / f"o_{name}", on_invalid="quarantine", **SETTINGS)
        for name, path in (("nb", nb_path), ("iso", iso_path))
    }
    pd.testing.assert_frame_equal(res["nb"].report, res["iso"].report)
    pd.testing.assert_frame_equal(res["nb"].clean, res["iso"].clean)
    pd.testing.assert_frame_equal(res["nb"].by_queue, res["iso"].by_queue)
    rows = {k: pd.read_parquet(tmp_path / f"p_{k}" / "rejected_rows.parquet")["row_number"].tolist() for k in res}
    assert rows["nb"] == rows["iso"] == [61, 71, n + 1]

    # the counts, worked out from the rows
    base = df.drop(index=[60, 70]).iloc[: n - 5]  # without the quarantined rows and the 3 duplicates
    zero = (base["wait_s"] + base["talk_s"]) == 0
    outlier = ((base["wait_s"] > 1800) | (base["talk_s"] > 1800)) & ~zero
    c = counts(res["nb"])
    assert c["rows_read"] == n + 1 and c["quarantined"] == 3 and c["duplicate"] == 3
    assert (c["zero_total"], c["outlier"]) == (int(zero.sum()), int(outlier.sum()))
    assert c["kept"] == n + 1 - 3 - 3 - zero.sum() - outlier.sum()
    kept = res["nb"].clean.set_index("call_id")
    assert kept.loc[df.loc[5, "call_id"], "talk_s"] == 1234.5
    assert (kept["wait_s"] % 1 == 0.5).sum() > 400  # the decimal commas were read

    f = fmt(res["nb"])
    assert (f["encoding"], f["separator"], f["decimal_mark"]) == (
        "Windows-1252",
        "semicolon",
        "comma (some values also with a point)",
    )
    assert f["timestamp_forms"] == f"dd.mm.yyyy hh:mm:ss local: {n} row(s)"
    assert fmt(res["iso"])["timestamp_forms"] == f"ISO 8601 with offset: {n} row(s)"


def test_naive_parquet_times_are_oslo_local_time_whatever_the_pandas_metadata_says(tmp_path):
    # Some writers store local wall-clock times as a naive timestamp[ms] column and name
    # Europe/Oslo only in the pandas metadata; pandas would apply it as if the values were UTC.
    wall = ["2023-01-15 10:00:00", "2023-06-01 10:00:00"]  # winter and summer time
    aware = pd.DataFrame({"t": pd.to_datetime(wall).tz_localize("Europe/Oslo")})
    meta = pa.Table.from_pandas(aware, preserve_index=False).schema.pandas_metadata
    meta["columns"][0].update(name="arrived_at", field_name="arrived_at")
    table = pa.table(
        {
            "call_id": ["P0", "P1"],
            "district": ["Oslo"] * 2,
            "queue": ["sentralbord"] * 2,
            "arrived_at": pa.array(pd.to_datetime(wall).values.astype("datetime64[ms]")),
            "wait_s": [1.0] * 2,
            "talk_s": [2.0] * 2,
            "answered": [True] * 2,
        }
    )
    table = table.replace_schema_metadata({b"pandas": json.dumps({**meta, "index_columns": []}).encode()})
    assert table.schema.field("arrived_at").type == pa.timestamp("ms")  # naive, as such writers store it
    pq.write_table(table, tmp_path / "naive_meta.parquet")
    res = clean(tmp_path, tmp_path / "naive_meta.parquet")
    assert res.clean["arrived_at"].tolist() == [pd.Timestamp(w, tz="Europe/Oslo") for w in wall]
    form = fmt(res)["timestamp_forms"]
    assert form.startswith("Parquet timestamp without time zone, read as Oslo local time: 2 row(s)")
    assert "pandas metadata names Europe/Oslo; not applied" in form


@pytest.mark.parametrize(
    "metadata", [b"not json", b"[1, 2]", b'{"columns": [{"name": "arrived_at", "metadata": "x"}]}']
)
def test_parquet_pandas_metadata_of_any_shape_is_ignored(tmp_path, metadata):
    wall = pa.array(pd.to_datetime(["2023-06-01 10:00:00"]).values.astype("datetime64[ms]"))
    table = pa.table(
        {
            "call_id": ["P0"],
            "district": ["Oslo"],
            "queue": ["sentralbord"],
            "arrived_at": wall,
            "wait_s": [1.0],
            "talk_s": [2.0],
            "answered": [True],
        }
    )
    pq.write_table(table.replace_schema_metadata({b"pandas": metadata}), tmp_path / "odd.parquet")
    res = clean(tmp_path, tmp_path / "odd.parquet")
    assert res.clean["arrived_at"].tolist() == [pd.Timestamp("2023-06-01 10:00", tz="Europe/Oslo")]


def test_numbers_parse_into_a_writable_array_whatever_arrow_hands_over():
    # A file larger than one block of Arrow's CSV reader reaches the number parser as several
    # chunks, which Arrow's compute functions join into one, which numpy sees as a read-only
    # view; the parser writes through masks, so it must get its own copy (issue 20: the full year
    # of a Norwegian Excel export crashed, small files never did).
    from lib.calllog.validate import _parse_number

    blocks = pa.concat_tables([pa.table({"wait_s": pa.array(["1,5", "1.234", "2"], pa.string())})] * 2)
    text = blocks.to_pandas()["wait_s"]
    assert pa.array(text.array).num_chunks == 2
    v, missing, bad, ambiguous = _parse_number(text, comma=True)
    assert v[0] == 1.5 and np.isnan(v[1]) and v[2] == 2.0 and ambiguous.tolist() == [False, True, False] * 2
    assert not missing.any() and not bad.any() and v.flags.writeable
