"""Parse and validate every row of a call log against the contract (CALL_LOG_SCHEMA.md).

:func:`parse_call_log` turns the seven raw columns (text from CSV, typed from Parquet) into
typed values and a boolean mask per broken rule; all of it vectorised (columns with few
distinct values, such as district, are mapped through their distinct values only).

Parsing rules
-------------
* ``call_id``: non-empty text (numbers stored in Parquet are turned into text).
* ``district``: one of :data:`lib.districts.DISTRICTS`, or a known spelling variant in
  :data:`DISTRICT_ALIASES`. A value is first put in a comparable form: case folded,
  surrounding space removed, inner runs of space collapsed, and a trailing
  `` politidistrikt`` dropped; the alias table then accepts the ASCII spellings
  ``ø`` → ``o`` or ``oe``, and a space for the hyphen (``Sor-Ost``, ``Soer Oest``, ``Ost``,
  ``More og Romsdal``, ``Trondelag``). Anything else (e.g. the pre-2020 ``Østfold``) is an
  unknown district.
* ``queue``: ``sentralbord`` or ``operasjonssentral``, in any case, surrounding space ignored.
* ``arrived_at``: ISO 8601. With a UTC offset (``+01:00``, ``+0100``, ``Z``) it is an
  instant; without one it is local time in Europe/Oslo. A naive time inside the
  spring-forward gap (2023-03-26 02:00-02:59) does not exist and is invalid. A naive
  time in the autumn fold (2023-10-29 02:00-02:59 happens twice) is read as the FIRST
  occurrence (summer time, +02:00): an export without offsets cannot tell the two apart,
  and the choice moves at most an hour of calls on one night by one hour.
* ``wait_s``, ``talk_s``: finite numbers >= 0 (seconds). In a semicolon-separated CSV a
  decimal comma is accepted (``12,5``), as Norwegian spreadsheets write it.
* ``answered``: ``true``/``false``, ``1``/``0``, ``ja``/``nei`` (any case).
* ``answered = false`` with ``talk_s > 0`` is a contradiction and invalid.
* ``arrived_at`` must fall in the analysed year, local time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from lib.districts import DISTRICTS, QUEUES
from lib.oslo_calendar import TIMEZONE, year_bounds

#: Row numbers listed per broken rule in messages.
FIRST_ROWS_SHOWN = 5

_TRUE = ("true", "1", "ja")
_FALSE = ("false", "0", "nei")
_BOOLEANS = {**dict.fromkeys(_TRUE, True), **dict.fromkeys(_FALSE, False)}
_SUFFIX = " politidistrikt"


def _comparable(name: str) -> str:
    """Case-folded, trimmed, single-spaced, without a trailing ' politidistrikt'."""
    key = " ".join(name.casefold().split())
    if key.endswith(_SUFFIX):
        key = key[: -len(_SUFFIX)].rstrip()
    return key


def _variants(district: str) -> set[str]:
    base = district.casefold()
    spellings = {base, base.replace("ø", "o"), base.replace("ø", "oe")}
    return spellings | {s.replace("-", " ") for s in spellings}


#: Accepted spellings (in comparable form, see :func:`_comparable`) -> contract name.
DISTRICT_ALIASES: dict[str, str] = {v: d for d in DISTRICTS for v in sorted(_variants(d))}


def canonical_district(value: object) -> str | None:
    """The contract name of a district spelling, or ``None`` when it is not a known one."""
    if not isinstance(value, str):
        return None
    return DISTRICT_ALIASES.get(_comparable(value))


def canonical_queue(value: object) -> str | None:
    """``sentralbord`` / ``operasjonssentral`` for a queue spelling, or ``None``."""
    if not isinstance(value, str):
        return None
    key = value.strip().casefold()
    return key if key in QUEUES else None


def parse_boolean(value: object) -> bool | None:
    """``True``/``False`` for an accepted boolean spelling, else ``None``."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, str):
        return _BOOLEANS.get(value.strip().casefold())
    return None


# --- rule names (used in messages, the quarantine file's reason column and tests) ---------
def MISSING(col: str) -> str:  # noqa: N802 - reads as a constant
    return f"missing value in {col}"


def UNPARSABLE(col: str) -> str:  # noqa: N802
    return f"unparsable value in {col}"


def NEGATIVE(col: str) -> str:  # noqa: N802
    return f"negative duration in {col}"


UNKNOWN_DISTRICT = "unknown district"
UNKNOWN_QUEUE = "unknown queue"
DST_GAP = "nonexistent local time in arrived_at (daylight-saving gap, no UTC offset)"
UNANSWERED_TALK = "answered=false with talk_s > 0"


def OUTSIDE_YEAR(year: int) -> str:  # noqa: N802
    return f"arrived_at outside {year} (local time)"


@dataclass
class ParsedLog:
    """Typed columns plus the rows breaking each rule.

    ``frame``: call_id (str), district (str, contract spelling), queue (str), arrived_at
    (datetime64[ns, Europe/Oslo]), wait_s, talk_s (float64 seconds), answered (bool); values
    of invalid rows are placeholders. ``problems``: rule name -> boolean mask over rows
    (only rules that some row breaks). ``invalid``: rows breaking at least one rule.
    """

    frame: pd.DataFrame
    problems: dict[str, np.ndarray]

    @property
    def invalid(self) -> np.ndarray:
        mask = np.zeros(len(self.frame), dtype=bool)
        for m in self.problems.values():
            mask |= m
        return mask


def _text(s: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Trimmed text and the mask of missing (null or blank) cells."""
    if ptypes.is_string_dtype(s.dtype) or s.dtype == object:
        t = s.astype("str").str.strip()
    else:
        t = s.astype("str")
    missing = (t.isna() | (t == "")).to_numpy(dtype=bool)
    return t, missing


def _map_distinct(s: pd.Series, mapper) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Map each distinct value once: (mapped values as object array, missing mask, bad mask)."""
    t, missing = _text(s)
    codes, uniques = pd.factorize(t, use_na_sentinel=True)
    mapped = np.array([mapper(u) for u in uniques] + [None], dtype=object)
    out = mapped[codes]  # code -1 (missing) picks the trailing None
    bad = ~missing & pd.isna(out)
    return out, missing, bad


def _map_distinct_text(s: pd.Series, mapper) -> tuple[pd.api.extensions.ExtensionArray, np.ndarray, np.ndarray]:
    """As :func:`_map_distinct` for text results, built by taking from the few distinct values."""
    t, missing = _text(s)
    codes, uniques = pd.factorize(t, use_na_sentinel=True)
    mapped = [mapper(u) for u in uniques]
    unmapped = np.array([m is None for m in mapped] + [True])
    bad = ~missing & unmapped[codes]
    values = pd.array(mapped, dtype="str").take(codes, allow_fill=True)
    return values, missing, bad


def _parse_number(s: pd.Series, decimal_comma: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(float64 values, missing mask, unparsable mask); inf and nan text are unparsable."""
    if ptypes.is_numeric_dtype(s.dtype) and not ptypes.is_bool_dtype(s.dtype):
        v = s.astype("float64").to_numpy(dtype="float64", na_value=np.nan)
        missing = np.isnan(v)
        return v, missing, np.isinf(v)
    t, missing = _text(s)
    if decimal_comma:
        t = t.str.replace(",", ".", regex=False)
    v = pd.to_numeric(t, errors="coerce").astype("float64").to_numpy(dtype="float64", na_value=np.nan)
    bad = ~missing & ~np.isfinite(v)
    return v, missing, bad


def _parse_boolean(s: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if ptypes.is_bool_dtype(s.dtype) and not s.hasnans:
        v = s.to_numpy(dtype=bool)
        return v, np.zeros(len(v), bool), np.zeros(len(v), bool)
    if ptypes.is_numeric_dtype(s.dtype):
        x = s.astype("float64").to_numpy(dtype="float64", na_value=np.nan)
        missing = np.isnan(x)
        return x == 1, missing, ~missing & (x != 0) & (x != 1)
    out, missing, bad = _map_distinct(s, parse_boolean)
    return np.where(missing | bad, False, out).astype(bool), missing, bad


#: A time of day (after "T" or a space; extended or compact ISO 8601) ending in a UTC offset.
_OFFSET = r"[Tt ]\d{2}(?::?\d{2}(?::?\d{2}(?:[.,]\d+)?)?)?\s*(?:[Zz]|[+-]\d{2}(?::?\d{2})?)$"
#: Any time of day at all: a bare date would put every call at midnight, so it is unparsable.
_HAS_TIME = r"[Tt ]\d{2}"


def _localize(naive: pd.Series) -> pd.Series:
    """Naive local times -> Europe/Oslo; gap times become NaT, fold times the first occurrence."""
    return naive.dt.tz_localize(TIMEZONE, ambiguous=np.ones(len(naive), dtype=bool), nonexistent="NaT")


def _parse_mixed(t: pd.Series) -> pd.Series:
    """Text timestamps with and without offsets, one distinct value at a time (a rare fallback):
    offsets are converted, naive values are localised to Europe/Oslo; unparsable ones are NaT."""

    def one(x: str) -> pd.Timestamp:
        v = pd.to_datetime(x, format="ISO8601", errors="coerce")
        if v is pd.NaT or v.tzinfo is not None:
            return v if v is pd.NaT else v.tz_convert(TIMEZONE)
        try:
            return v.tz_localize(TIMEZONE, ambiguous=True, nonexistent="NaT")
        except (ValueError, TypeError):
            return pd.NaT

    values = {x: one(x) for x in pd.unique(t)}
    return pd.Series(pd.to_datetime([values[x] for x in t], utc=True), index=t.index).dt.tz_convert(TIMEZONE)


def _parse_timestamp(s: pd.Series) -> tuple[pd.Series, np.ndarray, np.ndarray, np.ndarray]:
    """(local times [ns, Europe/Oslo], missing, unparsable, in-DST-gap masks)."""
    n = len(s)
    none = np.zeros(n, dtype=bool)
    if ptypes.is_datetime64_any_dtype(s.dtype):
        missing = s.isna().to_numpy()
        if getattr(s.dtype, "tz", None) is not None:
            return s.dt.tz_convert(TIMEZONE).dt.as_unit("ns"), missing, none, none
        local = _localize(s)
        gap = local.isna().to_numpy() & ~missing
        return local.dt.as_unit("ns"), missing, none, gap
    t, missing = _text(s)
    out = pd.Series(pd.NaT, index=s.index, dtype=f"datetime64[ns, {TIMEZONE}]")
    has_offset = t.str.contains(_OFFSET, regex=True, na=False).to_numpy(dtype=bool)
    parsed_ok = np.zeros(n, dtype=bool)
    gap = np.zeros(n, dtype=bool)
    if has_offset.any():
        inst = pd.to_datetime(t[has_offset], utc=True, format="ISO8601", errors="coerce")
        out[has_offset] = inst.dt.tz_convert(TIMEZONE).dt.as_unit("ns")
        parsed_ok[has_offset] = inst.notna().to_numpy()
    has_time = t.str.contains(_HAS_TIME, regex=True, na=False).to_numpy(dtype=bool)
    naive_rows = ~has_offset & ~missing & has_time
    if naive_rows.any():
        try:
            naive = pd.to_datetime(t[naive_rows], format="ISO8601", errors="coerce")
        except ValueError:  # offsets the pattern missed mixed with naive times: value by value
            naive = _parse_mixed(t[naive_rows])
        if getattr(naive.dtype, "tz", None) is not None:  # an offset form the pattern missed
            local = naive.dt.tz_convert(TIMEZONE)
        else:
            local = _localize(naive)
        out[naive_rows] = local.dt.as_unit("ns")
        ok = naive.notna().to_numpy()
        parsed_ok[naive_rows] = ok
        gap[naive_rows] = ok & local.isna().to_numpy()
    bad = ~missing & ~parsed_ok
    return out, missing, bad, gap


def parse_call_log(raw: pd.DataFrame, year: int, decimal_comma: bool = False) -> ParsedLog:
    """Typed values and broken rules of every row of ``raw`` (the seven contract columns).

    ``year``: the analysed year; ``arrived_at`` must fall in it, local time.
    ``decimal_comma``: accept ``12,5`` in wait_s/talk_s (semicolon-separated CSV).
    """
    problems: dict[str, np.ndarray] = {}

    def note(rule: str, mask: np.ndarray) -> None:
        if mask.any():
            problems[rule] = problems.get(rule, np.zeros(len(raw), bool)) | mask

    call_id, missing = _text(raw["call_id"])
    note(MISSING("call_id"), missing)

    district, missing, bad = _map_distinct_text(raw["district"], canonical_district)
    note(MISSING("district"), missing)
    note(UNKNOWN_DISTRICT, bad)

    queue, missing, bad = _map_distinct_text(raw["queue"], canonical_queue)
    note(MISSING("queue"), missing)
    note(UNKNOWN_QUEUE, bad)

    arrived, missing, bad, gap = _parse_timestamp(raw["arrived_at"])
    note(MISSING("arrived_at"), missing)
    note(UNPARSABLE("arrived_at"), bad)
    note(DST_GAP, gap)
    start, end = year_bounds(year)
    known = arrived.notna().to_numpy()
    note(OUTSIDE_YEAR(year), known & ~((arrived >= start) & (arrived < end)).to_numpy(dtype=bool))

    durations = {}
    for col in ("wait_s", "talk_s"):
        v, missing, bad = _parse_number(raw[col], decimal_comma)
        note(MISSING(col), missing)
        note(UNPARSABLE(col), bad)
        note(NEGATIVE(col), np.isfinite(v) & (v < 0))
        durations[col] = v

    answered, missing, bad = _parse_boolean(raw["answered"])
    note(MISSING("answered"), missing)
    note(UNPARSABLE("answered"), bad)
    talk = durations["talk_s"]
    note(UNANSWERED_TALK, ~missing & ~bad & ~answered & np.isfinite(talk) & (talk > 0))

    frame = pd.DataFrame(
        {
            "call_id": call_id.astype("str").to_numpy(),
            "district": district,
            "queue": queue,
            "arrived_at": arrived.array,
            "wait_s": durations["wait_s"],
            "talk_s": talk,
            "answered": answered,
        }
    )
    return ParsedLog(frame=frame, problems=problems)


def invalid_summary(problems: dict[str, np.ndarray], first: int = FIRST_ROWS_SHOWN) -> pd.DataFrame:
    """One line per broken rule: ``rule, rows, first_rows`` (1-based data row numbers)."""
    lines = []
    for rule, mask in problems.items():
        idx = np.flatnonzero(mask)
        lines.append({"rule": rule, "rows": int(idx.size), "first_rows": ", ".join(str(i + 1) for i in idx[:first])})
    return pd.DataFrame(lines, columns=["rule", "rows", "first_rows"])


def reasons(problems: dict[str, np.ndarray], rows: np.ndarray) -> np.ndarray:
    """The ``"; "``-joined rule names each of ``rows`` (indices) breaks."""
    out = np.full(rows.size, "", dtype=object)
    for rule, mask in problems.items():
        hit = mask[rows]
        out[hit] = out[hit] + np.where(out[hit] == "", "", "; ") + rule
    return out
