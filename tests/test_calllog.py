"""Reading, validating and cleaning the call log (lib.calllog: read, validate, rules, clean).

Every expected count below is worked out by hand from the rows written in the test.
"""

from __future__ import annotations

import gzip

import numpy as np
import pandas as pd
import pytest
from frames import CLEANING_SETTINGS, call_row
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lib import calllog
from lib.calllog import (
    CONTRACT_COLUMNS,
    DISTRICT_ALIASES,
    AccountingError,
    CallLogError,
    CleaningRule,
    InvalidRowsError,
    NoRowsLeftError,
    Thresholds,
    canonical_district,
    check_identity,
    clean_call_log,
    cleaning_report,
    identity_text,
    parse_boolean,
    parse_call_log,
    read_call_log,
    rules,
    sniff_delimiter,
)
from lib.core.manifest import claim
from lib.core.paths import display_path

H = list(CONTRACT_COLUMNS)
SETTINGS = CLEANING_SETTINGS
row = call_row


def frame(*rows) -> pd.DataFrame:
    return pd.DataFrame([list(r) for r in rows], columns=H, dtype="str")


def write_csv(df: pd.DataFrame, path, sep=",", compress=False):
    text = sep.join(df.columns) + "\n" + "".join(sep.join(r) + "\n" for r in df.astype(str).to_numpy())
    if compress:
        with gzip.open(path, "wt", encoding="utf-8") as fh:
            fh.write(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def run(tmp_path, df, name="log.csv", **kw):
    path = write_csv(df, tmp_path / name)
    return clean_call_log(path, tmp_path / "processed", tmp_path / "outputs", **{**SETTINGS, **kw})


def counts(result) -> dict[str, int]:
    return dict(zip(result.report["item"], result.report["count"], strict=True))


# --- the cleaning rules, in order, each counted ---------------------------------------------


def test_each_rule_and_its_count(tmp_path):
    df = frame(
        row("A"),  # kept
        row("A"),  # duplicate of row 1
        row("A"),  # duplicate of row 1
        row("B", wait_s="5", talk_s="60"),  # id conflict with next (differs in wait_s): kept
        row("B", wait_s="6", talk_s="60"),  # id conflict: kept
        row("Z", wait_s="0", talk_s="0", answered="false"),  # zero_total
        row("Z2", wait_s="0", talk_s="0", answered="false"),  # zero_total
        row("O1", talk_s="1801"),  # outlier (talk)
        row("O2", wait_s="1800.5", talk_s="0", answered="false"),  # outlier (wait)
        row("E", wait_s="1800", talk_s="1800"),  # at the thresholds: kept
        row("T", district="Trøndelag", queue="operasjonssentral"),  # kept, out of scope
    )
    res = run(tmp_path, df)
    assert counts(res) == {
        "rows_read": 11,
        "duplicate": 2,
        "zero_total": 2,
        "outlier": 2,
        "quarantined": 0,
        "kept": 5,
        "id_conflict": 2,
        "out_of_scope": 1,
    }
    assert list(res.clean["call_id"]) == ["A", "B", "B", "E", "T"]
    assert list(res.clean["id_conflict"]) == [False, True, True, False, False]
    listed = pd.read_parquet(res.written["id_conflicts"])
    assert listed.to_dict("list") == {"row_number": [4, 5], "call_id": ["B", "B"]}
    assert list(res.clean["in_scope"]) == [True, True, True, True, False]
    assert list(res.report["item"]) == list(calllog.report_items())


def test_a_row_is_counted_by_the_first_rule_it_meets(tmp_path):
    zero = row("Z", wait_s="0", talk_s="0", answered="false")
    res = run(tmp_path, frame(zero, zero, row("X", wait_s="0", talk_s="5000"), row("K")))
    c = counts(res)
    assert (c["duplicate"], c["zero_total"], c["outlier"], c["kept"]) == (1, 1, 1, 1)


def test_duplicates_compare_parsed_values(tmp_path):
    # Same call written three ways: naive local, with offset, and with an alias district / other spellings.
    df = frame(
        row("A", arrived_at="2023-06-01 12:00:00"),
        row("A", district="oslo politidistrikt", arrived_at="2023-06-01T10:00:00Z", wait_s="10.0", answered="JA"),
        row("A", arrived_at="2023-06-01T12:00:00+02:00", talk_s="120.0"),
    )
    c = counts(run(tmp_path, df))
    assert (c["duplicate"], c["kept"], c["id_conflict"]) == (2, 1, 0)


def test_thresholds_are_parameters(tmp_path):
    df = frame(row("A", talk_s="700"), row("B", wait_s="650"), row("C", talk_s="500"))
    c = counts(run(tmp_path, df, outlier_threshold_s=600))
    assert (c["outlier"], c["kept"]) == (2, 1)


def test_excluded_districts_are_a_parameter(tmp_path):
    df = frame(row("A"), row("B", district="Finnmark"), row("C", district="Trøndelag"))
    res = run(tmp_path, df, excluded_districts=("Finnmark",))
    assert list(res.clean["in_scope"]) == [True, False, True]
    assert counts(res)["out_of_scope"] == 1


# --- the accounting identity ----------------------------------------------------------------


def test_identity_holds_and_a_broken_one_raises():
    good = cleaning_report(
        {
            "rows_read": 10,
            "duplicate": 1,
            "zero_total": 2,
            "outlier": 3,
            "quarantined": 1,
            "kept": 3,
            "id_conflict": 0,
            "out_of_scope": 0,
        }
    )
    check_identity(good)
    bad = good.copy()
    bad.loc[bad["item"] == "kept", "count"] = 4
    with pytest.raises(AccountingError, match=r"rows_read 10 != .* = 11"):
        check_identity(bad, "call log x.csv")
    assert issubclass(AccountingError, ValueError)
    # the line notebook 01 prints
    assert identity_text(good) == (
        "identity: rows_read 10 = kept + duplicate + zero_total + outlier + quarantined = 10: True"
    )
    assert identity_text(bad).endswith("= 11: False")


def test_the_rules_are_appendix_b_in_order():
    assert [r.name for r in rules.RULES] == ["duplicate", "zero_total", "outlier"]
    assert calllog.report_items() == (
        "rows_read",
        "duplicate",
        "zero_total",
        "outlier",
        "quarantined",
        "kept",
        "id_conflict",
        "out_of_scope",
    )
    assert all(r.description and r.label for r in rules.RULES)


def test_a_new_rule_is_one_entry_of_the_rule_table(tmp_path, monkeypatch):
    # A hypothetical rule, added after the report's three by one entry and no other change.
    long_wait = CleaningRule(
        "long_wait", "wait_s above 600 s", "lang ventetid", lambda valid, thresholds: valid["wait_s"].to_numpy() > 600
    )
    monkeypatch.setattr(rules, "RULES", (*rules.RULES, long_wait))
    df = frame(
        row("A"),  # kept
        row("A"),  # duplicate
        row("W", wait_s="700"),  # long_wait
        row("O", wait_s="2000"),  # outlier: the earlier rule counts it
        row("Z", wait_s="0", talk_s="0", answered="false"),  # zero_total
        row("K", queue="operasjonssentral"),  # kept
        row("Q", district="Narnia"),  # quarantined
    )
    res = run(tmp_path, df, on_invalid="quarantine")
    items = [
        "rows_read",
        "duplicate",
        "zero_total",
        "outlier",
        "long_wait",
        "quarantined",
        "kept",
        "id_conflict",
        "out_of_scope",
    ]
    assert list(res.report["item"]) == items
    assert pd.read_csv(res.written["cleaning_report"])["item"].tolist() == items
    c = counts(res)
    assert (
        c["rows_read"],
        c["duplicate"],
        c["zero_total"],
        c["outlier"],
        c["long_wait"],
        c["quarantined"],
        c["kept"],
    ) == (7, 1, 1, 1, 1, 1, 2)
    assert res.clean["call_id"].tolist() == ["A", "K"]
    # the per-queue table
    assert list(res.by_queue.columns) == [
        "queue",
        "valid_rows",
        "duplicate",
        "zero_total",
        "outlier",
        "long_wait",
        "kept",
    ]
    assert res.by_queue["long_wait"].tolist() == [1, 0] and res.by_queue["kept"].tolist() == [1, 1]
    # the accounting identity: its text, and its check counts the new rule
    assert identity_text(res.report) == (
        "identity: rows_read 7 = kept + duplicate + zero_total + outlier + long_wait + quarantined = 7: True"
    )
    bad = res.report.copy()
    bad.loc[bad["item"] == "long_wait", "count"] = 0
    with pytest.raises(AccountingError, match=r"outlier 1 \+ long_wait 0 \+ quarantined 1 = 6"):
        check_identity(bad)


# --- outputs ------------------------------------------------------------------------------


def test_outputs_are_written_with_the_interface_schema(tmp_path):
    res = run(tmp_path, frame(row("A"), row("B", district="Trøndelag", queue="operasjonssentral")))
    out = pd.read_parquet(tmp_path / "processed" / "calls_clean.parquet")
    assert list(out.columns) == list(calllog.CLEAN_COLUMNS)
    assert str(out["arrived_at"].dtype) == "datetime64[ns, Europe/Oslo]"
    assert out["wait_s"].dtype == "float64" and out["talk_s"].dtype == "float64"
    assert out["answered"].dtype == bool and out["in_scope"].dtype == bool and out["id_conflict"].dtype == bool
    assert out["call_id"].tolist() == ["A", "B"]
    rep = pd.read_csv(tmp_path / "outputs" / "tables" / "cleaning_report.csv")
    assert list(rep.columns) == ["item", "count"] and rep["count"].tolist() == res.report["count"].tolist()
    assert not (tmp_path / "processed" / "rejected_rows.parquet").exists()


# --- unusable files -------------------------------------------------------------------------


def test_missing_file(tmp_path):
    with pytest.raises(CallLogError, match=r"nope\.csv: file not found"):
        read_call_log(tmp_path / "nope.csv")


def test_empty_files(tmp_path):
    (tmp_path / "zero.csv").write_bytes(b"")
    with pytest.raises(CallLogError, match=r"zero\.csv: empty file \(0 bytes\)"):
        read_call_log(tmp_path / "zero.csv")
    (tmp_path / "head.csv").write_text(",".join(H) + "\n")
    with pytest.raises(CallLogError, match=r"head\.csv: empty file: a header but no data rows"):
        read_call_log(tmp_path / "head.csv")
    # the same without a final line break (the battery met it reported as a quoting problem)
    (tmp_path / "head2.csv").write_text(",".join(H))
    with pytest.raises(CallLogError, match=r"head2\.csv: empty file: a header but no data rows"):
        read_call_log(tmp_path / "head2.csv")
    frame().to_parquet(tmp_path / "empty.parquet")
    with pytest.raises(CallLogError, match=r"empty\.parquet: empty file: no data rows"):
        read_call_log(tmp_path / "empty.parquet")


def test_missing_column_names_file_and_column(tmp_path):
    df = frame(row()).drop(columns="talk_s")
    path = tmp_path / "cols.csv"
    path.write_text(";".join(df.columns) + "\n" + ";".join(df.iloc[0]) + "\n")
    with pytest.raises(CallLogError, match=r"cols\.csv: missing column\(s\) \['talk_s'\]"):
        read_call_log(path)
    df.to_parquet(tmp_path / "cols.parquet")
    with pytest.raises(CallLogError, match=r"cols\.parquet: missing column\(s\) \['talk_s'\]"):
        read_call_log(tmp_path / "cols.parquet")


@pytest.mark.parametrize(
    "content, what",
    [
        (b"PAR1 this is not parquet at all", "cannot be read as Parquet"),
        (b"\x1f\x8b\x08\x00garbage", "unreadable"),
        # bytes that are neither UTF-8 nor Windows-1252 (Windows-1252 itself is read: tests/test_calllog_exports.py)
        ((",".join(H) + "\n").encode() + b"SECRET42,Oslo,sentralbord,2023-02-01 10:00,1,2,tr\x81\x8due\n", "UTF-8"),
        # a record with a wrong number of fields is a row now (tests/test_calllog_exports.py); UTF-16 is not read
        ((",".join(H) + "\nSECRET42,Oslo,sentralbord,2023-02-01 10:00,1,2,true,extra\n").encode("utf-16"), "UTF-16"),
    ],
)
def test_unreadable_files_say_so_without_row_contents(tmp_path, content, what):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(CallLogError) as err:
        read_call_log(path)
    msg = str(err.value)
    assert "bad.csv" in msg and what in msg and "SECRET42" not in msg
    assert err.value.__cause__ is None and err.value.__suppress_context__


def test_a_file_without_header_is_refused_without_quoting_its_first_call(tmp_path):
    path = tmp_path / "nohdr.csv"
    path.write_text(",".join(row("SECRET-PHONE-99887766")) + "\n")
    with pytest.raises(CallLogError) as err:
        read_call_log(path)
    msg = str(err.value)
    assert "does not look like a header" in msg and "SECRET" not in msg and "oslo" not in msg.lower()


def test_compression_is_read_from_the_bytes_not_the_name(tmp_path):
    df = frame(row("A"), row("B", arrived_at="2023-02-01 11:00:00"))
    gz_named_csv = write_csv(df, tmp_path / "export.csv", compress=True)
    plain_named_gz = write_csv(df, tmp_path / "export.csv.gz")
    for path in (gz_named_csv, plain_named_gz):
        assert read_call_log(path).frame["call_id"].tolist() == ["A", "B"]


def test_old_mac_line_endings_are_a_clear_error(tmp_path):
    path = tmp_path / "cr.csv"
    path.write_bytes((",".join(H) + "\r" + ",".join(row()) + "\r").encode())
    with pytest.raises(CallLogError, match=r"cr\.csv: unreadable header line"):
        read_call_log(path)


def test_compact_and_short_iso_offsets_parse(tmp_path):
    df = frame(
        row("A", arrived_at="20230601T100000+0100"),
        row("B", arrived_at="2023-06-01T10+01:00"),
        row("C", arrived_at="2023-06-01 11:00:00"),
        row("D", arrived_at="2023-06-01T09:00Z"),
    )
    clean = run(tmp_path, df).clean
    assert (clean["arrived_at"] == pd.Timestamp("2023-06-01 11:00", tz="Europe/Oslo")).all()


def test_mixed_offsets_fallback_converts_and_localises():
    from lib.calllog.validate import _parse_mixed

    t = pd.Series(["2023-06-01 11:00:00", "2023-06-01 10:00:00 +0100", "nonsense", "2023-03-26 02:30:00"])
    out = _parse_mixed(t)
    assert out.iloc[0] == out.iloc[1] == pd.Timestamp("2023-06-01 11:00", tz="Europe/Oslo")
    assert out.iloc[2:].isna().all()  # unparsable, and a time in the spring-forward gap


def test_a_folder_is_named_a_folder(tmp_path):
    (tmp_path / "d.csv").mkdir()
    with pytest.raises(CallLogError, match=r"d\.csv: is a folder, not a file"):
        read_call_log(tmp_path / "d.csv")


def test_quoted_header_and_fields(tmp_path):
    path = tmp_path / "q.csv"
    path.write_text(
        ";".join(f'"{h}"' for h in H) + '\n"A";"Møre og Romsdal";"sentralbord";"2023-02-01 10:00";"1,5";"2";"ja"\n'
    )
    res = clean_call_log(path, tmp_path / "p", tmp_path / "o", **SETTINGS)
    assert res.clean["district"].tolist() == ["Møre og Romsdal"] and res.clean["wait_s"].tolist() == [1.5]


def test_header_sniffing_and_extra_columns(tmp_path):
    assert sniff_delimiter(";".join(H)) == ";"
    assert sniff_delimiter(",".join(H)) == ","
    path = tmp_path / "x.csv"
    path.write_text(
        "\ufeff" + ";".join(h.upper() for h in H) + ";note\n" + ";".join(row()) + ";hello\n", encoding="utf-8"
    )
    raw = read_call_log(path)
    assert list(raw.frame.columns) == H and raw.delimiter == ";" and raw.kind == "csv"


# --- invalid rows ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spelling, district",
    [
        ("Sor-Ost", "Sør-Øst"),
        ("Ost", "Øst"),
        ("More og Romsdal", "Møre og Romsdal"),
        ("Trondelag", "Trøndelag"),
        ("Oslo politidistrikt", "Oslo"),
        ("  SØR-VEST  ", "Sør-Vest"),
        ("soer-oest", "Sør-Øst"),
        ("Møre  og Romsdal politidistrikt", "Møre og Romsdal"),
        ("sor vest", "Sør-Vest"),
        ("FINNMARK", "Finnmark"),
        # districts before the 2017 police reform (lib/core/data/label_aliases.csv), also in ASCII
        ("Østfold", "Øst"),
        ("Ostfold politidistrikt", "Øst"),
        ("Sør-Trøndelag", "Trøndelag"),
        ("Asker og Bærum", "Oslo"),
        ("Haugaland og Sunnhordland politidistrikt", "Sør-Vest"),
        ("Nordmøre og Romsdal", "Møre og Romsdal"),
    ],
)
def test_district_aliases_map(spelling, district):
    assert canonical_district(spelling) == district


# Midtre Hålogaland was split between Nordland and Troms in 2017: no single district to map it to
@pytest.mark.parametrize("spelling", ["Midtre Hålogaland", "Oslo PD", "Narnia", "Osl", "", "Sørøst politi"])
def test_other_district_spellings_are_unknown(spelling):
    assert canonical_district(spelling) is None


def test_alias_table_covers_every_district_exactly():
    from lib.core.districts import DISTRICTS

    assert set(DISTRICT_ALIASES.values()) == set(DISTRICTS)
    assert all(DISTRICT_ALIASES[d.casefold()] == d for d in DISTRICTS)


@pytest.mark.parametrize(
    "text, value",
    [
        ("true", True),
        ("FALSE", False),
        ("1", True),
        ("0", False),
        ("Ja", True),
        (" nei ", False),
        ("SANN", True),
        ("usann", False),
        ("TRUE", True),
        ("False", False),
        ("Besvart", True),
        ("TAPT", False),
        ("Avbrutt", False),
        ("Ubesvart", False),
        ("answered", True),
        ("Abandoned", False),
        ("yes", None),
        ("2", None),
        ("", None),
    ],
)
def test_boolean_spellings(text, value):
    assert parse_boolean(text) is value


def _error(tmp_path, df, name="log.csv") -> str:
    with pytest.raises(InvalidRowsError) as err:
        run(tmp_path, df, name=name)
    return str(err.value)


@pytest.mark.parametrize(
    "bad, rule",
    [
        ({"district": "Midtre Hålogaland"}, "unknown district"),
        ({"queue": "kundesenter"}, "unknown queue"),
        ({"answered": "yes"}, "unparsable value in answered"),
        ({"wait_s": "-1"}, "negative duration in wait_s"),
        ({"talk_s": "-0.5"}, "negative duration in talk_s"),
        ({"answered": "false", "talk_s": "3"}, "answered=false with talk_s > 0"),
        ({"arrived_at": "2022-12-31 23:59:59"}, "arrived_at outside 2023 (local time)"),
        ({"arrived_at": "2024-01-01T00:00:00+01:00"}, "arrived_at outside 2023 (local time)"),
        ({"arrived_at": "2023-03-26 02:30:00"}, "daylight-saving gap"),
        ({"arrived_at": "01/02/2023 10:00"}, "unparsable value in arrived_at"),  # 01.02.2023 10:00 is read now
        ({"arrived_at": "2023-02-01"}, "unparsable value in arrived_at"),  # a date alone: no hour
        ({"wait_s": "ten"}, "unparsable value in wait_s"),
        ({"talk_s": "inf"}, "unparsable value in talk_s"),
        ({"wait_s": ""}, "missing value in wait_s"),
        ({"call_id": " "}, "missing value in call_id"),
        ({"district": ""}, "missing value in district"),
    ],
)
def test_each_kind_of_invalid_row_is_an_error(tmp_path, bad, rule):
    df = frame(row("A"), row(**{"call_id": "B", **bad}), row("C"))
    msg = _error(tmp_path, df)
    assert f"{rule}" in msg and "1 row(s), first at row(s) 2" in msg and "log.csv" in msg


def test_error_names_file_every_rule_counts_rows_and_no_contents(tmp_path):
    secret = row("SECRET-7781", district="Narnia", wait_s="-31337", arrived_at="2021-05-17 17:17:17")
    df = frame(
        row("A"),
        secret,
        row("B", district="Narnia"),
        row("C", answered="maybe"),
        *[row(f"D{i}", district="Narnia") for i in range(6)],
    )
    msg = _error(tmp_path, df, name="export.csv")
    assert "export.csv" in msg
    assert "unknown district: 8 row(s), first at row(s) 2, 3, 5, 6, 7" in msg  # first five only
    assert "negative duration in wait_s: 1 row(s), first at row(s) 2" in msg
    assert "arrived_at outside 2023 (local time): 1 row(s), first at row(s) 2" in msg
    assert "unparsable value in answered: 1 row(s), first at row(s) 4" in msg
    assert "4 contract rule(s) broken" in msg and "records after the header, blank lines included" in msg
    for content in ("SECRET", "7781", "Narnia", "31337", "2021-05-17", "maybe"):
        assert content not in msg


def test_parquet_row_numbers_are_data_rows(tmp_path):
    df = frame(row("A"), row("B"), row("C", queue="x"))
    df.to_parquet(tmp_path / "p.parquet")
    with pytest.raises(InvalidRowsError, match=r"(?s)Parquet file.*unknown queue: 1 row\(s\), first at row\(s\) 3"):
        clean_call_log(tmp_path / "p.parquet", tmp_path / "pr", tmp_path / "o", **SETTINGS)


def test_quarantine_writes_rejected_rows_and_counts_them(tmp_path):
    df = frame(
        row("A"),
        row("B", district="Narnia", wait_s="-1"),
        row("A"),
        row("C", answered="kanskje"),
        row("D", wait_s="0", talk_s="0", answered="false"),
    )
    res = run(tmp_path, df, on_invalid="quarantine")
    c = counts(res)
    assert (c["rows_read"], c["quarantined"], c["duplicate"], c["zero_total"], c["kept"]) == (5, 2, 1, 1, 1)
    rej = pd.read_parquet(tmp_path / "processed" / "rejected_rows.parquet")
    assert list(rej.columns) == ["row_number", *H, "reason"]
    assert rej["row_number"].tolist() == [2, 4]
    assert rej["district"].tolist() == ["Narnia", "Oslo"] and rej["wait_s"].tolist() == ["-1", "10"]
    assert rej["reason"].tolist() == ["unknown district; negative duration in wait_s", "unparsable value in answered"]
    assert res.invalid["rows"].tolist() == [1, 1, 1]
    # an error run afterwards removes the stale quarantine file
    run(tmp_path, frame(row("A")))
    assert not (tmp_path / "processed" / "rejected_rows.parquet").exists()


def test_on_invalid_must_be_known(tmp_path):
    with pytest.raises(ValueError, match="on_invalid"):
        run(tmp_path, frame(row()), on_invalid="drop")


# --- daylight-saving days -------------------------------------------------------------------


def test_daylight_saving_days(tmp_path):
    df = frame(
        row("s1", arrived_at="2023-03-26 01:30:00"),  # before the jump: +01:00
        row("s2", arrived_at="2023-03-26 03:30:00"),  # after the jump: +02:00
        row("a1", arrived_at="2023-10-29 02:30:00"),  # naive in the fold: first occurrence (+02:00)
        row("a2", arrived_at="2023-10-29T02:30:00+02:00"),  # first occurrence, explicit
        row("a3", arrived_at="2023-10-29T02:30:00+01:00"),  # second occurrence, explicit
        row("a4", arrived_at="2023-10-29T01:30:00Z"),  # = 02:30+01:00
    )
    res = run(tmp_path, df)
    utc = res.clean.set_index("call_id")["arrived_at"].dt.tz_convert("UTC").dt.strftime("%Y-%m-%d %H:%M")
    assert utc.to_dict() == {
        "s1": "2023-03-26 00:30",
        "s2": "2023-03-26 01:30",
        "a1": "2023-10-29 00:30",
        "a2": "2023-10-29 00:30",
        "a3": "2023-10-29 01:30",
        "a4": "2023-10-29 01:30",
    }
    # s2 - s1 is one hour of real time though the clocks moved two
    local = res.clean.set_index("call_id")["arrived_at"]
    assert (local["s2"] - local["s1"]) == pd.Timedelta(hours=1)
    assert local["a1"].hour == local["a3"].hour == 2
    # the spring-forward gap without offset is invalid, with an offset it is a real instant
    msg = _error(tmp_path, frame(row("g", arrived_at="2023-03-26 02:30:00")))
    assert "daylight-saving gap" in msg
    ok = run(tmp_path, frame(row("g", arrived_at="2023-03-26T02:30:00+01:00")))
    assert ok.clean["arrived_at"].iloc[0].strftime("%H:%M%z") == "03:30+0200"


def test_year_boundaries_use_local_time(tmp_path):
    df = frame(
        row("a", arrived_at="2022-12-31T23:30:00Z"),  # 00:30 on 1 Jan 2023 in Oslo: inside
        row("b", arrived_at="2023-12-31 23:59:59"),
    )
    assert counts(run(tmp_path, df))["kept"] == 2
    msg = _error(tmp_path, frame(row("c", arrived_at="2023-12-31T23:30:00Z")))  # 00:30 on 1 Jan 2024
    assert "arrived_at outside 2023" in msg


def test_year_is_a_parameter(tmp_path):
    df = frame(row("a", arrived_at="2024-02-29 12:00"))
    assert counts(run(tmp_path, df, year=2024))["kept"] == 1


# --- the same data in every format gives the same result ------------------------------------


def _variety() -> pd.DataFrame:
    return frame(
        row("A", arrived_at="2023-01-01 00:00:01"),
        row("A", arrived_at="2023-01-01 00:00:01"),
        row(
            "B",
            district="Sør-Øst",
            queue="operasjonssentral",
            arrived_at="2023-10-29 02:30:00",
            wait_s="12.5",
            talk_s="0",
            answered="false",
        ),
        row("C", district="Trøndelag", queue="operasjonssentral", arrived_at="2023-03-26 03:30:00"),
        row("D", wait_s="0", talk_s="0", answered="false"),
        row("E", wait_s="2000"),
        row("F", district="Møre og Romsdal", arrived_at="2023-07-14 16:05:00", wait_s="33.25", talk_s="301.5"),
        row("F", district="Møre og Romsdal", arrived_at="2023-07-14 16:05:00", wait_s="34", talk_s="301.5"),
    )


def _typed(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    out["arrived_at"] = pd.to_datetime(out["arrived_at"]).dt.tz_localize("Europe/Oslo", ambiguous=True)
    out["wait_s"] = out["wait_s"].astype(float)
    out["talk_s"] = out["talk_s"].astype(float)
    out["answered"] = out["answered"] == "true"
    return out


def test_csv_parquet_gzip_parity(tmp_path):
    base = _variety()
    typed = _typed(base)
    typed.to_parquet(tmp_path / "log.parquet")
    write_csv(base, tmp_path / "comma.csv")
    # semicolon + ja/nei + decimal commas + alias spellings
    semi = base.copy()
    semi["answered"] = semi["answered"].map({"true": "Ja", "false": "nei"})
    semi["wait_s"] = semi["wait_s"].str.replace(".", ",", regex=False)
    semi["district"] = semi["district"].replace({"Sør-Øst": "Sor-Ost politidistrikt", "Trøndelag": "Trondelag"})
    write_csv(semi, tmp_path / "semi.csv", sep=";")
    # UTC offsets instead of naive local time, 1/0 booleans, gzip
    off = base.copy()
    off["arrived_at"] = typed["arrived_at"].dt.tz_convert("UTC").dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    off["answered"] = off["answered"].map({"true": "1", "false": "0"})
    write_csv(off, tmp_path / "off.csv.gz", compress=True)
    # local time with offsets, semicolon, gzip
    loc = base.copy()
    loc["arrived_at"] = typed["arrived_at"].map(lambda t: t.isoformat())
    write_csv(loc, tmp_path / "loc.csv.gz", sep=";", compress=True)

    results = {
        name: clean_call_log(tmp_path / name, tmp_path / f"p_{name}", tmp_path / f"o_{name}", **SETTINGS)
        for name in ("log.parquet", "comma.csv", "semi.csv", "off.csv.gz", "loc.csv.gz")
    }
    ref = results["log.parquet"]
    assert counts(ref) == {
        "rows_read": 8,
        "duplicate": 1,
        "zero_total": 1,
        "outlier": 1,
        "quarantined": 0,
        "kept": 5,
        "id_conflict": 2,
        "out_of_scope": 1,
    }
    for name, res in results.items():
        pd.testing.assert_frame_equal(res.clean, ref.clean, obj=name)
        pd.testing.assert_frame_equal(res.report, ref.report, obj=name)
    assert read_call_log(tmp_path / "off.csv.gz").kind == "csv.gz"


def test_typed_parquet_with_naive_times_and_numeric_booleans(tmp_path):
    df = _typed(_variety())
    df["arrived_at"] = df["arrived_at"].dt.tz_localize(None)
    df["answered"] = df["answered"].astype(int)
    df.to_parquet(tmp_path / "naive.parquet")
    res = clean_call_log(tmp_path / "naive.parquet", tmp_path / "p", tmp_path / "o", **SETTINGS)
    ref = run(tmp_path, _variety())
    pd.testing.assert_frame_equal(res.clean, ref.clean)


def test_typed_parquet_invalid_values_are_caught(tmp_path):
    df = _typed(frame(row("A"), row("B"), row("C")))
    df.loc[1, "wait_s"] = -5.0
    df.loc[2, "talk_s"] = np.nan
    df.to_parquet(tmp_path / "t.parquet")
    with pytest.raises(InvalidRowsError) as err:
        clean_call_log(tmp_path / "t.parquet", tmp_path / "p", tmp_path / "o", **SETTINGS)
    assert "negative duration in wait_s: 1 row(s), first at row(s) 2" in str(err.value)
    assert "missing value in talk_s: 1 row(s), first at row(s) 3" in str(err.value)


# --- properties -----------------------------------------------------------------------------

_cells = st.tuples(
    st.sampled_from(["a", "b", "c", "d"]),  # call_id: few values, so repeats
    st.sampled_from(["Oslo", "Agder", "Trøndelag", "Narnia"]),
    st.sampled_from(["sentralbord", "operasjonssentral"]),
    st.sampled_from(["2023-05-01 10:00", "2023-05-01 11:00", "2022-05-01 10:00"]),
    st.sampled_from([0.0, 5.0, 1800.0, 2500.0, -1.0]),
    st.sampled_from([0.0, 60.0, 1801.0]),
    st.booleans(),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(_cells, min_size=1, max_size=25))
def test_accounting_identity_and_clean_properties(rows):
    df = pd.DataFrame(rows, columns=H)
    df["arrived_at"] = pd.to_datetime(df["arrived_at"]).dt.tz_localize("Europe/Oslo")
    parsed = parse_call_log(df, year=2023)
    clean, c, by_queue, conflicts = calllog.clean_frame(
        parsed, len(df), Thresholds(outlier_threshold_s=1800.0), ("Trøndelag",)
    )
    check_identity(cleaning_report(c))
    valid = parsed.frame.loc[~parsed.invalid]
    assert c["quarantined"] == int(parsed.invalid.sum())
    assert c["duplicate"] == int(valid.duplicated().sum())
    assert not clean[H].duplicated().any()
    assert ((clean["wait_s"] + clean["talk_s"]) > 0).all()
    assert (clean[["wait_s", "talk_s"]] <= 1800).all().all()
    assert c["id_conflict"] == int(clean["id_conflict"].sum())
    assert (clean["id_conflict"] == clean["call_id"].duplicated(keep=False)).all()
    assert len(conflicts) == c["id_conflict"] and sorted(conflicts["call_id"]) == sorted(
        clean.loc[clean["id_conflict"], "call_id"]
    )
    assert (clean.loc[~clean["in_scope"], "district"] == "Trøndelag").all()
    assert by_queue["kept"].sum() == c["kept"] and by_queue["valid_rows"].sum() == len(valid)
    # manual rule evaluation on the valid rows agrees with the masks
    expect_bad = (
        (df["district"] == "Narnia")
        | (df["wait_s"] < 0)
        | (df["arrived_at"].dt.year != 2023)
        | (~df["answered"] & (df["talk_s"] > 0))
    )
    assert (parsed.invalid == expect_bad.to_numpy()).all()


# --- the files notebook 01 wrote ------------------------------------------------------------


def test_id_conflict_is_judged_on_the_kept_rows(tmp_path):
    df = frame(
        row("A", wait_s="5"),
        row("A", wait_s="0", talk_s="0", answered="false"),  # partner removed
        row("B", wait_s="5"),
        row("B", wait_s="-1"),
        row("C"),
    )  # partner invalid
    res = run(tmp_path, df, on_invalid="quarantine")
    assert counts(res)["id_conflict"] == 0
    assert not res.clean["id_conflict"].any()


def test_assumptions_are_required_arguments(tmp_path):
    path = write_csv(frame(row("A")), tmp_path / "log.csv")
    with pytest.raises(TypeError, match="year"):
        clean_call_log(path, tmp_path / "p", tmp_path / "o")


# --- nothing left to model: a clear error naming the cause ------------------------------------


def test_a_log_of_the_wrong_year_in_quarantine_mode_is_an_error_naming_the_cause(tmp_path):
    # every call is from 2024: quarantine sets all of them aside, so nothing is left
    df = frame(*(row(f"C{i}", arrived_at=f"2024-02-0{i} 10:00:00") for i in range(1, 6)), row("N", wait_s="-1"))
    (tmp_path / "processed").mkdir()
    # a cleaned log an earlier run made (listed in the folder's manifest): it must not stay looking current
    pd.DataFrame({"stale": [1]}).to_parquet(claim(tmp_path / "processed" / "calls_clean.parquet"))
    with pytest.raises(NoRowsLeftError) as err:
        run(tmp_path, df, on_invalid="quarantine")
    msg = str(err.value)
    assert isinstance(err.value, CallLogError)
    assert f"call log {display_path(tmp_path / 'log.csv')}: no row is kept" in msg
    assert "rows read: 6" in msg and "quarantined (invalid): 6" in msg
    assert "arrived_at outside 2023 (local time): 5" in msg and "negative duration in wait_s: 1" in msg
    assert msg.index("outside 2023") < msg.index("negative duration")  # most frequent first
    assert "removed by the cleaning rules: duplicate 0, zero_total 0, outlier 0" in msg
    assert "kept: 0, of which in a modelled district: 0" in msg
    rejected = tmp_path / "processed" / "rejected_rows.parquet"
    assert str(rejected) in msg  # outside the project root: the full path, so it can be found
    # the quarantined rows are written before the error, for the analyst to look at
    assert pd.read_parquet(rejected)["row_number"].tolist() == [1, 2, 3, 4, 5, 6]
    # no row contents in the message
    for text in ("C1", "C5", "2024-02-01", "sentralbord", "Oslo"):
        assert text not in msg
    # no cleaning report for a run that failed, and no cleaned log of an earlier run left beside the rejected rows
    assert not (tmp_path / "outputs" / "tables" / "cleaning_report.csv").exists()
    kept = sorted(p.name for p in (tmp_path / "processed").iterdir())
    assert kept == ["rejected_rows.parquet", "run_manifest.json"]  # no stale clean log beside the rows set aside


def test_rows_removed_by_the_rules_leave_nothing_is_an_error(tmp_path):
    zero = row("Z", wait_s="0", talk_s="0", answered="false")
    with pytest.raises(NoRowsLeftError) as err:
        run(tmp_path, frame(zero, zero, row("X", talk_s="5000")))
    msg = str(err.value)
    assert "rows read: 3" in msg and "quarantined (invalid): 0" in msg
    assert "duplicate 1, zero_total 1, outlier 1" in msg
    assert "rejected_rows" not in msg  # error mode writes no quarantine file


def test_kept_rows_only_in_excluded_districts_is_an_error(tmp_path):
    df = frame(
        row("T1", district="Trøndelag", queue="operasjonssentral"),
        row("T2", district="Trondelag", queue="operasjonssentral"),
        row("F", district="Finnmark"),
    )
    with pytest.raises(NoRowsLeftError) as err:
        run(tmp_path, df, excluded_districts=("Trøndelag", "Finnmark"))
    msg = str(err.value)
    assert "none of the 3 kept row(s) is in a modelled district" in msg
    assert "Trøndelag 2, Finnmark 1" in msg and "excluded_districts: Trøndelag, Finnmark" in msg
    assert "kept: 3, of which in a modelled district: 0" in msg
    # one modelled row is enough
    res = run(tmp_path, frame(*df.to_numpy().tolist(), row("O")), excluded_districts=("Trøndelag", "Finnmark"))
    assert counts(res)["kept"] == 4


def test_no_rows_left_without_writing(tmp_path):
    path = write_csv(frame(row("A", arrived_at="2024-01-01 10:00:00")), tmp_path / "log.csv")
    with pytest.raises(NoRowsLeftError, match="were not written") as err:
        clean_call_log(path, tmp_path / "p", tmp_path / "o", on_invalid="quarantine", write=False, **SETTINGS)
    assert "rows read: 1" in str(err.value)
    assert not (tmp_path / "p").exists()


# --- privacy by construction: call-level data never go into an outputs folder ---------------


@pytest.mark.parametrize("processed", ["outputs", "outputs/processed", "outputs/a/b", "outputs/x/../data"])
def test_processed_dir_inside_outputs_is_refused_before_anything_happens(tmp_path, processed):
    path = tmp_path / "missing.csv"  # not even read: the refusal comes first
    with pytest.raises(
        ValueError,
        match=r"call-level data \(calls_clean.parquet, rejected_rows.parquet\) never go into an outputs folder; "
        r"choose a processed_dir outside .*outputs",
    ):
        clean_call_log(path, tmp_path / processed, tmp_path / "outputs", **SETTINGS)
    assert not any(tmp_path.iterdir())  # nothing written


def test_processed_dir_beside_or_above_outputs_is_fine(tmp_path):
    path = write_csv(frame(row("A")), tmp_path / "log.csv")
    clean_call_log(path, tmp_path / "processed", tmp_path / "outputs", **SETTINGS)
    clean_call_log(path, tmp_path / "run", tmp_path / "run" / "outputs", **SETTINGS)
    clean_call_log(path, tmp_path / "outputs-processed", tmp_path / "outputs", **SETTINGS)  # a sibling, not inside
    assert (tmp_path / "run" / "calls_clean.parquet").exists()
    assert (tmp_path / "outputs-processed" / "calls_clean.parquet").exists()
