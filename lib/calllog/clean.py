"""Clean the call log as report appendix B does, with every row accounted for.

Steps of :func:`clean_call_log`:

1. read the file or files (:func:`read_logs`: a file, a folder or a glob, :mod:`lib.calllog.files`;
   each file CSV in UTF-8 or Windows-1252 with a comma, semicolon or tab, gzip CSV, or
   Parquet, :mod:`lib.calllog.read`; its columns found by name, a mapping file or the
   built-in aliases, :mod:`lib.calllog.mapping`). Several files are one log; they must all
   be call logs or all interval statistics (the latter go to :mod:`lib.calllog.intervals`);
2. validate every row against the contract (:mod:`lib.calllog.validate`), records with a
   wrong number of fields and blank lines included. An outcome column (``answered`` holding
   words such as ``Besvart``/``Tapt``) with words the outcome table does not know stops the
   run (:class:`UnknownOutcomeError`: the words and their counts, whatever ``on_invalid``
   says: what a word means is the analyst's decision, in the mapping file). Invalid rows are
   never dropped silently: ``on_invalid="error"`` stops with :class:`InvalidRowsError` (file,
   every broken rule, its row count and first row numbers, what to do; never row contents);
   ``on_invalid="quarantine"`` writes them, as the original text plus ``row_number`` (and
   ``file`` for several files) and ``reason``, to ``{processed_dir}/rejected_rows.parquet``
   and counts them;
3. clean the valid rows by the rules of appendix B (:data:`lib.calllog.rules.RULES`, in
   order: ``duplicate``, ``zero_total``, ``outlier``), each counted; duplicates across
   files are found as within one. Rows sharing a call_id but differing elsewhere are not
   duplicates: they are kept and flagged ``id_conflict``;
4. mark the excluded districts (Trøndelag, App. B) ``in_scope = False`` (kept);
5. check the accounting identity rows_read = kept + one count per rule + quarantined, for
   the log and for each of its files (the cleaning report has a column per file then);
6. stop with :class:`NoRowsLeftError` when no row is kept, or no kept row lies in a modelled
   district (all districts but the excluded ones): the message names the file and counts the
   rows read, quarantined (with the most frequent reasons) and removed by each rule; the
   quarantined rows are written first, so the analyst can look at them;
7. write ``{processed_dir}/calls_clean.parquet``, ``{outputs_dir}/tables/cleaning_report.csv``
   and ``{outputs_dir}/tables/input_format.csv`` (how the files were read: format, encoding,
   separator, decimal mark, columns, timestamp and duration forms with their row counts; no
   call-level value).

Call-level files never go into an outputs folder: a ``processed_dir`` equal to or inside
``outputs_dir`` is refused before anything is read or written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from lib.calllog.files import file_names, raw_label, resolve_raw
from lib.calllog.mapping import CALLS, INTERVALS, Mapping
from lib.calllog.read import CONTRACT_COLUMNS, CallLogError, RawLog, read_call_log
from lib.calllog.rules import (
    Thresholds,
    by_queue_columns,
    check_identity,
    cleaning_report,
    removed_by,
    rule_names,
)
from lib.calllog.validate import (
    DURATION_FORMS,
    WORDS_SHOWN,
    ParsedLog,
    invalid_summary,
    parse_call_log,
    reasons,
    rule_hint,
)
from lib.core import output_tables
from lib.core.districts import QUEUES
from lib.core.manifest import claim, discard
from lib.core.paths import PROJ_ROOT, resolve, tables_dir

#: Columns of the cleaned log (interface 2).
CLEAN_COLUMNS: tuple[str, ...] = (*CONTRACT_COLUMNS, "in_scope", "id_conflict")
ON_INVALID = ("error", "quarantine")
#: The processed files of the two kinds of log; writing one removes the other's.
CLEAN_FILES = {CALLS: "calls_clean.parquet", INTERVALS: "intervals_clean.parquet"}


#: Broken rules named in the message of :class:`NoRowsLeftError` (the most frequent first).
REASONS_SHOWN = 3
#: Items of ``tables/input_format.csv``, in order.
INPUT_FORMAT_ITEMS: tuple[str, ...] = (
    "file",
    "format",
    "encoding",
    "separator",
    "decimal_mark",
    "columns",
    "timestamp_forms",
    "duration_forms",
    "blank_lines_ignored_at_end",
)


class InvalidRowsError(CallLogError):
    """Rows break the contract and ``on_invalid="error"``; the message lists every rule."""


class NoRowsLeftError(CallLogError):
    """No row is left for the model: none kept, or none kept in a modelled district. The
    message counts where the rows went (read, quarantined and why, removed by each rule)."""


class UnknownOutcomeError(CallLogError):
    """An outcome column holds words the outcome table does not know; the message lists them
    with their row counts (labels, never a call id) and how to say what they mean."""


class MixedKindsError(CallLogError):
    """The files of one log are not all of one kind (call logs and interval statistics mixed)."""


#: Columns of :attr:`CleaningResult.long_waits` (and the table long_waits.csv).
LONG_WAIT_COLUMNS: tuple[str, ...] = ("district", "queue", "calls")


@dataclass
class CleaningResult:
    """What :func:`clean_call_log` produced.

    ``clean``: the kept rows (interface 2 columns). ``report``: DataFrame ``item, count``
    in :func:`lib.calllog.rules.report_items` order. ``by_queue``: the same steps per queue
    (valid rows only). ``invalid``: one line per broken rule (``rule, rows, first_rows``).
    ``written``: name -> path of every file written. ``input_format``: how the file was read
    (``item, value``, items :data:`INPUT_FORMAT_ITEMS`); ``encoding``: the CSV's encoding
    (``UTF-8``, ``UTF-8 with byte-order mark``, ``Windows-1252``; ``None`` for Parquet; for
    several files the first file's). ``kind``: ``"calls"`` or ``"intervals"`` (then ``clean``
    is the interval table of :mod:`lib.calllog.intervals`). ``files``: the files read, in
    order. For several files the report has one column per file beside ``count`` and
    ``invalid`` a ``file`` column.
    """

    clean: pd.DataFrame
    report: pd.DataFrame
    by_queue: pd.DataFrame
    invalid: pd.DataFrame
    written: dict[str, Path] = field(default_factory=dict)
    input_format: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["item", "value"]))
    encoding: str | None = None
    kind: str = CALLS
    files: list[Path] = field(default_factory=list)
    #: One row per file: ``file`` (short name), ``rows`` (rows read), ``first`` and ``last``
    #: (the earliest and latest time of its valid rows, local; for intervals the end of the
    #: last interval), for the plausibility check of gaps and overlaps between files.
    file_ranges: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: Calls the outlier rule removed for their wait (``wait_s`` above the threshold), per
    #: district and queue (columns :data:`LONG_WAIT_COLUMNS`): each waited at least that long,
    #: which the patience fit needs (:func:`lib.traffic.patience.fit_patience`, ``long_waits``).
    long_waits: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(LONG_WAIT_COLUMNS)))

    def count(self, item: str) -> int:
        """One item of the cleaning report."""
        return int(self.report.set_index("item").loc[item, "count"])


def _rule_lines(summary: pd.DataFrame, indent: str = "  ") -> list[str]:
    lines = []
    for r in summary.itertuples():
        hint = rule_hint(r.rule)
        lines.append(f"{indent}- {r.rule}: {r.rows} row(s), first at row(s) {r.first_rows}")
        if hint:
            lines.append(f"{indent}    {hint}")
    return lines


def invalid_rows_message(label: str, row_note: str, summary: pd.DataFrame) -> str:
    """The error text for invalid rows: the log, each rule with its count and first row
    numbers (per file when ``summary`` has a ``file`` column), and under a rule that has one,
    what to do about it (forms and causes, never values)."""
    if "file" in summary:
        lines = []
        for name, part in summary.groupby("file", sort=False):
            lines += [f"  {name}:", *_rule_lines(part, "    ")]
        rules = summary["rule"].nunique()
        note = f"{row_note}, in each file"
    else:
        lines, rules, note = _rule_lines(summary), len(summary), row_note
    return (
        f"call log {label}: {rules} contract rule(s) broken; {note}:\n" + "\n".join(lines) + "\n"
        'Correct the export, or run with on_invalid="quarantine" to set these rows aside '
        "in rejected_rows.parquet and count them."
    )


def _shown_words(words: dict[str, int]) -> tuple[list[tuple[str, int]], int, int]:
    """The words fit to show (no digit, at most 40 characters: labels, not ids), most frequent
    first, at most :data:`WORDS_SHOWN`; and how many other values and rows are not shown."""
    fit = sorted(
        ((w, n) for w, n in words.items() if len(w) <= 40 and not any(c.isdigit() for c in w)),
        key=lambda x: (-x[1], x[0]),
    )
    shown = fit[:WORDS_SHOWN]
    hidden = [n for w, n in words.items() if (w, n) not in shown]
    return shown, len(hidden), sum(hidden)


def unknown_outcome_message(label: str, raw: RawLog, words: dict[str, int]) -> str:
    """The error text for outcome words the outcome table does not know: each with its rows
    (labels, never an id: a value with a digit or longer than 40 characters is only counted),
    the known words, and the mapping-file line that says what a word means."""
    shown, others, other_rows = _shown_words(words)
    listed = "; ".join(f"{w!r}: {_fmt(n)} row(s)" for w, n in shown)
    if others:
        listed += f"; and {others} other value(s) in {_fmt(other_rows)} row(s), not shown (digits or long)"
    plan = raw.plan
    column = "+".join(plan.sources["answered"]) if plan is not None else "answered"
    mapping = plan.mapping if plan is not None else Mapping()
    where = (
        mapping.name if mapping.path is not None else f"a mapping file beside the export ({raw.path.stem}.columns.csv)"
    )
    return (
        f"call log {label}: the outcome column (answered <- {column}) holds {len(words)} word(s) the outcome table "
        f"does not know: {listed}. Known: Besvart, Answered (answered); Ubesvart, Tapt, Avbrutt, Unanswered, "
        "Abandoned (not answered); and the booleans true/false, 1/0, ja/nei, sann/usann (docs/call_log_contract.md). "
        f"Say what each word means in {where}, one line each, e.g. answered:false,<word> or answered:true,<word>."
    )


def _fmt(n: int) -> str:
    """A count with spaces between thousands (1 765 909)."""
    return f"{n:,}".replace(",", " ")


def no_rows_left_message(
    name: str,
    report: pd.DataFrame,
    summary: pd.DataFrame,
    clean: pd.DataFrame,
    excluded_districts: tuple[str, ...],
    rejected: str | None,
) -> str | None:
    """The error text when the cleaning leaves nothing for the model, else ``None``.

    ``name``: the file as shown; ``report``: the cleaning report (item, count); ``summary``:
    one line per broken contract rule (``rule, rows``); ``clean``: the kept rows (district,
    in_scope); ``rejected``: where the quarantined rows were written (``None``: not written).
    Counts and rule names only, never row contents.
    """
    c = report.set_index("item")["count"]
    kept = int(c["kept"])
    modelled = int(clean["in_scope"].sum())
    if kept > 0 and modelled > 0:
        return None
    if kept == 0:
        what = "no row is kept after validation and cleaning"
    else:
        where = clean["district"].value_counts()
        shown = ", ".join(f"{d} {_fmt(int(n))}" for d, n in where.items())
        what = (
            f"none of the {_fmt(kept)} kept row(s) is in a modelled district (kept rows by district: {shown}; "
            f"excluded_districts: {', '.join(excluded_districts) or 'none'})"
        )
    lines = [f"call log {name}: {what}, so there is nothing to model.", f"  rows read: {_fmt(int(c['rows_read']))}"]
    quarantined = int(c["quarantined"])
    q_line = f"  quarantined (invalid): {_fmt(quarantined)}"
    if quarantined and len(summary):
        by_rule = summary.groupby("rule", sort=False)["rows"].sum().reset_index()  # several files: summed
        top = by_rule.sort_values("rows", ascending=False, kind="stable")
        reasons_text = "; ".join(f"{r.rule}: {_fmt(int(r.rows))}" for r in top.head(REASONS_SHOWN).itertuples())
        more = f"; and {len(top) - REASONS_SHOWN} more rule(s)" if len(top) > REASONS_SHOWN else ""
        q_line += f" (most frequent broken rules, rows breaking each: {reasons_text}{more})"
    lines.append(q_line)
    removed = (f"{r} {_fmt(int(c[r])) if pd.notna(c[r]) else 'not possible'}" for r in rule_names())
    lines.append("  removed by the cleaning rules: " + ", ".join(removed))
    lines.append(f"  kept: {_fmt(kept)}, of which in a modelled district: {_fmt(modelled)}")
    if rejected is not None:
        lines.append(f"The quarantined rows, with row number and reason, are in {rejected}.")
    elif quarantined:
        lines.append("The quarantined rows were not written (write=False).")
    lines.append(
        "Check that the file is the export of the analysed year (assumption data_year) in the call-log "
        "contract (docs/call_log_contract.md), and the assumptions excluded_districts and outlier_threshold_s."
    )
    return "\n".join(lines)


def _where(path: Path) -> str:
    """A path as shown in a message: relative to the project root inside it, else in full (an
    analyst must be able to find the file)."""
    try:
        return path.relative_to(PROJ_ROOT).as_posix()
    except ValueError:
        return str(path)


def check_dirs(processed_dir: str | Path, outputs_dir: str | Path) -> None:
    """Refuse (ValueError) a ``processed_dir`` equal to or inside ``outputs_dir``: call-level
    files must never land in a folder of results meant to be shared."""
    processed = resolve(processed_dir).resolve()
    outputs = resolve(outputs_dir).resolve()
    if processed == outputs or outputs in processed.parents:
        raise ValueError(
            "call-level data (calls_clean.parquet, rejected_rows.parquet) never go into an outputs folder; "
            f"choose a processed_dir outside {_where(outputs)} (processed_dir is {_where(processed)})"
        )


def _forms_text(counts: dict[str, int]) -> str:
    return "; ".join(f"{form}: {n} row(s)" for form, n in counts.items()) or "none"


def _durations_text(forms: dict[str, dict[str, int]]) -> str:
    parts = []
    for column, counts in forms.items():
        ordered = {f: counts[f] for f in DURATION_FORMS if counts.get(f)}
        parts.append(f"{column}: " + (", ".join(f"{f} {n} row(s)" for f, n in ordered.items()) or "none"))
    return "; ".join(parts) or "not applicable (numbers stored as numbers)"


def file_format(raw: RawLog, parsed: ParsedLog) -> dict[str, str]:
    """How one file was read: item -> value (the items of :data:`INPUT_FORMAT_ITEMS`)."""
    na = "not applicable (Parquet)"
    forms = _forms_text(parsed.timestamp_forms)
    if raw.ignored_timezone:
        forms += f" (the file's pandas metadata names {raw.ignored_timezone}; not applied: naive times are local)"
    return {
        "file": raw.name,
        "format": raw.format,
        "encoding": raw.encoding or na,
        "separator": raw.separator or na,
        "decimal_mark": parsed.decimal_mark,
        "columns": raw.plan.describe() if raw.plan is not None else "contract names",
        "timestamp_forms": forms,
        "duration_forms": _durations_text(parsed.duration_forms),
        "blank_lines_ignored_at_end": na if raw.kind == "parquet" else str(raw.trailing_blank_lines),
    }


def _sum_forms(dicts: list[dict[str, int]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for d in dicts:
        for k, n in d.items():
            out[k] = out.get(k, 0) + n
    return out


def combine_formats(
    label: str, formats: list[dict[str, str]], names: list[str], summed: dict[str, str] | None = None
) -> pd.DataFrame:
    """The input-format table of a log read from one file or several: ``item, value``; for
    several files an item the files agree on has that value, a count of forms is summed
    over the files (``summed``: item -> value), and any other has ``name: value`` per file."""
    values = {}
    for item in INPUT_FORMAT_ITEMS:
        found = [f[item] for f in formats]
        if item == "file":
            values[item] = label
        elif summed and item in summed:
            values[item] = summed[item]
        elif len(set(found)) == 1:
            values[item] = found[0]
        else:
            values[item] = "; ".join(f"{n}: {v}" for n, v in zip(names, found, strict=True))
    return pd.DataFrame({"item": list(INPUT_FORMAT_ITEMS), "value": [values[i] for i in INPUT_FORMAT_ITEMS]})


def summed_forms(parts: list[ParsedLog], raws: list[RawLog]) -> dict[str, str]:
    """The timestamp and duration forms of several files, counted together (unless a file's
    pandas metadata named a time zone, which the per-file values say)."""
    if any(r.ignored_timezone for r in raws):
        return {}
    durations = {c: _sum_forms([p.duration_forms.get(c, {}) for p in parts]) for c in parts[0].duration_forms}
    return {
        "timestamp_forms": _forms_text(_sum_forms([p.timestamp_forms for p in parts])),
        "duration_forms": _durations_text(durations),
    }


def input_format(raw: RawLog, parsed: ParsedLog) -> pd.DataFrame:
    """How one file was read, as ``item, value`` (items :data:`INPUT_FORMAT_ITEMS`): the file
    as shown, its format, encoding, separator and decimal mark in words, where each contract
    column was found, the forms of ``arrived_at`` and of the durations found with their row
    counts, and the empty lines ignored at its end. Counts, forms and header names only,
    never a value of the file."""
    return combine_formats(raw.name, [file_format(raw, parsed)], [raw.name])


@dataclass
class LogRows:
    """The rows of a log read from one file or several, as one: ``raws`` (the files as read),
    ``parsed`` (every row, typed and judged, the files one after the other), ``file_of_row``
    (index into ``raws`` of each row), ``row_in_file`` (its 1-based row number in its file),
    ``names`` (the files' short names) and ``label`` (the log as shown in messages)."""

    raws: list[RawLog]
    parsed: ParsedLog
    file_of_row: np.ndarray
    row_in_file: np.ndarray
    names: list[str]
    label: str
    parts: list[ParsedLog] = field(default_factory=list)

    @property
    def several(self) -> bool:
        return len(self.raws) > 1

    @property
    def rows_read(self) -> int:
        return len(self.file_of_row)

    def summary(self) -> pd.DataFrame:
        """One line per broken rule (per file and rule for several files): ``[file,] rule,
        rows, first_rows`` (row numbers within the file)."""
        if not self.several:
            return invalid_summary(self.parsed.problems)
        parts = []
        for i, name in enumerate(self.names):
            rows = self.file_of_row == i
            part = invalid_summary({rule: m[rows] for rule, m in self.parsed.problems.items() if m[rows].any()})
            parts.append(part.assign(file=name))
        return pd.concat(parts, ignore_index=True)[["file", "rule", "rows", "first_rows"]]


def read_logs(
    raw: str | Path | Sequence[str | Path], columns: str | Path | Mapping | None = None
) -> tuple[list[RawLog], str]:
    """The files ``raw`` names (:func:`lib.calllog.files.resolve_raw`), each read with its
    mapping (``columns``, else the one beside it), and the log's label for messages. Raises
    :class:`MixedKindsError` when call logs and interval statistics are mixed."""
    files = resolve_raw(raw)
    label = raw_label(raw, files)
    raws = [read_call_log(f, columns) for f in files]
    kinds = {r.log_kind for r in raws}
    if len(kinds) > 1:
        names = file_names(files)
        by_kind = {k: [n for n, r in zip(names, raws, strict=True) if r.log_kind == k] for k in (CALLS, INTERVALS)}
        raise MixedKindsError(
            f"call log {label}: the files are not all of one kind: call logs ({', '.join(by_kind[CALLS])}) and "
            f"interval statistics ({', '.join(by_kind[INTERVALS])}); give one kind at a time"
        )
    return raws, label


def parse_logs(raws: list[RawLog], label: str, year: int, stop_on_unknown_words: bool = True) -> LogRows:
    """Parse and judge every row of the call-log files ``raws`` (each with its own decimal mark
    and labels) and put them together as one log. Raises :class:`UnknownOutcomeError` when an
    outcome column holds words the outcome table does not know (unless not
    ``stop_on_unknown_words``: then they are in each part's ``unknown_words``)."""
    parts = [
        parse_call_log(
            r.frame,
            year=int(year),
            decimal_comma=r.delimiter in (";", "\t"),
            wrong_fields=r.wrong_fields,
            labels=r.plan.labels if r.plan is not None else None,
        )
        for r in raws
    ]
    unknown: dict[str, int] = {}
    for p in parts:
        for word, n in (p.unknown_words or {}).items():
            unknown[word] = unknown.get(word, 0) + n
    if unknown and stop_on_unknown_words:
        raise UnknownOutcomeError(unknown_outcome_message(label, raws[0], unknown))
    names = file_names([r.path for r in raws])
    sizes = [len(p.frame) for p in parts]
    file_of_row = np.repeat(np.arange(len(parts)), sizes)
    row_in_file = np.concatenate([np.arange(1, n + 1) for n in sizes]) if sizes else np.zeros(0, dtype=np.int64)
    if len(parts) == 1:
        parsed = parts[0]
    else:
        rules = list(dict.fromkeys(r for p in parts for r in p.problems))
        problems = {
            rule: np.concatenate([p.problems.get(rule, np.zeros(len(p.frame), dtype=bool)) for p in parts])
            for rule in rules
        }
        parsed = ParsedLog(
            frame=pd.concat([p.frame for p in parts], ignore_index=True),
            problems=problems,
            timestamp_forms=_sum_forms([p.timestamp_forms for p in parts]),
            decimal_mark=parts[0].decimal_mark,
            duration_forms={c: _sum_forms([p.duration_forms.get(c, {}) for p in parts]) for c in ("wait_s", "talk_s")},
            naive=np.concatenate([p.naive if p.naive is not None else np.zeros(len(p.frame), bool) for p in parts]),
            unknown_words=unknown or None,
        )
    return LogRows(raws, parsed, file_of_row, row_in_file, names, label, parts)


def log_format(rows: LogRows) -> pd.DataFrame:
    """The input-format table of a log (one file or several; items :data:`INPUT_FORMAT_ITEMS`,
    then any further items the files' parsing gave, such as an interval export's length)."""
    formats = []
    for r, p in zip(rows.raws, rows.parts, strict=True):
        formats.append(file_format(r, p) | p.info)
    table = combine_formats(rows.label, formats, rows.names, summed_forms(rows.parts, rows.raws))
    extra = list(dict.fromkeys(k for p in rows.parts for k in p.info))
    values = []
    for item in extra:
        found = [f.get(item, "") for f in formats]
        same = len(set(found)) == 1
        values.append(found[0] if same else "; ".join(f"{n}: {v}" for n, v in zip(rows.names, found, strict=True)))
    return pd.concat([table, pd.DataFrame({"item": extra, "value": values})], ignore_index=True)


def file_ranges(rows: LogRows, time_column: str = "arrived_at", minutes: str | None = None) -> pd.DataFrame:
    """Per file: its short name, rows read, and the first and last time of its valid rows
    (``time_column``; with ``minutes``, the last plus that column's minutes: an interval's end).
    Vectorised: pandas' grouped min and max on the timestamps (never a Python object per row)."""
    valid = ~rows.parsed.invalid
    t = rows.parsed.frame[time_column]
    end = t if minutes is None else t + pd.to_timedelta(rows.parsed.frame[minutes], unit="min")
    groups = rows.file_of_row[valid]
    every = pd.RangeIndex(len(rows.names))
    first = t[valid].groupby(groups).min().reindex(every)
    last = end[valid].groupby(groups).max().reindex(every)
    out = pd.DataFrame({"file": rows.names, "rows": np.bincount(rows.file_of_row, minlength=len(rows.names))})
    return out.assign(first=first.array, last=last.array)


def _rejected_frame(rows: LogRows) -> pd.DataFrame:
    """Invalid rows with their original values as text, 1-based row number (and file, for
    several files) and reason. A record with a wrong number of fields holds the fields it has,
    by position (the others missing)."""
    invalid = np.flatnonzero(rows.parsed.invalid)
    frames = []
    for i, raw in enumerate(rows.raws):
        mine = invalid[rows.file_of_row[invalid] == i]
        part = raw.frame.iloc[rows.row_in_file[mine] - 1].astype("str").reset_index(drop=True)
        part.insert(0, "row_number", rows.row_in_file[mine])
        if rows.several:
            part.insert(0, "file", rows.names[i])
        frames.append(part)
    out = pd.concat(frames, ignore_index=True)
    out["reason"] = pd.array(reasons(rows.parsed.problems, invalid), dtype="str")
    return out


def id_conflicts(call_id: pd.Series) -> np.ndarray:
    """Kept rows whose call_id another kept row shares. Exact duplicates are gone by then, so
    such rows differ in some other column: the contract's id conflicts, kept and flagged.
    Judged on the kept rows, so a row whose only partner a cleaning rule removed, or
    quarantined, is not a conflict."""
    return call_id.duplicated(keep=False).to_numpy()


def _by_queue(valid: pd.DataFrame, removed: dict[str, np.ndarray], kept: np.ndarray) -> pd.DataFrame:
    """Rows per queue at each step (valid rows only): columns :func:`by_queue_columns`."""
    queue = valid["queue"].to_numpy()
    steps = {"valid_rows": np.ones(len(valid), bool), **removed, "kept": kept}
    rows = [{"queue": q, **{k: int((v & (queue == q)).sum()) for k, v in steps.items()}} for q in QUEUES]
    return pd.DataFrame(rows, columns=list(by_queue_columns()))


def _long_waits(o: _Outcome, thresholds: Thresholds) -> pd.DataFrame:
    """Calls the outlier rule removed for waiting longer than the threshold, per district and queue."""
    mask = o.removed.get("outlier", np.zeros(len(o.valid), dtype=bool)) & (
        o.valid["wait_s"].to_numpy(dtype=float) > thresholds.outlier_threshold_s
    )
    rows = o.valid.loc[mask, ["district", "queue"]]
    return rows.groupby(["district", "queue"], sort=True).size().rename("calls").reset_index()[list(LONG_WAIT_COLUMNS)]


@dataclass
class _Outcome:
    """What the cleaning did to each valid row: the valid rows' positions among all rows, the
    rule masks and the kept and id-conflict masks over the valid rows."""

    valid_rows: np.ndarray
    valid: pd.DataFrame
    removed: dict[str, np.ndarray]
    kept: np.ndarray
    conflict: np.ndarray


def _apply_rules(parsed: ParsedLog, thresholds: Thresholds) -> _Outcome:
    invalid = parsed.invalid
    valid = parsed.frame.loc[~invalid].reset_index(drop=True) if invalid.any() else parsed.frame
    removed = removed_by(valid, thresholds)
    kept = ~np.logical_or.reduce([np.zeros(len(valid), dtype=bool), *removed.values()])
    conflict = np.zeros(len(valid), dtype=bool)
    conflict[kept] = id_conflicts(valid.loc[kept, "call_id"])
    return _Outcome(np.flatnonzero(~invalid), valid, removed, kept, conflict)


def _counts(outcome: _Outcome, rows_read: int, quarantined: int, in_scope: np.ndarray) -> dict[str, int]:
    return {
        "rows_read": rows_read,
        **{name: int(m.sum()) for name, m in outcome.removed.items()},
        "quarantined": quarantined,
        "kept": int(outcome.kept.sum()),
        "id_conflict": int((outcome.conflict & outcome.kept).sum()),
        "out_of_scope": int((outcome.kept & ~in_scope).sum()),
    }


def clean_frame(
    parsed: ParsedLog, rows_read: int, thresholds: Thresholds, excluded_districts: tuple[str, ...] | list[str]
) -> tuple[pd.DataFrame, dict[str, int], pd.DataFrame, pd.DataFrame]:
    """Apply the cleaning rules to the valid rows of ``parsed``: (clean frame, counts, by-queue
    table, id conflicts). ``counts`` holds every item of the cleaning report. The last lists
    the kept rows sharing a call_id by their 1-based row number in the file, with the
    call_id, grouped (for the analyst; not an output)."""
    clean, counts, by_queue, conflicts, _, _ = _clean_rows(parsed, rows_read, thresholds, excluded_districts)
    return clean, counts, by_queue, conflicts


def _clean_rows(
    parsed: ParsedLog,
    rows_read: int,
    thresholds: Thresholds,
    excluded_districts: tuple[str, ...] | list[str],
    rows: LogRows | None = None,
) -> tuple[pd.DataFrame, dict[str, int], pd.DataFrame, pd.DataFrame, list[dict[str, int]], pd.DataFrame]:
    """:func:`clean_frame`, and with ``rows`` (several files) the counts of each file, and the
    id conflicts with their file; last the calls removed for long waits (:func:`_long_waits`)."""
    o = _apply_rules(parsed, thresholds)
    in_scope = ~o.valid["district"].isin(list(excluded_districts)).to_numpy()
    clean = o.valid.loc[o.kept].reset_index(drop=True)
    clean["in_scope"] = in_scope[o.kept]
    clean["id_conflict"] = o.conflict[o.kept]
    invalid = parsed.invalid
    if rows is not None and rows.several:
        file_rows = rows.row_in_file[o.valid_rows]
        table = {"file": np.array(rows.names, dtype=object)[rows.file_of_row[o.valid_rows][o.conflict]]}
        keys = ["call_id", "file", "row_number"]
    else:
        file_rows = o.valid_rows + 1
        table = {}
        keys = ["call_id", "row_number"]
    table |= {"row_number": file_rows[o.conflict], "call_id": o.valid.loc[o.conflict, "call_id"].to_numpy()}
    conflicts = pd.DataFrame(table)
    if len(conflicts):
        order = {n: i for i, n in enumerate(rows.names)} if rows is not None else {}
        sort = conflicts.assign(_f=conflicts["file"].map(order)) if "file" in conflicts else conflicts
        sort_keys = ["call_id", "_f", "row_number"] if "file" in conflicts else keys
        conflicts = conflicts.loc[sort.sort_values(sort_keys, kind="stable").index].reset_index(drop=True)
    counts = _counts(o, rows_read, int(invalid.sum()), in_scope)
    per_file: list[dict[str, int]] = []
    if rows is not None and rows.several:
        valid_file = rows.file_of_row[o.valid_rows]
        for i in range(len(rows.raws)):
            mine = valid_file == i
            sub = _Outcome(
                o.valid_rows[mine], o.valid, {k: m[mine] for k, m in o.removed.items()}, o.kept[mine], o.conflict[mine]
            )
            per_file.append(
                _counts(
                    sub,
                    int((rows.file_of_row == i).sum()),
                    int((invalid & (rows.file_of_row == i)).sum()),
                    in_scope[mine],
                )
            )
    long = _long_waits(o, thresholds)
    return clean[list(CLEAN_COLUMNS)], counts, _by_queue(o.valid, o.removed, o.kept), conflicts, per_file, long


def with_file_columns(report: pd.DataFrame, names: list[str], per_file: list[dict[str, int]]) -> pd.DataFrame:
    """The cleaning report with one column per file (the file's short name) beside ``count``:
    every item for that file's rows (an id conflict or a duplicate across files is counted in
    the file of the row flagged or removed)."""
    out = report.copy()
    for name, counts in zip(names, per_file, strict=True):
        out[name] = [int(counts[i]) for i in out["item"]]
    return out


def check_identity_per_file(report: pd.DataFrame, label: str) -> None:
    """:func:`lib.calllog.rules.check_identity` for the log and for each file column."""
    check_identity(report, f"call log {label}")
    for column in report.columns[2:]:
        if column == "note":
            continue
        check_identity(report[["item", column]].rename(columns={column: "count"}), f"call log {label}, file {column}")


def clean_call_log(
    raw_path: str | Path | Sequence[str | Path],
    processed_dir: str | Path = "data/processed",
    outputs_dir: str | Path = "outputs",
    on_invalid: str = "error",
    *,
    year: int,
    outlier_threshold_s: float,
    excluded_districts: tuple[str, ...] | list[str],
    write: bool = True,
    columns: str | Path | None = None,
) -> CleaningResult:
    """Read, validate and clean a call log; write the cleaned log and the cleaning report.

    ``raw_path``: a file, a folder or a glob (:func:`lib.calllog.files.resolve_raw`): several
    files are read as one log. ``columns``: a mapping file (:mod:`lib.calllog.mapping`);
    ``None``: each file's own mapping file beside it, else the contract's names and the
    built-in aliases. Interval statistics (recognised from their columns) are cleaned by
    :func:`lib.calllog.intervals.clean_intervals` and return with ``kind = "intervals"``.
    ``year``: the analysed year (``arrived_at`` must fall in it, local time);
    ``outlier_threshold_s``: seconds of talk or access time above which a call is an
    outlier; ``excluded_districts``: districts kept but marked out of scope (the
    assumptions ``data_year``, ``outlier_threshold_s`` and ``excluded_districts``).
    Relative paths are taken from the project root. Returns a :class:`CleaningResult`;
    raises :class:`CallLogError` (a ValueError) for an unusable file,
    :class:`UnknownOutcomeError` for outcome words nobody has given a meaning,
    :class:`InvalidRowsError` for invalid rows when ``on_invalid="error"``, and
    :class:`NoRowsLeftError` when no row is kept in a modelled district (after writing the
    quarantined rows). A ``processed_dir`` equal to or inside ``outputs_dir`` is a
    ValueError before anything is read.
    """
    if on_invalid not in ON_INVALID:
        raise ValueError(f"on_invalid must be one of {ON_INVALID}, not {on_invalid!r}")
    check_dirs(processed_dir, outputs_dir)
    raws, label = read_logs(raw_path, columns)
    if raws[0].log_kind == INTERVALS:
        from lib.calllog.intervals import clean_intervals

        return clean_intervals(
            raws,
            label,
            processed_dir,
            outputs_dir,
            on_invalid,
            year=year,
            excluded_districts=excluded_districts,
            write=write,
        )
    rows = parse_logs(raws, label, year)
    return clean_rows(
        rows,
        processed_dir,
        outputs_dir,
        on_invalid,
        outlier_threshold_s=outlier_threshold_s,
        excluded_districts=excluded_districts,
        write=write,
    )


def clean_rows(
    rows: LogRows,
    processed_dir: str | Path = "data/processed",
    outputs_dir: str | Path = "outputs",
    on_invalid: str = "error",
    *,
    outlier_threshold_s: float,
    excluded_districts: tuple[str, ...] | list[str],
    write: bool = True,
) -> CleaningResult:
    """The cleaning of :func:`clean_call_log` from a call log already read and parsed
    (:func:`read_logs`, :func:`parse_logs`); the same result, errors and files written."""
    label, raws, parsed = rows.label, rows.raws, rows.parsed
    thresholds = Thresholds(outlier_threshold_s=float(outlier_threshold_s))
    summary = rows.summary()
    if len(summary) and on_invalid == "error":
        raise InvalidRowsError(invalid_rows_message(label, raws[0].row_note, summary))

    clean, counts, by_queue, conflicts, per_file, long_waits = _clean_rows(
        parsed, rows.rows_read, thresholds, tuple(excluded_districts), rows
    )
    report = cleaning_report(counts)
    if rows.several:
        report = with_file_columns(report, rows.names, per_file)
    check_identity_per_file(report, label)

    result = CleaningResult(
        clean=clean,
        report=report,
        by_queue=by_queue,
        invalid=summary,
        input_format=log_format(rows),
        encoding=raws[0].encoding,
        kind=CALLS,
        files=[r.path for r in raws],
        file_ranges=file_ranges(rows),
        long_waits=long_waits,
    )
    rejected = _rejected_frame(rows) if write and on_invalid == "quarantine" else None
    rejected_shown = write_rejected(result, processed_dir, rejected, write)
    # Nothing left to model is an error here, naming the cause, not a NaN three notebooks on.
    message = no_rows_left_message(label, report, summary, clean, tuple(excluded_districts), rejected_shown)
    if message is not None:
        if write:  # the folder now describes this run: no cleaned log of an earlier one beside it
            for stale in (*CLEAN_FILES.values(), "id_conflicts.parquet"):
                discard(resolve(processed_dir) / stale)
        raise NoRowsLeftError(message)
    if write:
        processed = resolve(processed_dir)
        # The contract asks for the id conflicts to be listed; call ids are personal data, so
        # the list stays with the processed data, and the outputs carry only its count.
        conflicts_path = processed / "id_conflicts.parquet"
        conflicts.to_parquet(claim(conflicts_path), index=False)
        result.written["id_conflicts"] = conflicts_path
        result.written.update(write_clean(clean, CALLS, processed_dir))
        result.written.update(write_tables(result, outputs_dir))
    return result


def write_rejected(
    result: CleaningResult, processed_dir: str | Path, rejected: pd.DataFrame | None, write: bool
) -> str | None:
    """Quarantine mode (``rejected`` given): write it to ``{processed_dir}/rejected_rows.parquet``
    and return the path as shown; error mode: remove a stale one. Nothing when not ``write``."""
    if not write:
        return None
    processed = resolve(processed_dir)
    processed.mkdir(parents=True, exist_ok=True)
    path = processed / "rejected_rows.parquet"
    if rejected is not None:
        rejected.to_parquet(claim(path), index=False)
        result.written["rejected_rows"] = path
        return _where(path)
    discard(path)  # a stale file from an earlier quarantine run would mislead
    return None


def write_clean(clean: pd.DataFrame, kind: str, processed_dir: str | Path) -> dict[str, Path]:
    """Write the cleaned log of ``kind`` to ``{processed_dir}``, removing the other kind's
    file, so the folder never holds two logs; name -> path written."""
    processed = resolve(processed_dir)
    processed.mkdir(parents=True, exist_ok=True)
    for other, name in CLEAN_FILES.items():
        if other != kind:
            discard(processed / name)
    if kind != CALLS:
        discard(processed / "id_conflicts.parquet")
    path = processed / CLEAN_FILES[kind]
    clean.to_parquet(claim(path), index=False)
    return {"calls_clean" if kind == CALLS else "intervals_clean": path}


def write_tables(result: CleaningResult, outputs_dir: str | Path) -> dict[str, Path]:
    """Write the cleaning report and the input-format table under ``{outputs_dir}/tables``."""
    report_path = tables_dir(outputs_dir) / "cleaning_report.csv"
    result.report.to_csv(claim(report_path), index=False)
    format_path = tables_dir(outputs_dir) / "input_format.csv"
    result.input_format.to_csv(claim(format_path), index=False)
    long_path = output_tables.write("long_waits", result.long_waits, outputs_dir)
    return {"cleaning_report": report_path, "input_format": format_path, "long_waits": long_path}


def read_clean(processed_dir: str | Path = "data/processed", columns: list[str] | None = None) -> pd.DataFrame:
    """The cleaned log notebook 01 wrote into ``processed_dir``: the call log
    (``calls_clean.parquet``; only ``columns`` when given) or, for interval input, the
    interval table (``intervals_clean.parquet``, all its columns). Downstream functions
    (:mod:`lib.traffic.arrivals`, :mod:`lib.valuation.economics`, :mod:`lib.traffic.patience`, ...) take either."""
    folder = resolve(processed_dir)
    for kind, name in CLEAN_FILES.items():
        path = folder / name
        if path.is_file():
            return pd.read_parquet(path, columns=columns if kind == CALLS else None)
    raise FileNotFoundError(f"neither {' nor '.join(CLEAN_FILES.values())} in {processed_dir}: run notebook 01 first")
