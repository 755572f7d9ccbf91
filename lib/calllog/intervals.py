"""Interval statistics as input: read, validate and clean an export of counts per interval.

Many contact-centre systems export no call-level log, only statistics per interval (15, 30
or 60 minutes), district and queue. The chain runs on them from the arrival rates on:
calls per hour, handling time, patience, today's picture and Table 1 need only sums per
hour (:mod:`lib.traffic.arrivals`, :mod:`lib.traffic.patience`, :mod:`lib.valuation.economics` take the cleaned
interval table as they take the cleaned call log).

The interval contract
---------------------
Columns are found as for a call log (:mod:`lib.calllog.mapping`: a mapping file, the
contract names, built-in aliases). Per row, one interval of one district and queue:

* ``interval_start`` (required): the interval's start, in the timestamp forms of the call
  log (ISO 8601 with or without a UTC offset, ``dd.mm.yyyy hh:mm[:ss]``), or a date and a
  time column (``Dato+Fra``). Local times are Europe/Oslo. In the autumn fold, a local
  start that a district and queue have twice is read in file order: first summer time
  (+02:00), then winter time (+01:00).
* ``interval_minutes`` (optional): 15, 30 or 60. Without it the length is the most common
  step between a district's and queue's consecutive starts in the file, which must be one
  of the three. A start must lie on its interval's boundary (``:00``/``:15``/... for 15
  minutes), so that every interval lies within one clock hour.
* ``district``, ``queue`` (required): labels as for the call log.
* counts, whole numbers: ``answered`` (required) and ``offered`` or ``abandoned`` (or
  both): a missing one is the difference of the other two; with all three, ``offered`` must
  be ``answered + abandoned``.
* talk (required): ``talk_total_s`` (seconds of talk of the answered calls) or
  ``talk_mean_s`` (per answered call).
* waiting (at least one): ``wait_total_s`` / ``wait_mean_s`` (all callers: answered calls
  until answered, abandoned ones until they hung up), ``answered_wait_total_s`` /
  ``answered_wait_mean_s`` (answered calls only: the mean is the average speed of answer,
  *aksesstid*), ``abandoned_wait_total_s`` / ``abandoned_wait_mean_s`` (abandoned calls
  until they hung up). Durations as seconds, ``mm:ss`` or ``hh:mm:ss``; a mean may be empty
  where its count is 0.
* ``answered_within_<X>s`` (optional; a header such as ``Besvart innen 20 sek``): answered
  calls answered within X seconds.

The waiting time of all callers
-------------------------------
The total waiting time of all callers is what today's picture values and what the
exponential patience is estimated from (patience = total waiting time / abandoned, the
maximum-likelihood estimate with censoring, :mod:`lib.traffic.patience`). It is taken, in order:

1. as given (``wait_total_s`` or ``wait_mean_s`` × offered);
2. as the sum of the answered and the abandoned calls' waiting (both given);
3. **estimated** when only the answered calls' wait is given: the abandoned callers are
   taken to have waited as long on average as the answered ones of the same interval
   (total = answered calls' mean wait × offered; where an interval has no answered call,
   the answered-weighted mean wait of its district and queue over the file). The estimate is
   flagged (``wait_total_estimated``) and named in the input-format table and wherever it is
   used. On the synthetic 2023 log abandoned callers waited longer than answered ones, so
   the estimate is low there (tests/test_intervals.py measures by how much).

The answered calls' waiting time (Tabell A.2's mean access time) is given, or the total
less the abandoned calls' waiting; otherwise unknown (NaN).

Cleaning, and what cannot be done from intervals
------------------------------------------------
Rows are validated as call-log rows are (invalid rows stop the run or are quarantined).
The cleaning removes **duplicate** rows (identical in every column to an earlier row,
across files too). Rows sharing a district, queue and interval start but differing are
kept and summed as one interval (``shared_interval``: an export split by sub-queue). What
the call-level cleaning does and intervals cannot (duplicate calls inside an interval,
0-second calls, calls over 30 minutes, id conflicts) is stated in the cleaning report, in
its ``note`` column, with an empty count: those calls stay in the counts and totals.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from lib.calllog.clean import (
    CleaningResult,
    InvalidRowsError,
    LogRows,
    NoRowsLeftError,
    _rejected_frame,
    _sum_forms,
    check_dirs,
    check_identity_per_file,
    file_ranges,
    invalid_rows_message,
    log_format,
    no_rows_left_message,
    write_clean,
    write_rejected,
    write_tables,
)
from lib.calllog.files import file_names
from lib.calllog.mapping import INTERVALS
from lib.calllog.read import CallLogError, RawLog
from lib.calllog.rules import report_items, rule_names
from lib.calllog.validate import (
    EMPTY_ROW,
    MISSING,
    NEGATIVE,
    UNKNOWN_DISTRICT,
    UNKNOWN_QUEUE,
    UNPARSABLE,
    WRONG_FIELDS,
    ParsedLog,
    _decimal_mark,
    _map_distinct_text,
    _parse_duration,
    _parse_number,
    _parse_timestamp,
    canonical_district,
    canonical_queue,
)
from lib.core.districts import QUEUES
from lib.core.oslo_calendar import TIMEZONE, year_bounds

#: Interval lengths accepted (minutes).
INTERVAL_LENGTHS: tuple[int, ...] = (15, 30, 60)
#: Columns of the cleaned interval table (``intervals_clean.parquet``), in order.
INTERVAL_CLEAN_COLUMNS: tuple[str, ...] = (
    "district",
    "queue",
    "interval_start",
    "interval_minutes",
    "offered",
    "answered",
    "abandoned",
    "wait_total_s",
    "wait_answered_s",
    "talk_total_s",
    "answered_within",
    "service_time_s",
    "wait_total_estimated",
    "in_scope",
    "shared_interval",
)
#: Columns compared by the duplicate rule.
_IDENTITY = INTERVAL_CLEAN_COLUMNS[:11]
#: Items of the interval cleaning report after those of the call log's.
EXTRA_ITEMS = ("shared_interval", "calls_offered", "calls_answered", "calls_abandoned")
#: What the call-level cleaning does that interval statistics cannot, by report item.
NOT_POSSIBLE = {
    "zero_total": "not possible from interval statistics: 0-second calls are inside the counts and stay there",
    "outlier": (
        "not possible from interval statistics: calls over 30 minutes are inside the counts, totals and means "
        "and stay there"
    ),
    "id_conflict": "not possible from interval statistics: they have no call ids",
}
NOTES = {
    "rows_read": "interval rows read (each a district, queue and interval)",
    "duplicate": (
        "interval rows identical in every column to an earlier row, removed; duplicate calls inside an interval "
        "cannot be seen in interval statistics"
    ),
    "quarantined": "invalid interval rows set aside",
    "kept": "interval rows kept",
    "out_of_scope": "kept interval rows of the excluded districts",
    "shared_interval": "kept rows sharing district, queue and interval start with another kept row: summed",
    "calls_offered": "calls offered in the kept rows",
    "calls_answered": "calls answered in the kept rows",
    "calls_abandoned": "calls abandoned in the kept rows",
    **NOT_POSSIBLE,
}

# --- rule names -----------------------------------------------------------------------------
COUNTS_DISAGREE = "offered != answered + abandoned"
ANSWERED_ABOVE_OFFERED = "answered > offered"
WITHIN_ABOVE_ANSWERED = "answered_within > answered"
BAD_LENGTH = "interval_minutes not 15, 30 or 60"
NOT_ALIGNED = "interval_start not on the boundary of its interval"
DST_GAP_START = "nonexistent local time in interval_start (daylight-saving gap, no UTC offset)"
START_OUT_OF_RANGE = "interval_start out of range (year before 1678 or after 2261)"


def NOT_WHOLE(col: str) -> str:  # noqa: N802 - reads as a constant
    return f"not a whole number in {col}"


def START_OUTSIDE_YEAR(year: int) -> str:  # noqa: N802
    return f"interval_start outside {year} (local time)"


INTERVAL_HINTS = {
    COUNTS_DISAGREE: (
        "every offered call must be answered or abandoned; if the export counts other outcomes (transferred, "
        "overflow), leave offered out of the mapping: it is then answered + abandoned"
    ),
    BAD_LENGTH: "interval statistics come in 15-, 30- or 60-minute intervals",
    NOT_ALIGNED: "a 15-minute interval starts at :00, :15, :30 or :45, a 30-minute one at :00 or :30, an hour at :00",
}

#: How the waiting time of all callers was obtained, per row (the input-format table counts them).
WAIT_GIVEN = "given for all callers"
WAIT_SUM = "answered + abandoned calls' waiting, both given"
WAIT_ESTIMATED = (
    "ESTIMATED from the answered calls' mean wait: abandoned callers taken to have waited as long as answered ones"
)


def is_interval_frame(frame: pd.DataFrame) -> bool:
    """Whether ``frame`` is a cleaned interval table (not a call log): it has ``offered``."""
    return "offered" in frame.columns


# --- lengths and starts ---------------------------------------------------------------------


def infer_minutes(district: np.ndarray, queue: np.ndarray, start: pd.Series) -> int | None:
    """The interval length (minutes) the starts imply, or ``None`` when they imply none.

    The largest of :data:`INTERVAL_LENGTHS` that every start lies on the boundary of (the
    greatest common divisor of the starts' minutes past the hour and 60): a sparse export of
    15-minute intervals whose starts all fall on the hour reads as hourly, which counts every
    call in the same hour. When some start lies off every boundary (``10:05``), the most common
    step between a district's and queue's consecutive starts, so that those starts are flagged
    rather than the length guessed from them; ``None`` when that is no interval length either."""
    wall = start.dropna().dt.tz_localize(None)
    offsets = (wall.dt.minute * 60 + wall.dt.second).to_numpy(dtype=np.int64)
    if offsets.size == 0:
        return None
    divisor = int(np.gcd.reduce(np.append(np.unique(offsets), 3600))) // 60 if (offsets % 60 == 0).all() else 0
    if divisor in INTERVAL_LENGTHS:
        return divisor
    utc = start.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy().astype("datetime64[s]")
    frame = pd.DataFrame({"d": district, "q": queue, "t": utc}).dropna()
    frame = frame.drop_duplicates().sort_values(["d", "q", "t"], kind="stable")
    same = (frame["d"].to_numpy()[1:] == frame["d"].to_numpy()[:-1]) & (
        frame["q"].to_numpy()[1:] == frame["q"].to_numpy()[:-1]
    )
    steps = np.diff(frame["t"].to_numpy().astype("datetime64[s]").astype(np.int64))[same]
    steps = steps[steps > 0]
    if steps.size == 0:
        return None
    values, counts = np.unique(steps, return_counts=True)
    step = int(values[np.argmax(counts)] // 60)
    return step if step in INTERVAL_LENGTHS else None


def _fold_in_file_order(start: pd.Series, naive: np.ndarray, keys: list[np.ndarray]) -> pd.Series:
    """Naive local starts in the autumn fold read in file order: the second time a district and
    queue have a start there it is the winter-time occurrence (one hour later in UTC)."""
    local = start.dt.tz_localize(None)
    utc = start.dt.tz_convert("UTC").dt.tz_localize(None)
    summer_in_fold = naive & ((local - utc) == pd.Timedelta(hours=2)).to_numpy()
    if not summer_in_fold.any():
        return start
    shifted = start + pd.Timedelta(hours=1)
    in_fold = summer_in_fold & (shifted.dt.tz_localize(None) == local).to_numpy()  # wall clock unchanged: the fold
    if not in_fold.any():
        return start
    rows = np.flatnonzero(in_fold)
    frame = pd.DataFrame({f"k{i}": k[rows] for i, k in enumerate(keys)} | {"t": local.to_numpy()[rows]})
    second = frame.duplicated(keep="first").to_numpy()
    out = start.copy()
    out.iloc[rows[second]] = shifted.iloc[rows[second]]
    return out


# --- parsing --------------------------------------------------------------------------------


def _count(raw: pd.DataFrame, col: str, comma: bool, note, note_missing) -> tuple[np.ndarray, np.ndarray]:
    """A count column: (values, given mask); whole numbers >= 0."""
    v, missing, bad, ambiguous = _parse_number(raw[col], comma)
    note_missing(col, missing)
    note(UNPARSABLE(col), bad | ambiguous)
    ok = np.isfinite(v)
    note(NEGATIVE(col).replace("duration", "count"), ok & (v < 0))
    note(NOT_WHOLE(col), ok & (v >= 0) & (np.floor(v) != v))
    return np.where(ok, v, 0.0), ~missing


def _seconds(
    raw: pd.DataFrame, col: str, comma: bool, count: np.ndarray, note, note_missing, forms: dict
) -> np.ndarray:
    """A duration column (seconds, mm:ss, hh:mm:ss); a mean may be missing where its count is 0."""
    v, missing, bad, ambiguous, forms[col] = _parse_duration(raw[col], comma)
    if col.endswith("_mean_s"):
        optional = missing & (count == 0)
        missing = missing & ~optional
        v = np.where(optional, 0.0, v)
    note_missing(col, missing)
    note(UNPARSABLE(col), bad)
    note(UNPARSABLE(col) + " (a point before three digits in a file with decimal commas)", ambiguous)
    note(NEGATIVE(col), np.isfinite(v) & (v < 0))
    return np.where(np.isfinite(v), v, np.nan)


def parse_intervals(raw: RawLog, year: int) -> ParsedLog:
    """Typed values and broken rules of every row of an interval export ``raw`` (one file).

    The frame has the columns of :data:`INTERVAL_CLEAN_COLUMNS` but ``in_scope`` and
    ``shared_interval``. Raises :class:`CallLogError` when the interval length can be read
    neither from a column nor from the starts."""
    plan = raw.plan
    if plan is None or plan.kind != INTERVALS:
        raise ValueError("parse_intervals: not interval statistics")
    df = raw.frame
    n = len(df)
    labels = plan.labels
    comma = raw.delimiter in (";", "\t")
    problems: dict[str, np.ndarray] = {}
    missing_everywhere = np.ones(n, dtype=bool)
    wrong = np.zeros(n, dtype=bool) if raw.wrong_fields is None else np.asarray(raw.wrong_fields, dtype=bool)

    def note(rule: str, mask: np.ndarray) -> None:
        if mask.any():
            problems[rule] = problems.get(rule, np.zeros(n, bool)) | mask

    def note_missing(col: str, mask: np.ndarray) -> None:
        nonlocal missing_everywhere
        missing_everywhere = missing_everywhere & mask
        note(MISSING(col), mask)

    district, missing, bad = _map_distinct_text(df["district"], lambda v: canonical_district(v, labels))
    note_missing("district", missing)
    note(UNKNOWN_DISTRICT, bad)
    queue, missing, bad = _map_distinct_text(df["queue"], lambda v: canonical_queue(v, labels))
    note_missing("queue", missing)
    note(UNKNOWN_QUEUE, bad)

    start, missing, bad, gap, far, forms, naive = _parse_timestamp(df["interval_start"], ~wrong)
    note_missing("interval_start", missing)
    note(UNPARSABLE("interval_start"), bad)
    note(START_OUT_OF_RANGE, far)
    note(DST_GAP_START, gap)
    d_arr, q_arr = np.asarray(district, dtype=object), np.asarray(queue, dtype=object)
    start = _fold_in_file_order(start, naive, [d_arr, q_arr])
    first, end = year_bounds(year)
    known = start.notna().to_numpy()
    note(START_OUTSIDE_YEAR(year), known & ~((start >= first) & (start < end)).to_numpy(dtype=bool))

    if "interval_minutes" in df:
        minutes, _given = _count(df, "interval_minutes", comma, note, note_missing)
        minutes_source = "from the column interval_minutes"
    else:
        inferred = infer_minutes(d_arr, q_arr, start)
        if inferred is None:
            raise CallLogError(
                f"call log {raw.name}: the interval length cannot be told from the interval starts (they lie on no "
                "15-, 30- or 60-minute boundary, and no step between them is one); add the column interval_minutes "
                "(15, 30 or 60)"
            )
        minutes = np.full(n, float(inferred))
        minutes_source = f"{inferred} minutes, inferred from the interval starts"
    known_length = np.isin(minutes, INTERVAL_LENGTHS)
    note(BAD_LENGTH, ~known_length & (minutes > 0) if "interval_minutes" in df else ~known_length)
    wall = start.dt.tz_localize(None)
    offset_minutes = wall.dt.minute.to_numpy(dtype=float, na_value=0) * 60 + wall.dt.second.to_numpy(
        dtype=float, na_value=0
    )
    aligned = (offset_minutes % (np.where(known_length, minutes, 60) * 60)) == 0
    note(NOT_ALIGNED, known & known_length & ~aligned)

    columns = set(df.columns)
    counts = {}
    for col in ("offered", "answered", "abandoned"):
        if col in columns:
            counts[col], _ = _count(df, col, comma, note, note_missing)
    answered = counts["answered"]
    if "offered" in counts and "abandoned" in counts:
        offered, abandoned = counts["offered"], counts["abandoned"]
        note(COUNTS_DISAGREE, offered != answered + abandoned)
    elif "offered" in counts:
        offered = counts["offered"]
        abandoned = offered - answered
        note(ANSWERED_ABOVE_OFFERED, abandoned < 0)
        abandoned = np.maximum(abandoned, 0.0)
    else:
        abandoned = counts["abandoned"]
        offered = answered + abandoned

    dur_forms: dict[str, dict[str, int]] = {}
    mark, comma_durations = _decimal_mark([df[c] for c in df.columns if c.endswith("_s")], comma)

    def total(prefix: str, count: np.ndarray) -> np.ndarray | None:
        """The total seconds of ``prefix``: the total column, or the mean times the count."""
        if f"{prefix}_total_s" in columns:
            return _seconds(df, f"{prefix}_total_s", comma_durations, count, note, note_missing, dur_forms)
        if f"{prefix}_mean_s" in columns:
            return _seconds(df, f"{prefix}_mean_s", comma_durations, count, note, note_missing, dur_forms) * count
        return None

    talk = total("talk", answered)
    wait_all = total("wait", offered)
    wait_ans = total("answered_wait", answered)
    wait_ab = total("abandoned_wait", abandoned)
    basis = np.full(n, "", dtype=object)
    estimated = np.zeros(n, dtype=bool)
    if wait_all is not None:
        wait_total = wait_all
        basis[:] = WAIT_GIVEN
    elif wait_ans is not None and wait_ab is not None:
        wait_total = wait_ans + wait_ab
        basis[:] = WAIT_SUM
    elif wait_ans is not None:
        per_answered = np.divide(wait_ans, answered, out=np.full(n, np.nan), where=answered > 0)
        group = pd.Series(list(zip(d_arr, q_arr, strict=True)))
        w = pd.DataFrame({"g": group, "w": np.where(answered > 0, wait_ans, 0.0), "a": answered})
        sums = w.groupby("g", sort=False)[["w", "a"]].transform("sum")
        fallback = np.divide(
            sums["w"].to_numpy(), sums["a"].to_numpy(), out=np.zeros(n), where=sums["a"].to_numpy() > 0
        )
        wait_total = np.where(answered > 0, per_answered, fallback) * offered
        basis[:] = WAIT_ESTIMATED
        estimated[:] = True
    else:  # the plan guarantees some wait column
        raise ValueError("parse_intervals: no waiting-time column")
    if wait_ans is not None:
        wait_answered = wait_ans
    elif wait_all is not None and wait_ab is not None:
        wait_answered = wait_all - wait_ab
    else:
        wait_answered = np.full(n, np.nan)

    if "answered_within" in columns:
        within, _ = _count(df, "answered_within", comma, note, note_missing)
        note(WITHIN_ABOVE_ANSWERED, within > answered)
        service = np.full(n, float(plan.service_time_s) if plan.service_time_s is not None else np.nan)
    else:
        within = np.full(n, np.nan)
        service = np.full(n, np.nan)

    empty = missing_everywhere & ~wrong
    whole = wrong | empty
    rules: dict[str, np.ndarray] = {}
    for rule, mask in ((WRONG_FIELDS, wrong), (EMPTY_ROW, empty), *problems.items()):
        m = mask if rule in (WRONG_FIELDS, EMPTY_ROW) else mask & ~whole
        if m.any():
            rules[rule] = m

    frame = pd.DataFrame(
        {
            "district": district,
            "queue": queue,
            "interval_start": start.array,
            "interval_minutes": np.where(np.isfinite(minutes), minutes, 0).astype(np.int64),
            "offered": offered.astype(np.int64),
            "answered": answered.astype(np.int64),
            "abandoned": abandoned.astype(np.int64),
            "wait_total_s": wait_total,
            "wait_answered_s": wait_answered,
            "talk_total_s": talk,
            "answered_within": within,
            "service_time_s": service,
            "wait_total_estimated": estimated,
        }
    )
    info = {
        "interval_minutes": minutes_source,
        "waiting_time": "; ".join(f"{b}: {k} row(s)" for b, k in pd.Series(basis).value_counts(sort=False).items()),
        "answered_within": (
            f"answered within {plan.service_time_s:g} s (column {'+'.join(plan.sources['answered_within'])})"
            if "answered_within" in columns and plan.service_time_s is not None
            else "not given"
        ),
    }
    return ParsedLog(
        frame=frame,
        problems=rules,
        timestamp_forms=forms,
        decimal_mark=mark,
        duration_forms=dur_forms,
        naive=naive,
        info=info,
    )


# --- cleaning -------------------------------------------------------------------------------


def _combine(raws: list[RawLog], label: str, year: int) -> LogRows:
    parts = [parse_intervals(r, year) for r in raws]
    names = file_names([r.path for r in raws])
    sizes = [len(p.frame) for p in parts]
    file_of_row = np.repeat(np.arange(len(parts)), sizes)
    row_in_file = np.concatenate([np.arange(1, k + 1) for k in sizes])
    if len(parts) == 1:
        parsed = parts[0]
    else:
        rules = list(dict.fromkeys(r for p in parts for r in p.problems))
        parsed = ParsedLog(
            frame=pd.concat([p.frame for p in parts], ignore_index=True),
            problems={
                r: np.concatenate([p.problems.get(r, np.zeros(len(p.frame), bool)) for p in parts]) for r in rules
            },
            timestamp_forms=_sum_forms([p.timestamp_forms for p in parts]),
            decimal_mark=parts[0].decimal_mark,
        )
    return LogRows(raws, parsed, file_of_row, row_in_file, names, label, parts)


def _report(rows: LogRows, kept: np.ndarray, duplicate: np.ndarray, clean_all: pd.DataFrame) -> pd.DataFrame:
    """The interval cleaning report: ``item, count[, per file], note``."""
    invalid = rows.parsed.invalid
    shared = clean_all["shared_interval"].to_numpy()
    in_scope = clean_all["in_scope"].to_numpy()

    def counts(select: np.ndarray) -> dict[str, object]:
        k = kept & select
        return {
            "rows_read": int(select.sum()),
            "duplicate": int((duplicate & select).sum()),
            "zero_total": pd.NA,
            "outlier": pd.NA,
            "quarantined": int((invalid & select).sum()),
            "kept": int(k.sum()),
            "id_conflict": pd.NA,
            "out_of_scope": int((k & ~in_scope).sum()),
            "shared_interval": int((k & shared).sum()),
            "calls_offered": int(clean_all["offered"].to_numpy()[k].sum()),
            "calls_answered": int(clean_all["answered"].to_numpy()[k].sum()),
            "calls_abandoned": int(clean_all["abandoned"].to_numpy()[k].sum()),
        }

    items = (*report_items(), *EXTRA_ITEMS)
    every = np.ones(rows.rows_read, dtype=bool)
    out = pd.DataFrame({"item": list(items)})
    total = counts(every)
    out["count"] = pd.array([total[i] for i in items], dtype="Int64")
    if rows.several:
        for k, name in enumerate(rows.names):
            c = counts(rows.file_of_row == k)
            out[name] = pd.array([c[i] for i in items], dtype="Int64")
    out["note"] = [NOTES.get(i, "") for i in items]
    return out


def _by_queue(clean_all: pd.DataFrame, valid: np.ndarray, duplicate: np.ndarray, kept: np.ndarray) -> pd.DataFrame:
    """Calls offered per queue at each step (valid rows only), in the columns of the call log's
    per-queue table; the rules interval statistics cannot apply are empty."""
    offered = clean_all["offered"].to_numpy()
    queue = clean_all["queue"].to_numpy()
    rows = []
    for q in QUEUES:
        mine = valid & (queue == q)
        line: dict[str, object] = {"queue": q, "valid_rows": int(offered[mine].sum())}
        for rule in rule_names():
            line[rule] = int(offered[mine & duplicate].sum()) if rule == "duplicate" else pd.NA
        line["kept"] = int(offered[mine & kept].sum())
        rows.append(line)
    out = pd.DataFrame(rows)
    for c in out.columns[1:]:
        out[c] = out[c].astype("Int64")
    return out


def clean_intervals(
    raws: list[RawLog],
    label: str,
    processed_dir: str | Path = "data/processed",
    outputs_dir: str | Path = "outputs",
    on_invalid: str = "error",
    *,
    year: int,
    excluded_districts: tuple[str, ...] | list[str],
    write: bool = True,
) -> CleaningResult:
    """Validate and clean interval statistics (the files ``raws``, read by
    :func:`lib.calllog.clean.read_logs`); write ``intervals_clean.parquet``, the cleaning
    report and the input-format table. As :func:`lib.calllog.clean.clean_call_log` (which
    calls it for interval exports), with ``kind = "intervals"`` and ``clean`` the table of
    :data:`INTERVAL_CLEAN_COLUMNS`."""
    check_dirs(processed_dir, outputs_dir)
    rows = _combine(raws, label, year)
    parsed = rows.parsed
    summary = rows.summary()
    if len(summary) and on_invalid == "error":
        text = invalid_rows_message(label, raws[0].row_note, summary)
        hints = [
            f"  {rule}: {INTERVAL_HINTS[rule]}" for rule in dict.fromkeys(summary["rule"]) if rule in INTERVAL_HINTS
        ]
        raise InvalidRowsError(text + ("\nWhat the interval rules mean:\n" + "\n".join(hints) if hints else ""))

    invalid = parsed.invalid
    frame = parsed.frame
    valid = ~invalid
    duplicate = np.zeros(len(frame), dtype=bool)
    if valid.any():
        duplicate[valid] = frame.loc[valid, list(_IDENTITY)].duplicated(keep="first").to_numpy()
    kept = valid & ~duplicate
    clean_all = frame.copy()
    clean_all["in_scope"] = ~clean_all["district"].isin(list(excluded_districts)).to_numpy()
    shared = np.zeros(len(frame), dtype=bool)
    if kept.any():
        shared[kept] = frame.loc[kept, ["district", "queue", "interval_start"]].duplicated(keep=False).to_numpy()
    clean_all["shared_interval"] = shared
    report = _report(rows, kept, duplicate, clean_all)
    check_identity_per_file(report, label)
    clean = clean_all.loc[kept, list(INTERVAL_CLEAN_COLUMNS)].reset_index(drop=True)

    result = CleaningResult(
        clean=clean,
        report=report,
        by_queue=_by_queue(clean_all, valid, duplicate, kept),
        invalid=summary,
        input_format=log_format(rows),
        encoding=raws[0].encoding,
        kind=INTERVALS,
        files=[r.path for r in raws],
        file_ranges=file_ranges(rows, "interval_start", "interval_minutes"),
    )
    rejected = _rejected_frame(rows) if write and on_invalid == "quarantine" else None
    rejected_shown = write_rejected(result, processed_dir, rejected, write)
    message = no_rows_left_message(label, report, summary, clean, tuple(excluded_districts), rejected_shown)
    if message is not None:
        raise NoRowsLeftError(message)
    if write:
        result.written.update(write_clean(clean, INTERVALS, processed_dir))
        result.written.update(write_tables(result, outputs_dir))
    return result


# --- views the chain reads -------------------------------------------------------------------


def local_start(intervals: pd.DataFrame) -> pd.Series:
    """The interval starts in Europe/Oslo."""
    return intervals["interval_start"].dt.tz_convert(TIMEZONE)


def wait_basis(intervals: pd.DataFrame) -> str:
    """How the total waiting time of all callers was obtained: ``given`` or a sentence naming
    the estimate (see the module docstring)."""
    if not bool(intervals["wait_total_estimated"].any()):
        return "given"
    share = float(
        intervals.loc[intervals["wait_total_estimated"], "offered"].sum() / max(intervals["offered"].sum(), 1)
    )
    return (
        f"estimated for {share:.0%} of the calls from the answered calls' mean wait (abandoned callers taken to "
        "have waited as long as answered ones)"
    )
