"""The full synthetic year (1 765 909 calls) in every export form gives the cleaned log of the Parquet file.

Small fixtures never met the crash of issue 20 (a read-only array that only the full year's
one-chunk text column produced), so every supported form is read here at full scale and
compared row for row with the Parquet run. The forms are written once per session into a
temporary folder by :mod:`lib.calllog.forms`; each test reads one of them.

A file without UTC offsets cannot tell the two occurrences of the autumn fold hour apart (the
contract reads a naive time there as the first occurrence), so for those forms the expected
log is the Parquet log with that hour's second occurrence moved to its first
(:func:`lib.calllog.forms.fold_as_first_occurrence`).
"""

from __future__ import annotations

import time

import pandas as pd
import pyarrow as pa
import pytest
from frames import CLEANING_SETTINGS

from lib.calllog import clean_call_log, forms

#: Seconds a form may take to read, validate and clean on this machine (today's ≈ 2-6 s, with room
#: for a machine shared with other work); a slower path is a regression to look at, not noise.
MAX_SECONDS = 30.0


@pytest.fixture(scope="module")
def year(synthetic_year) -> pd.DataFrame:
    return synthetic_year


@pytest.fixture(scope="module")
def reference(synthetic_cleaning):
    """The Parquet file's cleaning: the log every other form must give."""
    return synthetic_cleaning


def _clean(path, work, **kw):
    t0 = time.perf_counter()
    res = clean_call_log(path, work / "p", work / "o", write=False, **CLEANING_SETTINGS, **kw)
    return res, time.perf_counter() - t0


def same_frame(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    """``got`` equals ``expected`` row for row, column for column, types included: Arrow's
    equality (fast on 1.7 million rows), pandas' assertion for the message when they differ."""
    assert list(got.columns) == list(expected.columns) and got.dtypes.equals(expected.dtypes)
    if not pa.Table.from_pandas(got, preserve_index=False).equals(pa.Table.from_pandas(expected, preserve_index=False)):
        pd.testing.assert_frame_equal(got, expected)


def _same_log(res, reference, naive_times: bool):
    expected = forms.fold_as_first_occurrence(reference.clean) if naive_times else reference.clean
    pd.testing.assert_frame_equal(res.report[["item", "count"]], reference.report)
    same_frame(res.clean, expected)
    pd.testing.assert_frame_equal(res.by_queue, reference.by_queue)


@pytest.mark.parametrize(
    "form, naive_times",
    [
        ("csv", False),
        ("excel-semicolon", True),
        ("tab", True),
        ("gzip", False),
        ("vendor", True),
        ("monthly", True),
    ],
)
def test_every_form_of_the_full_year_gives_the_parquet_log(form, naive_times, year, reference, tmp_path):
    path = forms.write_form(year, form, tmp_path)
    res, seconds = _clean(path, tmp_path)
    _same_log(res, reference, naive_times)
    assert res.count("rows_read") == len(year) == 1_765_909
    if form == "monthly":  # one column per file, each accounting for its rows, adding up to the year
        files = res.report.columns[2:]
        assert list(files) == [f"calls_2023_{m:02d}.csv" for m in range(1, 13)]
        pd.testing.assert_series_equal(res.report[files].sum(axis=1), res.report["count"], check_names=False)
    assert seconds < MAX_SECONDS, f"{form}: {seconds:.1f} s to read, validate and clean the year"
