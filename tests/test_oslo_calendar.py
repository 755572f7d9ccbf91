"""The one calendar (lib/core/oslo_calendar.py): elapsed hours, holidays, day types and day kinds."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from lib.core import oslo_calendar as cal
from lib.core.oslo_calendar import TIMEZONE
from lib.core.paths import PROJ_ROOT


@pytest.fixture(scope="module")
def grid():
    return cal.hour_grid(2023)


# --- The hour grid: DST and holidays ------------------------------------------------------


def test_grid_has_8760_elapsed_hours_with_23_and_25_hour_dst_days(grid):
    assert len(grid) == 8760
    steps = grid["hour_start"].diff().dropna()
    assert (steps == pd.Timedelta(hours=1)).all()
    per_day = grid.groupby("date").size()
    assert per_day[pd.Timestamp("2023-03-26")] == 23 and per_day[pd.Timestamp("2023-10-29")] == 25
    assert (per_day.drop([pd.Timestamp("2023-03-26"), pd.Timestamp("2023-10-29")]) == 24).all()
    spring = grid.loc[grid["date"] == "2023-03-26", "hour"].tolist()
    autumn = grid.loc[grid["date"] == "2023-10-29", "hour"].tolist()
    assert spring == [0, 1, *range(3, 24)]
    assert autumn == [0, 1, 2, 2, *range(3, 24)]
    # Labels are the local wall clock of the hour's start.
    assert (grid["hour"] == grid["hour_start"].dt.hour).all()
    assert grid["hour_start"].iloc[0] == pd.Timestamp("2023-01-01 00:00", tz=TIMEZONE)
    assert grid["hour_start"].iloc[-1] == pd.Timestamp("2023-12-31 23:00", tz=TIMEZONE)


def test_calls_land_in_their_elapsed_hour_across_dst():
    ts = pd.Series(
        pd.to_datetime(
            [
                "2023-01-01T00:00:00+01:00",  # first hour
                "2023-03-26T01:59:59+01:00",  # last second before spring forward: the day's 2nd hour
                "2023-03-26T03:00:00+02:00",  # the next elapsed hour, the day's 3rd
                "2023-10-29T02:30:00+02:00",  # first 02:xx of the autumn day
                "2023-10-29T02:30:00+01:00",  # second 02:xx, one hour later
                "2023-12-31T23:59:59+01:00",  # last hour
            ],
            utc=True,
        )
    ).dt.tz_convert(TIMEZONE)
    idx = cal.hour_index(ts, 2023)
    mar26 = (pd.Timestamp("2023-03-26") - pd.Timestamp("2023-01-01")).days * 24
    oct29 = (pd.Timestamp("2023-10-29") - pd.Timestamp("2023-01-01")).days * 24 - 1  # one hour lost in March
    assert idx.tolist() == [0, mar26 + 1, mar26 + 2, oct29 + 2, oct29 + 3, 8759]


def test_calls_outside_the_year_and_naive_times_are_errors():
    late = pd.Series(pd.to_datetime(["2024-01-01T00:00:00+01:00"])).dt.tz_convert(TIMEZONE)
    with pytest.raises(ValueError, match=r"1 call.*outside 2023"):
        cal.hour_index(late, 2023)
    with pytest.raises(ValueError, match="tz-aware"):
        cal.hour_index(pd.Series(pd.to_datetime(["2023-05-05 10:00"])), 2023)


def test_public_holidays_are_sunday_holiday_and_saturdays_saturday(grid):
    hol = cal.public_holidays(2023)
    expected = pd.to_datetime(
        [
            "2023-01-01",
            "2023-04-06",
            "2023-04-07",
            "2023-04-09",
            "2023-04-10",
            "2023-05-01",
            "2023-05-17",
            "2023-05-18",
            "2023-05-28",
            "2023-05-29",
            "2023-12-25",
            "2023-12-26",
        ]
    )
    assert list(hol) == list(expected)
    day = grid.groupby("date").first()
    assert day.loc["2023-05-17", "day_type"] == "sunday_holiday"  # a Wednesday
    assert day.loc["2023-05-17", "dow_model"] == 6 and day.loc["2023-05-17", "weekday"] == 2
    assert day.loc["2023-05-16", "day_type"] == "weekday" and day.loc["2023-05-16", "dow_model"] == 1
    assert day.loc["2023-05-20", "day_type"] == "saturday"
    assert day.loc["2023-05-21", "day_type"] == "sunday_holiday"
    assert day.loc["2023-12-24", "day_type"] == "sunday_holiday"  # a Sunday in 2023, not a holiday
    counts = day["day_type"].value_counts()
    # 2023: 53 Sundays, 52 Saturdays; 3 holidays fall on Sundays (1 Jan, 9 Apr, 28 May), 9 on weekdays.
    assert counts["sunday_holiday"] == 53 + 9 and counts["saturday"] == 52
    assert counts["weekday"] == 365 - 62 - 52
    assert set(grid["day_type"]) == set(cal.DAY_TYPES)


def test_hour_starts_of_a_leap_year_and_the_year_bounds():
    assert len(cal.hour_starts(2023)) == 8760 and len(cal.hour_starts(2024)) == 8784
    start, end = cal.year_bounds(2023)
    assert start == pd.Timestamp("2023-01-01 00:00", tz=TIMEZONE) and end == pd.Timestamp("2024-01-01", tz=TIMEZONE)
    assert (cal.hour_grid(2023)["hour_start"] == cal.hour_starts(2023)).all()


# --- Day types and Tabell A.1 days ---------------------------------------------------------


def test_table_a1_day_codes():
    kinds = cal.table_a1_day(
        pd.to_datetime(
            ["2023-01-02", "2023-01-06", "2023-01-07", "2023-01-08", "2023-05-17", "2023-12-26", "2023-12-24"]
        )
    )
    assert kinds.tolist() == [0, 1, 2, 3, 3, 3, 3]
    assert [cal.TABLE_A1_DAYS[k] for k in kinds[:4]] == ["mon_thu", "fri", "sat", "sun"]


def test_day_types_treat_holidays_as_sundays_also_on_saturdays():
    # 2021-12-25 (Christmas Day) and 2021-05-01 (Labour Day) fell on Saturdays.
    dates = pd.to_datetime(["2021-12-24", "2021-12-25", "2021-05-01", "2021-05-08", "2021-05-09", "2021-05-13"])
    assert cal.day_type(dates).tolist() == [0, 2, 2, 1, 2, 2]  # Fri, hol, hol, Sat, Sun, Ascension (Thu)
    assert cal.table_a1_day(dates).tolist() == [1, 3, 3, 2, 3, 3]
    assert cal.is_holiday(dates).tolist() == [False, True, True, False, False, True]


def test_tz_aware_times_use_the_oslo_date():
    # In Oslo: 00:30 on Monday 1 January 2024 (New Year's Day), 23:30 on Sunday 31 December,
    # 00:30 on Tuesday 16 May and 01:30 on Wednesday 17 May (Constitution Day).
    aware = pd.to_datetime(["2023-12-31 23:30Z", "2023-12-31 22:30Z", "2023-05-15 22:30Z", "2023-05-16 23:30Z"])
    assert cal.day_type(aware).tolist() == [2, 2, 0, 2]
    assert cal.table_a1_day(aware).tolist() == [3, 3, 0, 3]
    assert cal.day_type(cal.wall_clock(aware)).tolist() == cal.day_type(aware).tolist()
    assert cal.in_day_kind(aware, "weekday").tolist() == [True, False, True, True]


def test_codes_agree_with_the_hour_grid(grid):
    assert (np.asarray(cal.DAY_TYPES)[cal.day_type(grid["hour_start"])] == grid["day_type"].to_numpy()).all()
    sunday_holiday = cal.table_a1_day(grid["hour_start"]) == 3
    assert (sunday_holiday == (grid["day_type"] == "sunday_holiday").to_numpy()).all()
    assert (grid["day_class"] == np.where(grid["day_type"] == "weekday", "weekday", "weekend_holiday")).all()
    assert cal.day_type([]).size == 0 and cal.table_a1_day([]).size == 0


def test_holidays_norway_is_called_in_one_place_only():
    callers = [
        p.name
        for p in sorted((PROJ_ROOT / "lib").rglob("*.py"))
        if re.search(r"holidays\.Norway\(", p.read_text(encoding="utf-8"))
    ]
    assert callers == ["oslo_calendar.py"]


# --- Figure day kinds ----------------------------------------------------------------------


def test_days_of_each_kind_in_2023():
    # 2023 starts on a Sunday and has 365 days: 52 full weeks + 1 Sunday.
    assert cal.days_of_kind(2023, "weekday") == 260
    assert cal.days_of_kind(2023, "weekend") == 105


def test_figure_day_kinds_keep_holidays_on_their_weekday():
    t = pd.to_datetime(["2023-05-17 10:00", "2023-05-20 10:00", "2023-05-21 10:00"]).tz_localize(TIMEZONE)
    assert cal.in_day_kind(t, "weekday").tolist() == [True, False, False]
    assert cal.in_day_kind(t, "weekend").tolist() == [False, True, True]
    with pytest.raises(ValueError, match="kind"):
        cal.days_of_kind(2023, "holiday")
