"""Several files as one log: RAW as a folder, a glob or a list; per-file accounting; duplicates
and id conflicts across files; row numbers per file; the kinds of file kept apart (issue 20, part 3)."""

from __future__ import annotations

import pandas as pd
import pytest
from frames import CLEANING_SETTINGS, call_row

from lib.calllog import (
    CONTRACT_COLUMNS,
    CallLogError,
    InvalidRowsError,
    MixedKindsError,
    clean_call_log,
    resolve_raw,
)
from lib.calllog.files import raw_label
from lib.core.paths import PROJ_ROOT

H = list(CONTRACT_COLUMNS)


def write(path, rows, sep=","):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(sep.join(r) for r in [H, *rows]) + "\n", encoding="utf-8")
    return path


def clean(tmp_path, raw, **kw):
    return clean_call_log(raw, tmp_path / "processed", tmp_path / "outputs", **{**CLEANING_SETTINGS, **kw})


JAN = [
    call_row("J1", arrived_at="2023-01-05 10:00:00"),
    call_row("J2", arrived_at="2023-01-31 23:59:00"),
    call_row("X9", arrived_at="2023-01-31 23:59:30", wait_s="0", talk_s="0", answered="false"),
]
FEB = [
    call_row("J2", arrived_at="2023-01-31 23:59:00"),  # the same call again, in the next month's file
    call_row("F1", arrived_at="2023-02-01 00:00:10"),
    call_row("J1", arrived_at="2023-02-02 09:00:00"),  # J1's id with another call: a conflict across files
]


# --- which files ---------------------------------------------------------------------------------


def test_a_folder_is_its_export_files_in_natural_order(tmp_path):
    for name in ("calls_10.csv", "calls_2.csv", "calls_1.csv.gz", "notes.md", ".hidden.csv", "calls.columns.csv"):
        (tmp_path / name).write_text("x")
    (tmp_path / "sub").mkdir()
    assert [p.name for p in resolve_raw(tmp_path)] == ["calls_1.csv.gz", "calls_2.csv", "calls_10.csv"]


def test_a_glob_from_the_project_root(tmp_path):
    files = [write(tmp_path / f"m_{i}.csv", JAN) for i in (3, 1, 2)]
    assert resolve_raw(str(tmp_path / "m_*.csv")) == sorted(files, key=lambda p: p.name)
    # relative patterns start at the project root, wherever the kernel runs
    assert resolve_raw("data/raw/calls_202?.parquet") == [PROJ_ROOT / "data" / "raw" / "calls_2023.parquet"]


def test_names_that_match_nothing_say_so(tmp_path):
    with pytest.raises(CallLogError, match=r"no file matches this pattern"):
        resolve_raw(str(tmp_path / "nothing_*.csv"))
    (tmp_path / "readme.md").write_text("x")
    with pytest.raises(CallLogError, match=r"the folder holds no call-log file .* 1 other file\(s\) in it"):
        resolve_raw(tmp_path)
    path = write(tmp_path / "a.csv", JAN)
    with pytest.raises(CallLogError, match="the file is given twice"):
        resolve_raw([path, str(path)])
    assert resolve_raw(tmp_path / "missing.csv") == [tmp_path / "missing.csv"]  # the reader says "file not found"


def test_the_log_is_named_as_given(tmp_path):
    a, b = write(tmp_path / "d" / "a.csv", JAN), write(tmp_path / "d" / "b.csv", FEB)
    assert raw_label(tmp_path / "d", [a, b]).endswith("d/ (2 files)")
    assert raw_label(str(tmp_path / "d" / "*.csv"), [a, b]) == f"{tmp_path}/d/*.csv (2 files)"


# --- one log -------------------------------------------------------------------------------------


def test_several_files_are_one_log_with_every_file_accounted_for(tmp_path):
    write(tmp_path / "raw" / "calls_01.csv", JAN)
    write(tmp_path / "raw" / "calls_02.csv", FEB)
    res = clean(tmp_path, tmp_path / "raw")
    one = clean(tmp_path / "one", write(tmp_path / "all.csv", JAN + FEB))
    pd.testing.assert_frame_equal(res.clean, one.clean)  # the same log as one file of both months
    report = res.report.set_index("item")
    assert list(report.columns) == ["count", "calls_01.csv", "calls_02.csv"]
    assert report.loc["rows_read"].tolist() == [6, 3, 3]
    assert report.loc["duplicate"].tolist() == [1, 0, 1]  # found across files, counted in the later file
    assert report.loc["zero_total"].tolist() == [1, 1, 0]
    assert report.loc["kept"].tolist() == [4, 2, 2]
    assert report.loc["id_conflict"].tolist() == [2, 1, 1]
    written = pd.read_csv(res.written["cleaning_report"])
    assert list(written.columns) == ["item", "count", "calls_01.csv", "calls_02.csv"]
    conflicts = pd.read_parquet(res.written["id_conflicts"])
    assert conflicts[["file", "row_number"]].values.tolist() == [["calls_01.csv", 1], ["calls_02.csv", 3]]
    fmt = dict(zip(res.input_format["item"], res.input_format["value"], strict=True))
    assert fmt["file"].endswith("raw/ (2 files)") and fmt["timestamp_forms"] == "ISO 8601 local: 6 row(s)"


def test_invalid_rows_are_numbered_within_their_file(tmp_path):
    write(tmp_path / "raw" / "a.csv", [call_row("A"), call_row("B", district="Narnia")])
    write(tmp_path / "raw" / "b.csv", [call_row("C", district="Narnia"), call_row("D"), call_row("E", wait_s="-1")])
    with pytest.raises(InvalidRowsError) as err:
        clean(tmp_path, tmp_path / "raw")
    msg = str(err.value)
    assert "raw/ (2 files): 2 contract rule(s) broken" in msg
    assert "  a.csv:\n    - unknown district: 1 row(s), first at row(s) 2" in msg
    assert "  b.csv:\n    - unknown district: 1 row(s), first at row(s) 1" in msg
    assert "- negative duration in wait_s: 1 row(s), first at row(s) 3" in msg
    res = clean(tmp_path, tmp_path / "raw", on_invalid="quarantine")
    rejected = pd.read_parquet(res.written["rejected_rows"])
    assert list(rejected.columns) == ["file", "row_number", *H, "reason"]
    assert rejected[["file", "row_number"]].values.tolist() == [["a.csv", 2], ["b.csv", 1], ["b.csv", 3]]
    assert res.report.set_index("item").loc["quarantined"].tolist() == [3, 1, 2]


def test_files_of_different_forms_are_one_log(tmp_path):
    write(tmp_path / "raw" / "a.csv", JAN)
    write(tmp_path / "raw" / "b.csv", [[c.replace(".", ",") for c in r] for r in FEB], sep=";")
    pd.DataFrame([dict(zip(H, call_row("P1", arrived_at="2023-03-01 10:00:00"), strict=True))]).to_parquet(
        tmp_path / "raw" / "c.parquet"
    )
    res = clean(tmp_path, tmp_path / "raw")
    fmt = dict(zip(res.input_format["item"], res.input_format["value"], strict=True))
    assert fmt["format"] == "a.csv: csv; b.csv: csv; c.parquet: parquet"
    assert fmt["separator"] == "a.csv: comma; b.csv: semicolon; c.parquet: not applicable (Parquet)"
    assert res.count("kept") == 5


def test_call_logs_and_interval_statistics_are_not_mixed(tmp_path):
    write(tmp_path / "raw" / "a.csv", JAN)
    (tmp_path / "raw" / "b.csv").write_text(
        "interval_start;district;queue;offered;answered;abandoned;wait_total_s;talk_total_s\n"
        "2023-01-05 10:00;Oslo;sentralbord;3;2;1;30;200\n"
    )
    with pytest.raises(MixedKindsError, match=r"call logs \(a.csv\) and interval statistics \(b.csv\)"):
        clean(tmp_path, tmp_path / "raw")


def test_which_errors_are_problems_of_the_file_and_not_of_the_project():
    from lib.calllog import file_error_names

    names = file_error_names()
    assert {"CallLogError", "InvalidRowsError", "NoRowsLeftError", "UnknownOutcomeError", "MixedKindsError"} <= names
    assert "AccountingError" not in names  # rows that do not add up are a defect of the project
