"""The Tabell A.1 opening hours: transcription, parsing, and the vectorised is_open."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib.calllog import opening_hours as oh
from lib.core.districts import DISTRICTS
from lib.core.oslo_calendar import TIMEZONE


def _open(district: str, *local: str) -> list[bool]:
    return oh.is_open([district] * len(local), pd.to_datetime(list(local))).tolist()


def test_parsed_weekly_hours_equal_the_tables_hours_column():
    table = oh.read_table().set_index("district")
    parsed = oh.weekly_hours()
    assert list(parsed.index) == list(DISTRICTS)
    np.testing.assert_array_equal(parsed.to_numpy(), table["hours_per_week"].to_numpy())
    # and the share column is hours / 168 rounded as printed (68 %, 47 %, ...)
    np.testing.assert_array_equal(np.round(parsed.to_numpy() / 168, 2), table["share_of_week"].to_numpy())


def test_is_open_counts_the_weekly_hours_minute_by_minute():
    # Monday 9 - Sunday 15 January 2023 has no holiday and no Sunday spill into the next week.
    minutes = pd.date_range("2023-01-09", periods=7 * 24 * 60, freq="min")
    d = np.repeat(np.asarray(DISTRICTS, dtype=object), len(minutes))
    is_open = oh.is_open(d, np.tile(minutes, len(DISTRICTS))).reshape(len(DISTRICTS), -1)
    np.testing.assert_array_equal(is_open.sum(axis=1) / 60, oh.weekly_hours().to_numpy())


def test_oslo_runs_past_midnight_on_friday_and_saturday():
    # 2023-03-03 is a Friday.
    assert _open("Oslo", "2023-03-02 06:59", "2023-03-02 07:00", "2023-03-02 22:59", "2023-03-02 23:00") == [
        False,
        True,
        True,
        False,
    ]
    assert _open(
        "Oslo", "2023-03-03 23:30", "2023-03-04 06:59", "2023-03-04 07:00", "2023-03-04 15:29", "2023-03-04 15:30"
    ) == [True, True, False, False, True]
    assert _open(
        "Oslo",
        "2023-03-05 06:59",
        "2023-03-05 07:00",
        "2023-03-05 13:29",
        "2023-03-05 13:30",
        "2023-03-05 23:59",
        "2023-03-06 00:00",
    ) == [True, False, False, True, True, False]


def test_trondelag_friday_and_saturday_until_four_and_closed_on_sunday():
    assert _open(
        "Trøndelag",
        "2023-03-04 03:59",
        "2023-03-04 04:00",
        "2023-03-04 13:00",
        "2023-03-05 03:59",
        "2023-03-05 04:00",
        "2023-03-05 14:00",
    ) == [True, False, True, True, False, False]
    assert _open("Trøndelag", "2023-03-07 21:29", "2023-03-07 21:30", "2023-03-08 01:00") == [True, False, False]


def test_quarter_hour_closings():
    assert _open("Øst", "2023-03-06 20:14", "2023-03-06 20:15") == [True, False]
    assert _open("Sør-Vest", "2023-03-06 15:29", "2023-03-06 15:30") == [True, False]
    assert _open("Innlandet", "2023-03-06 07:29", "2023-03-06 07:30", "2023-03-11 10:00") == [False, True, False]


def test_public_holidays_follow_the_sunday_hours():
    # 17 May 2023 is a Wednesday: Oslo opens 13:30 as on Sundays, Innlandet stays closed.
    assert _open("Oslo", "2023-05-17 10:00", "2023-05-17 14:00", "2023-05-16 10:00") == [False, True, True]
    assert _open("Innlandet", "2023-05-17 10:00", "2023-05-16 10:00") == [False, True]
    # Good Friday (7 April): Sunday hours, so no Friday night shift into Saturday 03:00,
    # unlike the ordinary Friday a week later.
    assert _open("Oslo", "2023-04-07 09:00", "2023-04-07 14:00", "2023-04-08 03:00", "2023-04-15 03:00") == [
        False,
        True,
        False,
        True,
    ]
    # Easter Monday (10 April) keeps Oslo closed in the morning; the Tuesday is ordinary.
    assert _open("Oslo", "2023-04-10 08:00", "2023-04-11 08:00") == [False, True]


def test_tz_aware_input_is_converted_to_oslo_time():
    # 06:30 UTC on Monday 2 January = 07:30 in Oslo; 05:30 UTC on 3 July = 07:30 (summer time).
    ts = pd.to_datetime(["2023-01-02 06:30Z", "2023-01-02 06:30Z", "2023-07-03 05:30Z", "2023-07-03 05:29Z"])
    assert oh.is_open(["Innlandet", "Agder", "Vest", "Vest"], ts).tolist() == [True, False, True, False]


def test_daylight_saving_night_uses_the_wall_clock():
    # Sunday 26 March: 01:30 local (CET) is inside Oslo's Saturday night shift, 07:30 CEST is not.
    ts = pd.DatetimeIndex(["2023-03-26 00:30Z", "2023-03-26 05:30Z"])
    assert oh.is_open(["Oslo", "Oslo"], ts).tolist() == [True, False]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(DISTRICTS), st.integers(0, 365 * 24 * 60 - 1)), min_size=1, max_size=40))
def test_vectorised_equals_one_by_one_and_aware_equals_naive(cases):
    districts = [d for d, _ in cases]
    naive = pd.Timestamp("2023-01-01") + pd.to_timedelta([m for _, m in cases], unit="min")
    together = oh.is_open(districts, naive)
    alone = [oh.is_open([d], [t])[0] for d, t in zip(districts, naive, strict=True)]
    assert together.tolist() == alone
    # localising and converting to UTC first changes nothing (ambiguous/missing times skipped)
    aware = naive.tz_localize(TIMEZONE, ambiguous="NaT", nonexistent="NaT")
    keep = ~aware.isna()
    assert (oh.is_open(np.asarray(districts)[keep], aware[keep].tz_convert("UTC")) == together[keep]).all()


def test_bad_input_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown district"):
        oh.is_open(["Gotham"], pd.to_datetime(["2023-01-02 10:00"]))
    with pytest.raises(ValueError, match="HH:MM"):
        oh._parse_interval("7-23")
    with pytest.raises(ValueError, match="out of range"):
        oh._parse_interval("07:00-25:00")
    bad = oh.read_table().iloc[:-1]
    bad.to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(ValueError, match="districts"):
        oh.read_table(tmp_path / "bad.csv")
