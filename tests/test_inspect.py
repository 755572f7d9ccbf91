"""Checking an export before anything runs (issue 20, part 5): lib.calllog.inspect.

What the run would read and every problem with its rule and row count, in aggregates only: the
output is scanned for call ids, on the full synthetic year and on planted ids in bad rows.
"""

from __future__ import annotations

import pandas as pd
import pytest
from frames import call_row
from test_privacy import tokens

from lib.calllog import CONTRACT_COLUMNS
from lib.calllog.inspect import FILE_PROBLEM, UNKNOWN_WORDS, inspect, main
from lib.core.paths import DATA_RAW, display_path

H = list(CONTRACT_COLUMNS)


def write(path, rows, header=H, sep=","):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(sep.join(r) for r in [header, *rows]) + "\n", encoding="utf-8")
    return path


BAD = [
    call_row("SECRET-0001"),
    call_row("SECRET-0002", district="Narnia"),
    call_row("SECRET-0003", wait_s="-5"),
    call_row("SECRET-0004", district="Narnia", arrived_at="2022-12-31 10:00:00"),
    call_row("SECRET-0005", queue="Sentralbordet"),
]


def test_the_synthetic_year_is_usable_and_nothing_in_the_output_is_a_call_id(synthetic_year):
    result = inspect(DATA_RAW / "calls_2023.parquet")
    assert result.usable and result.kind == "calls" and result.error is None
    text = result.to_text()
    for section in ("Files:", "Columns", "Forms:", "Labels", "Date range (Europe/Oslo): 2023-01-01", "Plausibility:"):
        assert section in text
    assert "Verdict: usable: no problem found" in text
    assert "queue: sentralbord -> sentralbord: 1 100 746; operasjonssentral -> operasjonssentral: 665 163" in text
    assert result.accounting.set_index("item").loc["kept", "count"] == 1_754_194
    frame = result.to_frame()
    assert list(frame.columns) == ["section", "file", "item", "value"]
    ids = set(synthetic_year["call_id"].astype(str))
    for shown in (text, frame.to_csv(index=False)):
        assert not tokens(shown) & ids


def test_every_problem_with_its_rule_and_rows_never_a_value(tmp_path):
    path = write(tmp_path / "export.csv", BAD)
    result = inspect(path)
    assert not result.usable and result.invalid_rows == 4
    problems = result.problems.set_index("rule")
    assert problems.loc["unknown district", "rows"] == 2 and problems.loc["unknown district", "first_rows"] == "2, 4"
    assert problems.loc["negative duration in wait_s", "rows"] == 1
    assert problems.loc["arrived_at outside 2023 (local time)", "rows"] == 1
    text = result.to_text()
    assert "NOT USABLE as it is: 4 invalid row(s)" in text
    assert "Narnia -> UNKNOWN: 2" in text  # a label, with what it maps to
    assert "Sentralbordet -> sentralbord: 1" in text
    assert "quarantined: 3" in text  # what quarantine would do (one row breaks two rules)
    for shown in (text, result.to_frame().to_csv(index=False)):
        assert "SECRET" not in shown and "-5" not in shown and "2022-12-31" not in shown
    assert inspect(path, on_invalid="quarantine").usable


def test_values_that_are_not_labels_are_counted_not_shown(tmp_path):
    rows = [call_row(f"A{i}", district=f"SECRET-{i:04d}") for i in range(3)] + [call_row("B")]
    result = inspect(write(tmp_path / "e.csv", rows))
    labels = result.labels[result.labels["column"] == "district"]
    assert labels["label"].tolist() == ["Oslo", "(3 other value(s), not shown: digits, long, or beyond the first 40)"]
    assert labels["rows"].tolist() == [1, 3] and "SECRET" not in result.to_text()


def test_a_file_that_cannot_be_used_says_why_and_exits_1(tmp_path, capsys):
    header = ["Samtale-ID", "Mottakende enhet", "Tjeneste", "Dato", "Klokkeslett", "Tid i kø", "Varighet", "Utfall"]
    path = write(
        tmp_path / "vendor.csv",
        [["A1", "Oslo", "SB", "01.02.2023", "10:00:05", "00:00:12", "03:04", "Besvart"]],
        header,
        ";",
    )
    result = inspect(path)
    assert not result.usable and result.problems["rule"].tolist() == [FILE_PROBLEM]
    assert main([str(path)]) == 1
    out = capsys.readouterr().out
    assert "missing column(s) ['district', 'queue', 'wait_s', 'talk_s']" in out and "Verdict: NOT USABLE" in out
    assert "A1" not in out and "00:00:12" not in out
    (tmp_path / "vendor.columns.csv").write_text(
        "contract_column,export_column\ndistrict,Mottakende enhet\nqueue,Tjeneste\nwait_s,Tid i kø\ntalk_s,Varighet\n"
        "queue:sentralbord,SB\n"
    )
    assert main([str(path)]) == 0
    assert f"mapping file: {display_path(tmp_path / 'vendor.columns.csv')}" in capsys.readouterr().out


def test_unknown_outcome_words_make_an_export_unusable_whatever_on_invalid(tmp_path):
    rows = [call_row("A", answered="Besvart"), call_row("B", answered="Viderekoblet", talk_s="0")]
    result = inspect(write(tmp_path / "e.csv", rows), on_invalid="quarantine")
    assert not result.usable and UNKNOWN_WORDS in result.problems["rule"].tolist()
    assert "'Viderekoblet' 1" in result.to_text()


def test_several_files_each_with_its_rows_and_time_range(tmp_path, capsys):
    write(tmp_path / "raw" / "m01.csv", [call_row("A", arrived_at="2023-01-10 10:00:00")])
    write(tmp_path / "raw" / "m03.csv", [call_row("B", arrived_at="2023-03-10 10:00:00")])
    result = inspect(tmp_path / "raw")
    assert result.files["file"].tolist() == ["m01.csv", "m03.csv"] and result.files["rows"].tolist() == [1, 1]
    checks = result.plausibility.set_index("check")
    assert not checks.loc["files_contiguous", "passed"]
    assert "days without a call between m01.csv" in checks.loc["files_contiguous", "detail"]
    assert result.usable  # a plausibility warning never stops a run
    # ... but the verdict never contradicts a failed check: it names every one
    failed = checks.index[~checks["passed"]].tolist()
    assert "volume_plausible" in failed and "files_contiguous" in failed
    assert result.verdict.startswith(f"usable, with {len(failed)} warning(s): ") and "no problem" not in result.verdict
    assert all(name in result.verdict for name in failed)
    assert f"Verdict: {result.verdict}" in result.to_text()
    assert main([str(tmp_path / "nothing_*.csv")]) == 1
    assert "no file matches this pattern" in capsys.readouterr().out


@pytest.mark.parametrize("form", ["intervals"])
def test_interval_statistics_are_inspected_too(tmp_path, form):
    from lib.calllog import forms

    calls = pd.DataFrame(
        [dict(zip(H, call_row(f"C{i}", arrived_at=f"2023-02-01 10:{i:02d}:00"), strict=True)) for i in range(40)]
    )
    calls["arrived_at"] = pd.to_datetime(calls["arrived_at"]).dt.tz_localize("Europe/Oslo")
    calls[["wait_s", "talk_s"]] = calls[["wait_s", "talk_s"]].astype(float)
    calls["answered"] = True
    result = inspect(forms.write_form(calls, form, tmp_path))
    assert result.kind == "intervals" and result.usable
    assert result.forms["interval_minutes"] == "15 minutes, inferred from the interval starts"
    assert result.accounting.set_index("item").loc["calls_offered", "count"] == 40
