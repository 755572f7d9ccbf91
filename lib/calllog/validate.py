"""Parse and validate every row of a call log against the contract (docs/call_log_contract.md).

:func:`parse_call_log` turns the seven raw columns (text from CSV, typed from Parquet) into
typed values and a boolean mask per broken rule; all of it vectorised (columns with few
distinct values, such as district, are mapped through their distinct values only).

Parsing rules
-------------
* ``call_id``: non-empty text (numbers stored in Parquet are turned into text).
* ``district``: one of :data:`lib.core.districts.DISTRICTS`, or a known spelling variant in
  :data:`DISTRICT_ALIASES`. A value is first put in a comparable form: case folded,
  surrounding space removed, inner runs of space collapsed, and a trailing
  `` politidistrikt`` dropped; the alias table then accepts the ASCII spellings
  ``ø`` → ``o`` or ``oe``, and a space for the hyphen (``Sor-Ost``, ``Soer Oest``, ``Ost``,
  ``More og Romsdal``, ``Trondelag``). Anything else (e.g. the pre-2020 ``Østfold``) is an
  unknown district.
* ``queue``: ``sentralbord`` or ``operasjonssentral``, in any case, surrounding space ignored.
* ``arrived_at``: ISO 8601, or ``dd.mm.yyyy hh:mm:ss`` / ``dd.mm.yyyy hh:mm`` as Norwegian
  software writes it (:data:`ACCEPTED_TIMESTAMPS`). ISO 8601 with a UTC offset (``+01:00``,
  ``+0100``, ``Z``) is an instant; without one, and every ``dd.mm.yyyy`` value, is local
  time in Europe/Oslo. A naive time inside the spring-forward gap (2023-03-26 02:00-02:59)
  does not exist and is invalid. A naive time in the autumn fold (2023-10-29 02:00-02:59
  happens twice) is read as the FIRST occurrence (summer time, +02:00): an export without
  offsets cannot tell the two apart, and the choice moves at most an hour of calls on one
  night by one hour. A year outside :data:`lib.calllog.read.TIMESTAMP_YEARS` (1678-2261,
  what a nanosecond timestamp holds) is out of range, in text and in Parquet alike.
* ``wait_s``, ``talk_s``: finite numbers >= 0 (seconds). In a semicolon- or tab-separated
  CSV a decimal comma is accepted (``12,5``), as Norwegian spreadsheets write it; when some
  value of the file has one, the file's decimal mark is the comma and a value whose point
  could be a thousands separator (one point before exactly three digits, ``1.234``) is
  ambiguous and invalid; a point that cannot be one (``12.5``, ``0.125``) is a decimal
  point. Thousands grouped by a space or no-break space (``1 234``, ``1 234,5``) and, beside
  a decimal comma, by points (``1.234,5``) are accepted.
* ``answered``: ``true``/``false``, ``1``/``0``, ``ja``/``nei`` (any case).
* ``answered = false`` with ``talk_s > 0`` is a contradiction and invalid.
* ``arrived_at`` must fall in the analysed year, local time.
* A row whose record has a wrong number of fields (the reader flags it) breaks only the rule
  ``wrong number of fields``, and a row with no value in any contract column (a blank line)
  only ``empty row``: their cells are not judged one by one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.api import types as ptypes

from lib.calllog.mapping import Labels, builtin_labels, comparable, district_spellings
from lib.calllog.read import TIMESTAMP_YEARS
from lib.core.oslo_calendar import TIMEZONE, year_bounds

#: Row numbers listed per broken rule in messages.
FIRST_ROWS_SHOWN = 5
#: Distinct unknown outcome words listed in a message, at most (the most frequent first).
WORDS_SHOWN = 20

#: Accepted district spellings (in comparable form, see :func:`lib.calllog.mapping.comparable`)
#: -> contract name: the spelling variants of every district and the old districts of
#: ``lib/core/data/label_aliases.csv``.
DISTRICT_ALIASES: dict[str, str] = district_spellings()


def canonical_district(value: object, labels: Labels | None = None) -> str | None:
    """The contract name of a district label, or ``None`` when it is not a known one.
    ``labels``: the export's label tables (default: the built-in ones)."""
    if not isinstance(value, str):
        return None
    return (labels or builtin_labels()).district.get(comparable(value))


def canonical_queue(value: object, labels: Labels | None = None) -> str | None:
    """``sentralbord`` / ``operasjonssentral`` for a queue label, or ``None``."""
    if not isinstance(value, str):
        return None
    return (labels or builtin_labels()).queue.get(comparable(value))


def parse_boolean(value: object, labels: Labels | None = None) -> bool | None:
    """``True``/``False`` for an accepted boolean or outcome word (``true``, ``ja``, ``SANN``,
    ``Besvart``, ``Tapt``, ...: ``lib/core/data/outcome_words.csv``, any case), else ``None``."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, str):
        return (labels or builtin_labels()).answered.get(value.strip().casefold())
    return None


# --- rule names (used in messages, the quarantine file's reason column and tests) ---------
def MISSING(col: str) -> str:  # noqa: N802 - reads as a constant
    return f"missing value in {col}"


def UNPARSABLE(col: str) -> str:  # noqa: N802
    return f"unparsable value in {col}"


def NEGATIVE(col: str) -> str:  # noqa: N802
    return f"negative duration in {col}"


def AMBIGUOUS(col: str) -> str:  # noqa: N802
    return f"ambiguous number in {col} (a point before three digits in a file with decimal commas)"


UNKNOWN_DISTRICT = "unknown district"
UNKNOWN_QUEUE = "unknown queue"
DST_GAP = "nonexistent local time in arrived_at (daylight-saving gap, no UTC offset)"
UNANSWERED_TALK = "answered=false with talk_s > 0"
WRONG_FIELDS = "wrong number of fields"
EMPTY_ROW = "empty row"
OUT_OF_RANGE = f"arrived_at out of range (year before {TIMESTAMP_YEARS[0]} or after {TIMESTAMP_YEARS[1]})"


def OUTSIDE_YEAR(year: int) -> str:  # noqa: N802
    return f"arrived_at outside {year} (local time)"


# --- the forms a timestamp is recognised in (counted, for the input-format table) ----------
ISO_OFFSET = "ISO 8601 with offset"
ISO_LOCAL = "ISO 8601 local"
ISO_MIXED = "ISO 8601 with and without offset (read value by value)"
DOTTED_SECONDS = "dd.mm.yyyy hh:mm:ss local"
DOTTED_MINUTES = "dd.mm.yyyy hh:mm local"
PARQUET_AWARE = "Parquet timestamp with time zone"
PARQUET_NAIVE = "Parquet timestamp without time zone, read as Oslo local time"
#: The text forms ``arrived_at`` may take, as the message for an unparsable value lists them.
ACCEPTED_TIMESTAMPS = (
    "ISO 8601 with a UTC offset (yyyy-mm-ddThh:mm:ss+hh:mm, +hhmm or Z), ISO 8601 local time "
    "(yyyy-mm-dd hh:mm:ss or yyyy-mm-ddThh:mm:ss, seconds optional), or local time as dd.mm.yyyy hh:mm:ss "
    "or dd.mm.yyyy hh:mm; local times are Norwegian time (Europe/Oslo)"
)


def rule_hint(rule: str) -> str | None:
    """What the analyst can do about a broken rule (one line for the error message), or ``None``.
    Forms and causes only, never a value of the file."""
    numbers = (
        "accepted: seconds as digits with a decimal point, or in a semicolon- or tab-separated file a "
        "decimal comma; thousands may be separated by a space, never by a comma; or mm:ss or hh:mm:ss "
        "(minutes and seconds below 60, seconds may have decimals)"
    )
    hints = {
        UNPARSABLE("arrived_at"): f"accepted forms: {ACCEPTED_TIMESTAMPS}",
        UNPARSABLE("wait_s"): numbers,
        UNPARSABLE("talk_s"): numbers,
        UNPARSABLE("answered"): (
            "accepted: true/false, 1/0, ja/nei, sann/usann, or an outcome word of the outcome table (Besvart, "
            "Ubesvart, Tapt, Avbrutt, Answered, Unanswered, Abandoned), in any letter case"
        ),
        WRONG_FIELDS: (
            "the record has fewer or more fields than the header: typically a total line at the end, a "
            "stray separator, or a value holding the separator without quotes; correct or delete such "
            "lines, or quarantine them"
        ),
        EMPTY_ROW: "a blank line, a line of spaces, or separators only; delete such lines, or quarantine them",
        OUT_OF_RANGE: "a typo in the year, or a placeholder for an unknown time such as year 1 or 9999",
        DST_GAP: "such a local time never happened (the clocks jumped from 02:00 to 03:00); export with UTC offsets",
    }
    for col in ("wait_s", "talk_s"):
        hints[AMBIGUOUS(col)] = (
            "the file writes decimals with a comma, so such a point may separate thousands (a thousand "
            "times the value) or be a decimal point; write the number without thousands separators"
        )
    return hints.get(rule)


@dataclass
class ParsedLog:
    """Typed columns plus the rows breaking each rule.

    ``frame``: call_id (str), district (str, contract spelling), queue (str), arrived_at
    (datetime64[ns, Europe/Oslo]), wait_s, talk_s (float64 seconds), answered (bool); values
    of invalid rows are placeholders. ``problems``: rule name -> boolean mask over rows
    (only rules that some row breaks). ``invalid``: rows breaking at least one rule.
    ``timestamp_forms``: form of ``arrived_at`` -> rows recognised in it (see
    :data:`ISO_OFFSET` and the other forms). ``decimal_mark``: the number notation of
    wait_s and talk_s (``comma``, ``point``, ...), in words. ``duration_forms``: column ->
    form (:data:`DURATION_FORMS`) -> rows. ``unknown_words``: when ``answered`` holds outcome
    words (:attr:`lib.calllog.mapping.Labels.outcome_words`), the distinct values that are
    neither booleans nor known outcome words, with their row counts (``None``: not an outcome
    column); such words stop a run (:class:`lib.calllog.clean.UnknownOutcomeError`).
    ``naive``: rows whose ``arrived_at`` had no UTC offset (local wall-clock time).
    """

    frame: pd.DataFrame
    problems: dict[str, np.ndarray]
    timestamp_forms: dict[str, int] = field(default_factory=dict)
    decimal_mark: str = ""
    duration_forms: dict[str, dict[str, int]] = field(default_factory=dict)
    unknown_words: dict[str, int] | None = None
    naive: np.ndarray | None = None
    #: Further items for the input-format table (interval statistics: length, waiting time).
    info: dict[str, str] = field(default_factory=dict)

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


def _mask(b: pd.Series) -> np.ndarray:
    """A boolean Series of a string method as a plain, writable mask (missing values: False)."""
    return _writable(b.to_numpy(dtype=bool, na_value=False))


def _map_distinct_text(s: pd.Series, mapper) -> tuple[pd.api.extensions.ExtensionArray, np.ndarray, np.ndarray]:
    """Map each distinct value once (text results), built by taking from the few distinct
    values: (mapped values, missing mask, bad mask: a value ``mapper`` does not know)."""
    t, missing = _text(s)
    codes, uniques = pd.factorize(t, use_na_sentinel=True)
    mapped = [mapper(u) for u in uniques]
    unmapped = np.array([m is None for m in mapped] + [True])
    bad = ~missing & unmapped[codes]
    values = pd.array(mapped, dtype="str").take(codes, allow_fill=True)
    return values, missing, bad


# --- numbers --------------------------------------------------------------------------------

#: One point before exactly three digits, the first group 1-3 digits not starting with 0: in a
#: file with decimal commas a thousands separator (1 234) as much as a decimal point (1.234).
_AMBIGUOUS = r"[+-]?[1-9][0-9]{0,2}\.[0-9]{3}"
_SPACE = "[ \u00a0\u202f]"  # a space, a no-break space, a narrow no-break space (literal characters)
#: Thousands-grouped forms accepted where the plain parser fails, and the marks they drop.
_GROUPED_COMMA = (
    rf"[+-]?[1-9][0-9]{{0,2}}(?:{_SPACE}[0-9]{{3}})+(?:,[0-9]+)?",  # 1 234 or 1 234,5
    r"[+-]?[1-9][0-9]{0,2}(?:\.[0-9]{3})+,[0-9]+",  # 1.234,5: beside a decimal comma a point groups
)
_GROUPED_POINT = (rf"[+-]?[1-9][0-9]{{0,2}}(?:{_SPACE}[0-9]{{3}})+(?:\.[0-9]+)?",)  # 1 234 or 1 234.5


def _writable(values: np.ndarray) -> np.ndarray:
    """``values`` if it may be written to, else a copy. Arrow hands some arrays to numpy as
    read-only views (a one-chunk ChunkedArray, as a whole year of text often is), and the
    parsers below set values through masks."""
    return values if values.flags.writeable else values.copy()


def _to_float(t: pd.Series) -> np.ndarray:
    """Text -> float64 (a writable array), NaN where empty or not a number: Arrow's cast when
    every value is a number (fast), else pandas' coercing parser. Both accept the same forms."""
    try:
        arr = pa.array(t.array)
        arr = pc.if_else(pc.equal(arr, ""), pa.scalar(None, arr.type), arr)
        return _writable(np.asarray(pc.fill_null(pc.cast(arr, pa.float64()), np.nan), dtype="float64"))
    except (pa.ArrowException, TypeError):
        coerced = pd.to_numeric(t, errors="coerce").astype("float64")
        return _writable(np.asarray(coerced.to_numpy(dtype="float64", na_value=np.nan), dtype="float64"))


def _decimal_mark(columns: list[pd.Series], decimal_comma: bool) -> tuple[str, bool]:
    """The number notation of the duration columns, in words, and whether a comma is their
    decimal mark: it is when ``decimal_comma`` (a semicolon or tab file) and a value has one."""
    texts = [
        s.astype("str") for s in columns if not (ptypes.is_numeric_dtype(s.dtype) or ptypes.is_bool_dtype(s.dtype))
    ]
    if not texts:
        return "not applicable (numbers stored as numbers)", False

    def used(mark: str) -> bool:
        return any(_mask(t.str.contains(mark, regex=False)).any() for t in texts)

    point = used(".")
    if decimal_comma and used(","):
        return ("comma (some values also with a point)" if point else "comma"), True
    return ("point" if point else "none (whole numbers)"), False


#: The forms a duration is counted in (``input_format.csv``'s ``duration_forms``).
SECONDS, MINUTES_SECONDS, HOURS_MINUTES_SECONDS = "seconds", "mm:ss", "hh:mm:ss"
DURATION_FORMS = (SECONDS, MINUTES_SECONDS, HOURS_MINUTES_SECONDS)
#: hh:mm:ss or mm:ss: hours and minutes of one digit or more, seconds of two digits, with decimals
#: (point or comma) allowed.
_CLOCK = r"^(?:(?P<h>[0-9]+):)?(?P<m>[0-9]+):(?P<s>[0-9]{2}(?:[.,][0-9]+)?)$"


def _clock_seconds(t: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """``hh:mm:ss`` or ``mm:ss`` text -> seconds (NaN where not such a value, or where minutes
    or seconds are 60 or more: in ``mm:ss`` the minutes may be any number), and the mask of
    values with hours. Arrow's regular expressions, vectorised."""
    parts = pc.extract_regex(pa.array(t.array, type=pa.large_string()), _CLOCK)
    matched = np.asarray(pc.fill_null(pc.is_valid(parts), False), dtype=bool)

    def number(name: str) -> np.ndarray:
        text = pc.replace_substring(pc.struct_field(parts, name), ",", ".")
        text = pc.if_else(pc.equal(text, ""), pa.scalar(None, text.type), text)
        return _writable(np.asarray(pc.fill_null(pc.cast(text, pa.float64()), np.nan), dtype="float64"))

    h, m, sec = number("h"), number("m"), number("s")
    hours = matched & ~np.isnan(h)
    ok = matched & (sec < 60) & (~hours | (m < 60))
    value = np.where(ok, np.where(hours, h, 0.0) * 3600 + m * 60 + sec, np.nan)
    return value, hours & ok


def _parse_duration(s: pd.Series, comma: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, int]]:
    """As :func:`_parse_number`, with ``mm:ss`` and ``hh:mm:ss`` also read (the values with a
    colon; the others as numbers); and the rows read in each of :data:`DURATION_FORMS`."""
    n = len(s)
    clock = np.zeros(n, dtype=bool)
    if not (ptypes.is_numeric_dtype(s.dtype) or ptypes.is_bool_dtype(s.dtype)):
        clock = _mask(s.astype("str").str.contains(":", regex=False))
    if not clock.any():
        v, missing, bad, ambiguous = _parse_number(s, comma)
        seconds = int((~missing & ~bad & ~ambiguous).sum())
        return v, missing, bad, ambiguous, ({SECONDS: seconds} if seconds else {})
    v = np.full(n, np.nan)
    missing, bad, ambiguous, hours = (np.zeros(n, dtype=bool) for _ in range(4))
    rest = ~clock
    if rest.any():
        v[rest], missing[rest], bad[rest], ambiguous[rest] = _parse_number(s[rest], comma)
    t, _ = _text(s[clock])
    values, with_hours = _clock_seconds(t)
    v[clock] = values
    bad[clock] = np.isnan(values)
    hours[clock] = with_hours
    clock &= ~bad
    forms = {
        SECONDS: int((rest & ~missing & ~bad & ~ambiguous).sum()),
        MINUTES_SECONDS: int((clock & ~hours).sum()),
        HOURS_MINUTES_SECONDS: int(hours.sum()),
    }
    return v, missing, bad, ambiguous, {k: c for k, c in forms.items() if c}


def _parse_number(s: pd.Series, comma: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(float64 values, missing, unparsable, ambiguous masks); inf and nan text are unparsable.
    ``comma``: the file's decimal mark is the comma (see :func:`_decimal_mark`)."""
    if ptypes.is_numeric_dtype(s.dtype) and not ptypes.is_bool_dtype(s.dtype):
        v = s.astype("float64").to_numpy(dtype="float64", na_value=np.nan)
        missing = np.isnan(v)
        return v, missing, np.isinf(v), np.zeros(len(v), dtype=bool)
    t, missing = _text(s)
    if comma:
        v = _to_float(t.str.replace(",", ".", regex=False))
        ambiguous = _mask(t.str.fullmatch(_AMBIGUOUS))
        v[ambiguous] = np.nan
    else:
        v = _to_float(t)
        ambiguous = np.zeros(len(v), dtype=bool)
    bad = ~missing & ~np.isfinite(v) & ~ambiguous
    if bad.any():  # thousands-grouped forms, on the rows the plain parser refused only
        rows = np.flatnonzero(bad)
        refused = t.iloc[rows]
        marks = "[ \u00a0\u202f.]" if comma else _SPACE
        for pattern in _GROUPED_COMMA if comma else _GROUPED_POINT:
            ok = _mask(refused.str.fullmatch(pattern))
            if ok.any():
                digits = refused[ok].str.replace(marks, "", regex=True).str.replace(",", ".", regex=False)
                v[rows[ok]] = _to_float(digits)
                bad[rows[ok]] = False
    return v, missing, bad, ambiguous


def _parse_boolean(
    s: pd.Series, labels: Labels | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, int] | None]:
    """(values, missing, unparsable masks, unknown outcome words): booleans and outcome words
    through ``labels.answered``. When the column holds an outcome word (``Besvart``, ``Tapt``,
    ...), the distinct values it does not know are returned with their row counts (else
    ``None``): an outcome column with words nobody has said the meaning of stops the run."""
    n = len(s)
    if ptypes.is_bool_dtype(s.dtype) and not s.hasnans:
        v = s.to_numpy(dtype=bool)
        return v, np.zeros(n, bool), np.zeros(n, bool), None
    if ptypes.is_numeric_dtype(s.dtype):
        x = s.astype("float64").to_numpy(dtype="float64", na_value=np.nan)
        missing = np.isnan(x)
        return x == 1, missing, ~missing & (x != 0) & (x != 1), None
    table = labels or builtin_labels()
    t, missing = _text(s)
    codes, uniques = pd.factorize(t, use_na_sentinel=True)
    keys = [str(u).casefold() for u in uniques]
    mapped = np.array([table.answered.get(k) for k in keys] + [None], dtype=object)
    known = np.array([m is not None for m in mapped[:-1]] + [True])
    bad = ~missing & ~known[codes]
    values = np.array([bool(m) for m in mapped[:-1]] + [False])[codes]
    unknown: dict[str, int] | None = None
    if any(k in table.outcome_words for k in keys) and not known.all():
        counts = np.bincount(codes[codes >= 0], minlength=len(uniques))
        unknown = {str(uniques[i]): int(counts[i]) for i in np.flatnonzero(~known[:-1])}
    return values & ~missing & ~bad, missing, bad, unknown


# --- timestamps -----------------------------------------------------------------------------

#: A time of day (after "T" or a space; extended or compact ISO 8601) ending in a UTC offset.
#: [0-9] and [ \t] rather than \d and \s, so that pandas can hand the pattern to Arrow (RE2).
_OFFSET = r"[Tt ][0-9]{2}(?::?[0-9]{2}(?::?[0-9]{2}(?:[.,][0-9]+)?)?)?[ \t]*(?:[Zz]|[+-][0-9]{2}(?::?[0-9]{2})?)\Z"
#: Any time of day at all: a bare date would put every call at midnight, so it is unparsable.
_HAS_TIME = r"[Tt ][0-9]{2}"
#: dd.mm.yyyy hh:mm[:ss], as Norwegian software writes local time (day, month, hour may have one digit).
_DOTTED = r"[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{4} [0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?"
_FIRST = pd.Timestamp(f"{TIMESTAMP_YEARS[0]}-01-01")
_PAST_LAST = pd.Timestamp(f"{TIMESTAMP_YEARS[1] + 1}-01-01")


def _out_of_range(ts: pd.Series) -> np.ndarray:
    """Timestamps in a year outside :data:`TIMESTAMP_YEARS` (naive: as written; aware: in UTC),
    which a nanosecond timestamp cannot hold; NaT is not out of range."""
    first, past = (
        (_FIRST, _PAST_LAST)
        if getattr(ts.dtype, "tz", None) is None
        else (
            _FIRST.tz_localize("UTC"),
            _PAST_LAST.tz_localize("UTC"),
        )
    )
    return ((ts < first) | (ts >= past)).to_numpy(dtype=bool)


def _parse_dotted(text: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """``dd.mm.yyyy hh:mm:ss`` or ``dd.mm.yyyy hh:mm`` text (matching :data:`_DOTTED`) -> naive
    times [us] (NaT where not a real date and time), and the mask of those with seconds.
    Arrow's strptime (pandas' is ten times slower for a non-ISO format); it rolls 31.02 over
    to 03.03, so a date whose day or month differs from the text's is refused."""
    arr = pa.array(text.array)
    with_seconds = pc.strptime(arr, format="%d.%m.%Y %H:%M:%S", unit="us", error_is_null=True)
    ts = pc.coalesce(with_seconds, pc.strptime(arr, format="%d.%m.%Y %H:%M", unit="us", error_is_null=True))
    written = pc.extract_regex(arr, r"^(?P<day>[0-9]{1,2})\.(?P<month>[0-9]{1,2})\.")
    real = pc.and_(
        pc.equal(pc.day(ts), pc.cast(pc.struct_field(written, "day"), pa.int64())),
        pc.equal(pc.month(ts), pc.cast(pc.struct_field(written, "month"), pa.int64())),
    )
    ts = pc.if_else(pc.fill_null(real, False), ts, pa.scalar(None, ts.type))
    seconds = np.asarray(pc.fill_null(pc.and_(pc.is_valid(with_seconds), real), False), dtype=bool)
    return pd.Series(ts.to_pandas().to_numpy(), index=text.index), seconds


def _localize(naive: pd.Series) -> pd.Series:
    """Naive local times -> Europe/Oslo; gap times become NaT, fold times the first occurrence."""
    return naive.dt.tz_localize(TIMEZONE, ambiguous=np.ones(len(naive), dtype=bool), nonexistent="NaT")


def _parse_mixed(t: pd.Series) -> pd.Series:
    """Text timestamps with and without offsets, one distinct value at a time (a rare fallback):
    offsets are converted, naive values are localised to Europe/Oslo; unparsable ones are NaT.
    Microsecond resolution, so that a value in a year such as 2323 stays to be judged out of range."""

    def one(x: str) -> pd.Timestamp:
        v = pd.to_datetime(x, format="ISO8601", errors="coerce")
        if v is pd.NaT or v.tzinfo is not None:
            return v if v is pd.NaT else v.tz_convert(TIMEZONE)
        try:
            return v.tz_localize(TIMEZONE, ambiguous=True, nonexistent="NaT")
        except (ValueError, TypeError):
            return pd.NaT

    values = {x: one(x) for x in pd.unique(t)}
    utc = pd.Series([values[x] for x in t], index=t.index, dtype="datetime64[us, UTC]")
    return utc.dt.tz_convert(TIMEZONE)


class _Timestamps:
    """The parsed ``arrived_at`` being built: local times [ns, Europe/Oslo] and, per row,
    recognised, daylight-saving gap and out of range; and rows per recognised form."""

    def __init__(self, index: pd.Index, judged: np.ndarray) -> None:
        n = len(index)
        self.judged = judged  # rows whose forms count (not records with a wrong number of fields)
        self.values = pd.Series(pd.NaT, index=index, dtype=f"datetime64[ns, {TIMEZONE}]")
        self.parsed = np.zeros(n, dtype=bool)
        self.gap = np.zeros(n, dtype=bool)
        self.far = np.zeros(n, dtype=bool)
        self.naive = np.zeros(n, dtype=bool)  # recognised without a UTC offset: local wall-clock time
        self.forms: dict[str, int] = {}

    def put(self, rows: np.ndarray, ts: pd.Series, to_local: Callable[[pd.Series], pd.Series]) -> np.ndarray:
        """Set ``rows`` from ``ts`` (parsed values, NaT where not recognised); ``to_local`` turns
        them into Europe/Oslo times (NaT for a naive time in the gap). Returns the recognised."""
        ok = ts.notna().to_numpy(dtype=bool)
        if getattr(ts.dtype, "tz", None) is None:
            self.naive[rows] = ok
        far = _out_of_range(ts)
        local = to_local(ts.mask(far) if far.any() else ts)
        if rows.all():  # one form throughout, as in most files: no assignment through a mask
            self.values = local.dt.as_unit("ns")
        else:
            self.values[rows] = local.dt.as_unit("ns")
        self.parsed[rows] = ok
        self.far[rows] = far
        self.gap[rows] = ok & ~far & local.isna().to_numpy(dtype=bool)
        return ok

    def count(self, form: str, rows: np.ndarray, recognised: np.ndarray) -> None:
        """Count the ``recognised`` of ``rows`` (a mask over all rows) as being in ``form``."""
        n = int((recognised & self.judged[rows]).sum())
        if n:
            self.forms[form] = self.forms.get(form, 0) + n


def _as_local(ts: pd.Series) -> pd.Series:
    """Aware times converted to Europe/Oslo; naive ones localised there."""
    return ts.dt.tz_convert(TIMEZONE) if getattr(ts.dtype, "tz", None) is not None else _localize(ts)


def _parse_timestamp(
    s: pd.Series, judged: np.ndarray
) -> tuple[pd.Series, np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, int], np.ndarray]:
    """(local times [ns, Europe/Oslo], missing, unparsable, in-DST-gap, out-of-range masks,
    rows per recognised form, counted over the ``judged`` rows, and the mask of values read
    as local wall-clock time, without a UTC offset)."""
    out = _Timestamps(s.index, judged)
    every = np.ones(len(s), dtype=bool)
    if ptypes.is_datetime64_any_dtype(s.dtype):
        missing = s.isna().to_numpy(dtype=bool)
        ok = out.put(every, s, _as_local)
        aware = getattr(s.dtype, "tz", None) is not None
        out.count(PARQUET_AWARE if aware else PARQUET_NAIVE, every, ok)
        return out.values, missing, np.zeros(len(s), dtype=bool), out.gap, out.far, out.forms, out.naive
    t, missing = _text(s)
    has_offset = _mask(t.str.contains(_OFFSET, regex=True))
    if has_offset.any():
        inst = pd.to_datetime(t[has_offset], utc=True, format="ISO8601", errors="coerce")
        out.count(ISO_OFFSET, has_offset, out.put(has_offset, inst, _as_local))
    rest = ~has_offset & ~missing
    dotted = rest & _mask(t.str.fullmatch(_DOTTED)) if rest.any() else np.zeros(len(s), dtype=bool)
    naive_rows = rest & ~dotted & _mask(t.str.contains(_HAS_TIME, regex=True))
    if naive_rows.any():
        form = ISO_LOCAL
        try:
            naive = pd.to_datetime(t[naive_rows], format="ISO8601", errors="coerce")
        except ValueError:  # offsets the pattern missed mixed with naive times: value by value
            naive, form = _parse_mixed(t[naive_rows]), ISO_MIXED
        if getattr(naive.dtype, "tz", None) is not None and form == ISO_LOCAL:  # an offset form the pattern missed
            form = ISO_OFFSET
        out.count(form, naive_rows, out.put(naive_rows, naive, _as_local))
    if dotted.any():
        ts, seconds = _parse_dotted(t[dotted])
        ok = out.put(dotted, ts, _localize)
        out.count(DOTTED_SECONDS, dotted, seconds)
        out.count(DOTTED_MINUTES, dotted, ok & ~seconds)
    bad = ~missing & ~out.parsed
    return out.values, missing, bad, out.gap, out.far, out.forms, out.naive


# --- the rows ---------------------------------------------------------------------------------


def parse_call_log(
    raw: pd.DataFrame,
    year: int,
    decimal_comma: bool = False,
    wrong_fields: np.ndarray | None = None,
    labels: Labels | None = None,
) -> ParsedLog:
    """Typed values and broken rules of every row of ``raw`` (the seven contract columns).

    ``year``: the analysed year; ``arrived_at`` must fall in it, local time.
    ``decimal_comma``: the file may write decimals with a comma (a semicolon- or
    tab-separated CSV): ``12,5`` in wait_s/talk_s is accepted, and when some value has a
    decimal comma, ``1.234`` is ambiguous. ``wrong_fields``: rows whose record has a wrong
    number of fields (:attr:`lib.calllog.read.RawLog.wrong_fields`); they break that rule
    alone, as an empty row (no value in any contract column) breaks ``empty row`` alone.
    ``labels``: the export's label tables (:attr:`lib.calllog.mapping.ColumnPlan.labels`:
    built-in aliases plus its mapping file's label rows); default: the built-in ones.
    Durations may be written in seconds, ``mm:ss`` or ``hh:mm:ss``.
    """
    labels = labels or builtin_labels()
    n = len(raw)
    problems: dict[str, np.ndarray] = {}
    missing_everywhere = np.ones(n, dtype=bool)
    wrong = np.zeros(n, dtype=bool) if wrong_fields is None else np.asarray(wrong_fields, dtype=bool)

    def note(rule: str, mask: np.ndarray) -> None:
        if mask.any():
            problems[rule] = problems.get(rule, np.zeros(n, bool)) | mask

    def note_missing(col: str, mask: np.ndarray) -> None:
        nonlocal missing_everywhere
        missing_everywhere = missing_everywhere & mask
        note(MISSING(col), mask)

    call_id, missing = _text(raw["call_id"])
    note_missing("call_id", missing)

    district, missing, bad = _map_distinct_text(raw["district"], lambda v: canonical_district(v, labels))
    note_missing("district", missing)
    note(UNKNOWN_DISTRICT, bad)

    queue, missing, bad = _map_distinct_text(raw["queue"], lambda v: canonical_queue(v, labels))
    note_missing("queue", missing)
    note(UNKNOWN_QUEUE, bad)

    arrived, missing, bad, gap, far, forms, naive = _parse_timestamp(raw["arrived_at"], ~wrong)
    note_missing("arrived_at", missing)
    note(UNPARSABLE("arrived_at"), bad)
    note(OUT_OF_RANGE, far)
    note(DST_GAP, gap)
    start, end = year_bounds(year)
    known = arrived.notna().to_numpy()
    note(OUTSIDE_YEAR(year), known & ~((arrived >= start) & (arrived < end)).to_numpy(dtype=bool))

    mark, comma = _decimal_mark([raw["wait_s"], raw["talk_s"]], decimal_comma)
    durations = {}
    duration_forms = {}
    for col in ("wait_s", "talk_s"):
        v, missing, bad, ambiguous, duration_forms[col] = _parse_duration(raw[col], comma)
        note_missing(col, missing)
        note(UNPARSABLE(col), bad)
        note(AMBIGUOUS(col), ambiguous)
        note(NEGATIVE(col), np.isfinite(v) & (v < 0))
        durations[col] = v

    answered, missing, bad, unknown_words = _parse_boolean(raw["answered"], labels)
    note_missing("answered", missing)
    note(UNPARSABLE("answered"), bad)
    talk = durations["talk_s"]
    note(UNANSWERED_TALK, ~missing & ~bad & ~answered & np.isfinite(talk) & (talk > 0))

    # A record with a wrong number of fields, or without any value, is judged as a whole.
    empty = missing_everywhere & ~wrong
    whole = wrong | empty
    rules: dict[str, np.ndarray] = {}
    for rule, mask in ((WRONG_FIELDS, wrong), (EMPTY_ROW, empty), *problems.items()):
        m = mask if rule in (WRONG_FIELDS, EMPTY_ROW) else mask & ~whole
        if m.any():
            rules[rule] = m

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
    return ParsedLog(
        frame=frame,
        problems=rules,
        timestamp_forms=forms,
        decimal_mark=mark,
        duration_forms=duration_forms,
        unknown_words=unknown_words,
        naive=naive,
    )


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
