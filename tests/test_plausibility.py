"""Plausibility checks of the cleaned log (lib.calllog.plausibility), on hand-made aggregates."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from lib.calllog import cleaning_report, plausibility
from lib.core.assumptions import Assumptions
from lib.core.districts import DISTRICTS
from lib.valuation import table1

A = Assumptions()
MODELLED = [d for d in DISTRICTS if d != "Trøndelag"]


def report(rows_read: int = 1_765_909, quarantined: int = 0) -> pd.DataFrame:
    """A cleaning report with the given rows read and quarantined rows (the rest kept)."""
    kept = rows_read - quarantined
    return cleaning_report(
        {
            "rows_read": rows_read,
            "duplicate": 0,
            "zero_total": 0,
            "outlier": 0,
            "quarantined": quarantined,
            "kept": kept,
            "id_conflict": 0,
            "out_of_scope": 0,
        }
    )


def kept_rows(months=range(1, 13), districts=tuple(DISTRICTS), year: int = 2023) -> pd.DataFrame:
    """One kept call per (month, district): only the columns the checks look at."""
    rows = [(d, pd.Timestamp(year=year, month=m, day=15, hour=10, tz="Europe/Oslo")) for m in months for d in districts]
    out = pd.DataFrame(rows, columns=["district", "arrived_at"])
    return out.assign(in_scope=out["district"] != "Trøndelag")


def result(table: pd.DataFrame) -> dict[str, bool]:
    return dict(zip(table["check"], table["passed"], strict=True))


def test_a_plausible_year_passes_every_check():
    t = plausibility.check_log(report(), kept_rows(), A)
    assert list(t.columns) == list(plausibility.COLUMNS)
    assert list(t["check"]) == list(plausibility.CHECKS)
    assert t["passed"].dtype == bool and t["passed"].all()
    assert plausibility.failed_checks(t) == []
    detail = t.set_index("check")["detail"]
    assert detail["calls_every_month"] == "kept calls in all 12 months of 2023; fewest 12 (January), most 12"
    assert detail["calls_every_modelled_district"] == "kept calls in all 11 modelled districts; fewest 12 (Oslo)"
    assert detail["volume_plausible"] == (
        "rows read 1 765 909 = 100.0 % of registered_calls_2023 (1 765 909); "
        "plausible: 50.0 %-150.0 % (882 955-2 648 863 rows)"
    )
    assert detail["quarantined_share"] == (
        "quarantined 0 of 1 765 909 rows read (0.00 %); allowed: at most 1.00 % (max_quarantined_share)"
    )


def test_missing_months_and_districts_are_named():
    clean = kept_rows(months=[1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12], districts=[d for d in DISTRICTS if d != "Finnmark"])
    t = plausibility.check_log(report(), clean, A)
    assert plausibility.failed_checks(t) == ["calls_every_month", "calls_every_modelled_district"]
    detail = t.set_index("check")["detail"]
    assert (
        detail["calls_every_month"] == "no kept calls in 1 of 12 months of 2023: April (121 kept calls in 2023 in all)"
    )
    assert detail["calls_every_modelled_district"] == "no kept calls in 1 of 11 modelled districts: Finnmark"


def test_excluded_districts_need_no_calls_and_follow_the_assumption():
    no_trondelag = kept_rows(districts=MODELLED)
    assert result(plausibility.check_log(report(), no_trondelag, A))["calls_every_modelled_district"]
    # with Trøndelag modelled, its absence is a failure
    a = A.replace(excluded_districts=())
    t = plausibility.check_log(report(), no_trondelag, a)
    assert plausibility.failed_checks(t) == ["calls_every_modelled_district"]
    assert (
        t.set_index("check")
        .loc["calls_every_modelled_district", "detail"]
        .endswith("of 12 modelled districts: Trøndelag")
    )


def test_months_are_counted_in_the_data_year():
    # kept rows of another year do not fill the months of data_year
    t = plausibility.check_log(report(), kept_rows(year=2022), A)
    assert "calls_every_month" in plausibility.failed_checks(t)
    assert result(plausibility.check_log(report(), kept_rows(year=2022), A.replace(data_year=2022)))[
        "calls_every_month"
    ]


@pytest.mark.parametrize(
    "rows_read, passed",
    [
        (882_954, False),  # 0.5 × 1 765 909 = 882 954.5
        (882_955, True),
        (1_765_909, True),
        (2_648_863, True),
        (2_648_864, False),  # 1.5 × 1 765 909 = 2 648 863.5
        (100, False),
        (10_000_000, False),
    ],
)
def test_volume_band_around_the_2023_volume(rows_read, passed):
    t = plausibility.check_log(report(rows_read), kept_rows(), A)
    assert result(t)["volume_plausible"] is passed


def test_volume_band_is_an_assumption():
    narrow = A.replace(plausible_volume_low=0.9, plausible_volume_high=1.1)
    assert not result(plausibility.check_log(report(1_500_000), kept_rows(), narrow))["volume_plausible"]
    assert result(plausibility.check_log(report(1_700_000), kept_rows(), narrow))["volume_plausible"]
    assert result(plausibility.check_log(report(500), kept_rows(), A.replace(registered_calls_2023=1_000)))[
        "volume_plausible"
    ]


@pytest.mark.parametrize(
    "rows_read, cut", [(1_048_574, False), (1_048_575, True), (1_048_576, True), (1_048_577, False)]
)
def test_a_log_cut_at_excels_row_limit_is_flagged(rows_read, cut):
    t = plausibility.check_log(report(rows_read), kept_rows(), A)
    assert result(t)["not_excel_truncated"] is not cut
    # 1 048 575 rows are 59 % of the 2023 volume: the volume band alone would not catch it
    assert result(t)["volume_plausible"]
    detail = t.set_index("check").loc["not_excel_truncated", "detail"]
    if cut:
        shown = f"{rows_read:,}".replace(",", " ")
        assert detail == (
            f"rows read {shown} equals Excel's sheet limit (1 048 576 rows, 1 048 575 data rows under a header): "
            "the export was probably truncated by Excel"
        )


@pytest.mark.parametrize("quarantined, passed", [(0, True), (17_659, True), (17_660, False), (900_000, False)])
def test_quarantined_share(quarantined, passed):
    t = plausibility.check_log(report(1_765_909, quarantined), kept_rows(), A)
    assert result(t)["quarantined_share"] is passed
    assert result(
        plausibility.check_log(report(1_765_909, quarantined), kept_rows(), A.replace(max_quarantined_share=0.6))
    )["quarantined_share"]


def test_details_carry_numbers_never_row_contents():
    clean = kept_rows().assign(call_id="SECRET-ID-1", wait_s=12.5)
    t = plausibility.check_log(report(), clean, A)
    text = " ".join(t["detail"])
    assert "SECRET" not in text and "12.5" not in text


def test_written_table_reads_back_and_names_the_failures(tmp_path):
    t = plausibility.check_log(report(1_048_575, 20_000), kept_rows(months=range(1, 7)), A)
    path = plausibility.write_checks(t, tmp_path / "out")
    assert path == tmp_path / "out" / "tables" / "plausibility.csv"
    back = plausibility.read_checks(tmp_path / "out")
    assert back is not None
    pd.testing.assert_frame_equal(back, t)
    assert plausibility.failed_checks(back) == ["calls_every_month", "not_excel_truncated", "quarantined_share"]
    # passed read back as text ("True"/"False") still counts
    assert plausibility.failed_checks(back.astype({"passed": str})) == plausibility.failed_checks(t)
    assert plausibility.read_checks(tmp_path / "elsewhere") is None


def test_notice_and_marker():
    good = plausibility.check_log(report(), kept_rows(), A)
    assert plausibility.warning_marker(good) is None and plausibility.warning_marker(None) is None
    line = plausibility.notice(good)
    assert "\n" not in line and line.startswith("Plausibility of the call log: all 6 checks passed")

    bad = plausibility.check_log(report(1_048_576), kept_rows(districts=MODELLED[1:]), A)
    text = plausibility.notice(bad)
    assert "ADVARSEL: loggen består ikke plausibilitetskontrollen: 2 av 6 kontroller feilet" in text
    assert "  - calls_every_modelled_district: no kept calls in 1 of 11 modelled districts: Oslo" in text
    assert "  - not_excel_truncated: rows read 1 048 576 equals Excel's sheet limit" in text
    assert "Table 1 below rests on a log that does not look like a year of 02800 calls" in text
    assert "Everything after this rests on" in plausibility.notice(bad, resting="Everything after this")
    assert plausibility.warning_marker(bad) == (
        "loggen består ikke plausibilitetskontrollen (calls_every_modelled_district, not_excel_truncated)"
    )
    assert "not found" in plausibility.notice(None) and "going on" in plausibility.notice(None)


def test_table1_heading_carries_the_warning():
    t1 = pd.DataFrame({"row": ["Spart tid innbyggere"], "I": [36.6], "IIa": [36.6], "IIb": [73.1], "III": [107.6]})
    assert table1.table1_rendered(t1).index.name == "Virkning (nåverdi, mill. kr)"
    warning = "loggen består ikke plausibilitetskontrollen (volume_plausible)"
    marked = table1.table1_rendered(t1, warning=warning)
    assert marked.index.name == f"Virkning (nåverdi, mill. kr) – USIKKERT GRUNNLAG: {warning}"
    pd.testing.assert_frame_equal(marked.rename_axis(None), table1.table1_rendered(t1).rename_axis(None))


def test_as_text_marks_each_check():
    t = plausibility.check_log(report(1_048_575), kept_rows(), A)
    lines = plausibility.as_text(t).splitlines()
    assert len(lines) == 6 and lines[5] == "PASS  files_contiguous: one file"
    assert lines[0].startswith("PASS  calls_every_month: kept calls in all 12 months of 2023")
    assert lines[3].startswith("FAIL  not_excel_truncated: rows read 1 048 575 equals Excel's sheet limit")


# --- several files: gaps and overlaps -----------------------------------------------------------


def _ranges(*spans):
    t = [(pd.Timestamp(a, tz="Europe/Oslo"), pd.Timestamp(b, tz="Europe/Oslo")) for a, b in spans]
    return pd.DataFrame(
        {
            "file": [f"m{i + 1}.csv" for i in range(len(t))],
            "rows": 10,
            "first": [a for a, _ in t],
            "last": [b for _, b in t],
        }
    )


def test_monthly_files_one_after_the_other_pass():
    ok, detail = plausibility.files_contiguous(
        _ranges(("2023-02-01 00:01", "2023-02-28 23:58"), ("2023-01-01 00:00", "2023-01-31 23:59"))
    )
    assert ok and detail.startswith("2 files cover 2023-01-01 00:00 to 2023-02-28 23:58 one after the other")


def test_an_overlap_and_a_gap_between_files_are_warnings():
    files = _ranges(
        ("2023-01-01 00:00", "2023-01-31 23:59"),
        ("2023-01-25 00:00", "2023-02-28 23:59"),  # overlaps January by a week
        ("2023-04-01 00:00", "2023-04-30 23:59"),  # March missing
    )
    table = plausibility.check_log(report(), kept_rows(), A, files=files)
    line = table.set_index("check").loc["files_contiguous"]
    assert not line["passed"]
    assert (
        "m1.csv (2023-01-01 00:00 to 2023-01-31 23:59) and m2.csv (2023-01-25 00:00 to 2023-02-28 23:59) overlap by 7.0 days"
        in line["detail"]
    )
    assert (
        "31.0 days without a call between m2.csv (ends 2023-02-28 23:59) and m3.csv (begins 2023-04-01 00:00)"
        in line["detail"]
    )
    assert plausibility.failed_checks(table) == ["files_contiguous"]


def test_interval_tables_count_their_calls():
    months = pd.to_datetime([f"2023-{m:02d}-15 10:00" for m in range(1, 13)]).tz_localize("Europe/Oslo")
    clean = pd.DataFrame(
        {"district": [MODELLED[i % len(MODELLED)] for i in range(12)], "interval_start": months, "offered": 150_000}
    )
    rep = pd.DataFrame({"item": ["rows_read", "quarantined", "calls_offered"], "count": [12, 0, 1_800_000]})
    table = plausibility.check_log(rep, clean, A).set_index("check")
    assert table.loc["calls_every_month", "passed"] and "fewest 150 000" in table.loc["calls_every_month", "detail"]
    assert table.loc["volume_plausible", "detail"].startswith("calls offered 1 800 000 = 101.9 % of registered")


#: English words that must not reach the Norwegian detail (the workbook shows ``detail_nb``).
ENGLISH = re.compile(r"\b(?:rows?|calls?|files?|kept|read|quarantined|allowed|fewest|most|days|hours|overlap|gap)\b")


def test_the_norwegian_detail_says_the_same_in_norwegian():
    t = plausibility.check_log(report(quarantined=1234), kept_rows(), A).set_index("check")["detail_nb"]
    assert t["calls_every_month"] == "anrop beholdt i alle 12 måneder i 2023; færrest 12 (januar), flest 12"
    assert t["calls_every_modelled_district"] == "anrop beholdt i alle 11 modellerte distrikter; færrest 12 (Oslo)"
    assert t["volume_plausible"] == (
        "rader lest 1 765 909 = 100,0 % av registered_calls_2023 (1 765 909); "
        "plausibelt: 50,0 %–150,0 % (882 955–2 648 863 rader)"
    )
    assert t["quarantined_share"] == (
        "satt til side 1 234 av 1 765 909 rader lest (0,07 %); tillatt: høyst 1,00 % (max_quarantined_share)"
    )
    assert t["files_contiguous"] == "én fil"
    failing = plausibility.check_log(report(), kept_rows(months=range(1, 12)), A).set_index("check")["detail_nb"]
    assert failing["calls_every_month"].startswith("ingen anrop beholdt i 1 av 12 måneder i 2023: desember (")
    files = _ranges(
        ("2023-01-01 00:00", "2023-01-31 23:59"),
        ("2023-01-25 00:00", "2023-02-28 23:59"),
        ("2023-04-01 00:00", "2023-04-30 23:59"),
    )
    several = plausibility.check_log(report(), kept_rows(), A, files=files).set_index("check")["detail_nb"]
    assert "overlapper med 7,0 døgn" in several["files_contiguous"]
    for detail in [*t, *failing, *several]:
        assert not ENGLISH.search(detail.replace(".csv", "")), detail
