"""Switchboard opening hours (report Tabell A.1) and the vectorised "is it open?" test.

The table is kept as data in ``lib/core/data/opening_hours_2024.csv``, transcribed from
Tabell A.1 of POD-rapport 7/2024 (source there: the police districts, 2024), one row per
district with the columns

* ``mon_thu``, ``fri``, ``sat``, ``sun``: ``"HH:MM-HH:MM"`` local (Europe/Oslo) wall-clock
  time, or ``"Stengt"`` (closed). A closing time at or before the opening time means the
  switchboard stays open past midnight into the next day: Oslo's Friday ``07:00-07:00`` is
  open until Saturday 07:00, its Saturday ``15:30-07:00`` until Sunday 07:00, and Sunday
  ``13:30-00:00`` until midnight.
* ``hours_per_week`` and ``share_of_week``: the table's "Antall timer bemannet" and
  "Andel timer bemannet" columns, kept only to check the transcription (a test compares
  them with the hours parsed from the four day columns).

Rules the table does not state, chosen here:

* A Norwegian public holiday (:func:`lib.core.oslo_calendar.public_holidays`) follows the
  Sunday hours, as the report's figures treat holidays like Sundays. A day's hours belong
  to the day they open on: the part past midnight follows the previous day's schedule (so
  Oslo's Friday night shift still runs into a Saturday that is a holiday, and a holiday's
  own Sunday-type hours end past midnight as the Sunday row says).
* Opening hours are wall-clock times, so on the daylight-saving days the switchboard is
  open by the clock: the spring-forward night has one hour less, the fall-back night one
  more.
* The 2024 table is used for the 2023 log (the only one the report gives).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from lib.core.districts import DISTRICTS
from lib.core.oslo_calendar import TABLE_A1_DAYS, table_a1_day, wall_clock
from lib.core.paths import LIB_DATA

OPENING_HOURS_CSV = LIB_DATA / "opening_hours_2024.csv"
#: The day columns of Tabell A.1, in the order of :func:`lib.core.oslo_calendar.table_a1_day`'s codes 0-3.
DAY_COLUMNS: tuple[str, ...] = TABLE_A1_DAYS
CLOSED = "Stengt"
_MIN_PER_DAY = 24 * 60


def read_table(path: str | Path | None = None) -> pd.DataFrame:
    """The transcribed Tabell A.1, one row per district in :data:`DISTRICTS` order."""
    path = Path(path) if path is not None else OPENING_HOURS_CSV
    t = pd.read_csv(path, dtype=dict.fromkeys(("district", *DAY_COLUMNS), str))
    missing = {"district", *DAY_COLUMNS} - set(t.columns)
    if missing:
        raise ValueError(f"{path.name}: missing column(s) {sorted(missing)}")
    if sorted(t["district"]) != sorted(DISTRICTS):
        raise ValueError(f"{path.name}: districts must be exactly {DISTRICTS}")
    return t.set_index("district").loc[list(DISTRICTS)].reset_index()


def _parse_interval(text: str) -> tuple[int, int]:
    """``"HH:MM-HH:MM"`` -> (open, end) in minutes after the opening day's midnight.

    ``end`` exceeds 1440 when the switchboard closes the next day; ``"Stengt"`` -> (0, 0).
    """
    text = text.strip()
    if text == CLOSED:
        return 0, 0
    try:
        a, b = text.split("-")
        (ah, am), (bh, bm) = (map(int, a.split(":")), map(int, b.split(":")))
    except ValueError:
        raise ValueError(f"opening hours {text!r}: expected 'HH:MM-HH:MM' or {CLOSED!r}") from None
    if not (0 <= ah < 24 and 0 <= bh < 24 and 0 <= am < 60 and 0 <= bm < 60):
        raise ValueError(f"opening hours {text!r}: time out of range")
    start, close = ah * 60 + am, bh * 60 + bm
    return start, close if close > start else close + _MIN_PER_DAY


@lru_cache(maxsize=4)
def _arrays(path: str) -> tuple[np.ndarray, np.ndarray]:
    """(open, end) minutes, each shaped (len(DISTRICTS), 4 day kinds)."""
    t = read_table(path)
    parsed = np.array([[_parse_interval(v) for v in t[c]] for c in DAY_COLUMNS])  # (4, 12, 2)
    return parsed[..., 0].T.copy(), parsed[..., 1].T.copy()


def schedule(path: str | Path | None = None) -> pd.DataFrame:
    """Long table: district, days, open_min, end_min (minutes after the opening day's
    midnight; end_min > 1440 runs into the next day), hours (open hours that day), closed."""
    start, end = _arrays(str(path or OPENING_HOURS_CSV))
    rows = [
        {
            "district": d,
            "days": day,
            "open_min": int(start[i, k]),
            "end_min": int(end[i, k]),
            "hours": (end[i, k] - start[i, k]) / 60,
            "closed": end[i, k] == start[i, k],
        }
        for i, d in enumerate(DISTRICTS)
        for k, day in enumerate(DAY_COLUMNS)
    ]
    return pd.DataFrame(rows)


def weekly_hours(path: str | Path | None = None) -> pd.Series:
    """Hours the switchboard is open in an ordinary week without holidays, by district
    (4 × Monday-Thursday + Friday + Saturday + Sunday), parsed from the day columns."""
    s = schedule(path)
    days_per_week = s["days"].map({"mon_thu": 4, "fri": 1, "sat": 1, "sun": 1})
    return (s["hours"] * days_per_week).groupby(s["district"], sort=False).sum().rename("hours_per_week")


def is_open(districts, local_timestamps, path: str | Path | None = None) -> np.ndarray:
    """True where the district's switchboard is open at the given time.

    ``districts``: array-like of district names (:data:`DISTRICTS` spelling);
    ``local_timestamps``: array-like of timestamps, tz-aware (converted to Europe/Oslo) or
    naive Europe/Oslo wall-clock time. Open when the time falls in the interval of that
    day's column, or in the after-midnight tail of the previous day's interval. Public
    holidays use the Sunday column (see the module docstring).
    """
    wall = wall_clock(local_timestamps)
    codes = pd.Index(DISTRICTS).get_indexer(np.asarray(districts, dtype=object))
    if len(codes) != len(wall):
        raise ValueError(f"is_open: {len(codes)} districts but {len(wall)} timestamps")
    if (codes < 0).any():
        bad = sorted(set(np.asarray(districts, dtype=object)[codes < 0].tolist()))[:5]
        raise ValueError(f"is_open: unknown district(s) {bad}")
    start, end = _arrays(str(path or OPENING_HOURS_CSV))
    midnight = wall.normalize()
    minute = np.asarray((wall - midnight) / pd.Timedelta(minutes=1), dtype=float)
    today, yesterday = table_a1_day(midnight), table_a1_day(midnight - pd.Timedelta(days=1))
    open_today = (start[codes, today] <= minute) & (minute < end[codes, today])
    open_from_yesterday = minute < end[codes, yesterday] - _MIN_PER_DAY
    return open_today | open_from_yesterday
