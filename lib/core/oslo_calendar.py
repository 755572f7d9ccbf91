"""The one calendar of the analysis: elapsed hours, local dates and day types in Europe/Oslo.

Every module that needs the hours of a year, a local date or hour, a day type or a public
holiday takes it from here, so the modules agree by construction:

* **Elapsed hours.** :func:`hour_starts` is every hour of a year from local midnight on
  1 January to local midnight on 1 January of the next year (8 760 in 2023). A fixed
  frequency on a tz-aware range steps in absolute time, so the daylight-saving days have
  23 and 25 local hours (on the autumn day the local hour 2 occurs twice).
  :func:`hour_grid` labels each with its local date, hour of day and day type;
  :func:`hour_index` gives the elapsed hour a timestamp falls in.
* **Public holidays.** Norway's public holidays (``holidays.Norway``, called only in
  :func:`public_holidays`).
* **Day types** (:data:`DAY_TYPES`): ``"weekday"``, ``"saturday"``, ``"sunday_holiday"``;
  a public holiday counts as a Sunday, whatever its weekday (a holiday on a Saturday too).
  :data:`DAY_CLASSES` folds them into weekday / weekend-or-holiday.
* **Tabell A.1 days** (:data:`TABLE_A1_DAYS`): the opening-hours table's columns
  Monday-Thursday, Friday, Saturday, Sunday-or-holiday (:func:`table_a1_day`).
* **Figure day kinds** (:data:`DAY_KINDS`): Figur A.1/A.2's average weekday (Monday-Friday)
  and weekend day (Saturday-Sunday), by calendar weekday, holidays not singled out
  (:func:`days_of_kind`, :func:`in_day_kind`).

Naive timestamps are Europe/Oslo wall-clock time; tz-aware ones are converted to it first.
"""

from __future__ import annotations

from collections.abc import Iterable

import holidays
import numpy as np
import pandas as pd

TIMEZONE = "Europe/Oslo"
#: The seasons of the year and their calendar months (winter: December, January and February
#: of the same calendar year), named in Norwegian as the tables and figures show them.
SEASONS: dict[str, tuple[int, ...]] = {
    "vinter": (12, 1, 2),
    "vår": (3, 4, 5),
    "sommer": (6, 7, 8),
    "høst": (9, 10, 11),
}
#: Day types of the arrival model and the synthetic log; codes 0-2 of :func:`day_type`.
DAY_TYPES: tuple[str, ...] = ("weekday", "saturday", "sunday_holiday")
#: Day classes of the handling time: weekday vs Saturday, Sunday or holiday.
DAY_CLASSES: tuple[str, ...] = ("weekday", "weekend_holiday")
#: Columns of Tabell A.1 (opening hours); codes 0-3 of :func:`table_a1_day`.
TABLE_A1_DAYS: tuple[str, ...] = ("mon_thu", "fri", "sat", "sun")
#: Day kinds of Figur A.1/A.2: calendar weekdays (Monday = 0) of each; holidays by their weekday.
DAY_KINDS: dict[str, tuple[int, ...]] = {"weekday": (0, 1, 2, 3, 4), "weekend": (5, 6)}

_HOUR = pd.Timedelta(hours=1)
_SUNDAY = 6
# Monday..Sunday -> Tabell A.1 column code.
_TABLE_A1_OF_WEEKDAY = np.array([0, 0, 0, 0, 1, 2, 3], dtype=np.int8)


# --- Years and hours --------------------------------------------------------------------


def year_bounds(year: int) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Local midnight on 1 January of ``year`` and of the next year (tz-aware, Europe/Oslo)."""
    return (
        pd.Timestamp(year=year, month=1, day=1, tz=TIMEZONE),
        pd.Timestamp(year=year + 1, month=1, day=1, tz=TIMEZONE),
    )


def hour_starts(year: int) -> pd.DatetimeIndex:
    """Start of every elapsed hour of ``year`` in Europe/Oslo (tz-aware, 8 760 in 2023)."""
    start, end = year_bounds(year)
    return pd.date_range(start, end, freq="h", inclusive="left")


def hour_index(arrived_at, year: int) -> np.ndarray:
    """Position in :func:`hour_starts` of the elapsed hour each timestamp falls in (int64 array).

    ``arrived_at`` must be tz-aware (any zone); a timestamp outside ``year`` (local time) is
    an error.
    """
    ts = pd.Series(arrived_at)
    if not isinstance(ts.dtype, pd.DatetimeTZDtype):
        raise ValueError("arrived_at must be tz-aware timestamps (the cleaned log stores Europe/Oslo)")
    start, end = year_bounds(year)
    n_hours = int((end - start) // _HOUR)
    idx = ((ts - start) // _HOUR).to_numpy(dtype=np.int64)
    outside = (idx < 0) | (idx >= n_hours)
    if outside.any():
        raise ValueError(f"{int(outside.sum())} call(s) arrived outside {year} (local time)")
    return idx


def wall_clock(timestamps) -> pd.DatetimeIndex:
    """Naive Europe/Oslo wall-clock times (tz-aware input is converted first)."""
    ts = pd.DatetimeIndex(timestamps)
    return ts.tz_convert(TIMEZONE).tz_localize(None) if ts.tz is not None else ts


# --- Holidays and day types -------------------------------------------------------------


def public_holidays(years: int | Iterable[int]) -> pd.DatetimeIndex:
    """Norway's public holidays of ``years`` (naive local dates at midnight, sorted); Sundays
    are not added. The only use of ``holidays.Norway`` in the project."""
    years = [years] if isinstance(years, (int, np.integer)) else list(years)
    days = holidays.Norway(years=years, include_sundays=False)
    return pd.DatetimeIndex(sorted(pd.Timestamp(d) for d in days))


def _weekday_and_holiday(local_times) -> tuple[np.ndarray, np.ndarray]:
    """Calendar weekday (Monday = 0) and public-holiday flag of each time's local date."""
    t = wall_clock(local_times)
    weekday = np.asarray(t.day_of_week, dtype=np.int64)
    holiday = np.zeros(len(t), dtype=bool)
    if len(t):
        days = t.values.astype("datetime64[D]")
        years = range(int(t.year.min()), int(t.year.max()) + 1)
        holiday = np.isin(days, public_holidays(years).values.astype("datetime64[D]"))
    return weekday, holiday


def is_holiday(local_times) -> np.ndarray:
    """True where the local date is a Norwegian public holiday (bool array)."""
    return _weekday_and_holiday(local_times)[1]


def _day_type(weekday: np.ndarray, holiday: np.ndarray) -> np.ndarray:
    return np.where(holiday | (weekday == _SUNDAY), 2, np.where(weekday == 5, 1, 0)).astype(np.int8)


def day_type(local_times) -> np.ndarray:
    """Code into :data:`DAY_TYPES` of each time's local date: 0 weekday, 1 Saturday,
    2 Sunday or public holiday (int8 array)."""
    return _day_type(*_weekday_and_holiday(local_times))


def table_a1_day(local_times) -> np.ndarray:
    """Code into :data:`TABLE_A1_DAYS` of the Tabell A.1 column that applies on each local
    date: 0 Monday-Thursday, 1 Friday, 2 Saturday, 3 Sunday or public holiday (int8 array)."""
    weekday, holiday = _weekday_and_holiday(local_times)
    kind = _TABLE_A1_OF_WEEKDAY[weekday]
    kind[holiday] = 3
    return kind


# --- The hour grid ----------------------------------------------------------------------


def hour_grid(year: int) -> pd.DataFrame:
    """Every elapsed hour of ``year`` in Europe/Oslo, in time order (8 760 rows in 2023).

    Columns: ``hour_start`` (tz-aware start of the hour), ``date`` (local date, naive,
    midnight), ``hour`` (local hour of day 0-23), ``weekday`` (calendar, Monday = 0),
    ``holiday`` (bool), ``day_type`` (:data:`DAY_TYPES`), ``dow_model`` (the arrival model's
    weekday: the calendar one, with holidays as Sunday = 6), ``day_class``
    (:data:`DAY_CLASSES`) and ``month`` (1-12).
    """
    hs = hour_starts(year)
    weekday, holiday = _weekday_and_holiday(hs)
    types = np.asarray(DAY_TYPES, dtype=object)[_day_type(weekday, holiday)]
    return pd.DataFrame(
        {
            "hour_start": hs,
            "date": hs.tz_localize(None).normalize(),
            "hour": np.asarray(hs.hour, dtype=np.int64),
            "weekday": weekday,
            "holiday": holiday,
            "day_type": types.astype(str),
            "dow_model": np.where(holiday, _SUNDAY, weekday),
            "day_class": np.where(types == "weekday", DAY_CLASSES[0], DAY_CLASSES[1]),
            "month": np.asarray(hs.month, dtype=np.int64),
        }
    )


# --- Figure day kinds -------------------------------------------------------------------


def _check_kind(kind: str) -> tuple[int, ...]:
    if kind not in DAY_KINDS:
        raise ValueError(f"kind must be one of {list(DAY_KINDS)}, not {kind!r}")
    return DAY_KINDS[kind]


def in_day_kind(local_times, kind: str) -> np.ndarray:
    """True where the local date is of day kind ``kind`` (:data:`DAY_KINDS`; bool array)."""
    return np.isin(wall_clock(local_times).day_of_week, _check_kind(kind))


def days_of_kind(year: int, kind: str) -> int:
    """Calendar days of ``year`` of a day kind ('weekday' = Mon-Fri, 'weekend' = Sat-Sun)."""
    days = pd.date_range(f"{year}-01-01", f"{year}-12-31", freq="D")
    return int(np.isin(days.day_of_week, _check_kind(kind)).sum())
