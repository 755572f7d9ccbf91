"""Clean the call log as report appendix B does, with every row accounted for.

Steps of :func:`clean_call_log`:

1. read the file (:mod:`lib.calllog.read`: CSV in UTF-8 or Windows-1252 with a comma,
   semicolon or tab, gzip CSV, or Parquet);
2. validate every row against the contract (:mod:`lib.calllog.validate`), records with a
   wrong number of fields and blank lines included. Invalid rows are never dropped
   silently: ``on_invalid="error"`` stops with :class:`InvalidRowsError` (file, every
   broken rule, its row count and first row numbers, what to do; never row contents);
   ``on_invalid="quarantine"`` writes them, as the original text plus ``row_number`` and
   ``reason``, to ``{processed_dir}/rejected_rows.parquet`` and counts them;
3. clean the valid rows by the rules of appendix B (:data:`lib.calllog.rules.RULES`, in
   order: ``duplicate``, ``zero_total``, ``outlier``), each counted. Rows sharing a
   call_id but differing elsewhere are not duplicates: they are kept and flagged
   ``id_conflict``;
4. mark the excluded districts (Trøndelag, App. B) ``in_scope = False`` (kept);
5. check the accounting identity rows_read = kept + one count per rule + quarantined;
6. stop with :class:`NoRowsLeftError` when no row is kept, or no kept row lies in a modelled
   district (all districts but the excluded ones): the message names the file and counts the
   rows read, quarantined (with the most frequent reasons) and removed by each rule; the
   quarantined rows are written first, so the analyst can look at them;
7. write ``{processed_dir}/calls_clean.parquet``, ``{outputs_dir}/tables/cleaning_report.csv``
   and ``{outputs_dir}/tables/input_format.csv`` (how the file was read: format, encoding,
   separator, decimal mark, timestamp forms with their row counts; no call-level value).

Call-level files never go into an outputs folder: a ``processed_dir`` equal to or inside
``outputs_dir`` is refused before anything is read or written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from lib.calllog.read import CONTRACT_COLUMNS, CallLogError, RawLog, read_call_log
from lib.calllog.rules import (
    Thresholds,
    by_queue_columns,
    check_identity,
    cleaning_report,
    removed_by,
    rule_names,
)
from lib.calllog.validate import ParsedLog, invalid_summary, parse_call_log, reasons, rule_hint
from lib.core import output_tables
from lib.core.districts import QUEUES
from lib.core.manifest import claim
from lib.core.paths import PROJ_ROOT, resolve

#: Columns of the cleaned log (interface 2).
CLEAN_COLUMNS: tuple[str, ...] = (*CONTRACT_COLUMNS, "in_scope", "id_conflict")
ON_INVALID = ("error", "quarantine")


#: Broken rules named in the message of :class:`NoRowsLeftError` (the most frequent first).
REASONS_SHOWN = 3
#: Items of ``tables/input_format.csv``, in order.
INPUT_FORMAT_ITEMS: tuple[str, ...] = (
    "file",
    "format",
    "encoding",
    "separator",
    "decimal_mark",
    "timestamp_forms",
    "blank_lines_ignored_at_end",
)


class InvalidRowsError(CallLogError):
    """Rows break the contract and ``on_invalid="error"``; the message lists every rule."""


class NoRowsLeftError(CallLogError):
    """No row is left for the model: none kept, or none kept in a modelled district. The
    message counts where the rows went (read, quarantined and why, removed by each rule)."""


@dataclass
class CleaningResult:
    """What :func:`clean_call_log` produced.

    ``clean``: the kept rows (interface 2 columns). ``report``: DataFrame ``item, count``
    in :func:`lib.calllog.rules.report_items` order. ``by_queue``: the same steps per queue
    (valid rows only). ``invalid``: one line per broken rule (``rule, rows, first_rows``).
    ``written``: name -> path of every file written. ``input_format``: how the file was read
    (``item, value``, items :data:`INPUT_FORMAT_ITEMS`); ``encoding``: the CSV's encoding
    (``UTF-8``, ``UTF-8 with byte-order mark``, ``Windows-1252``; ``None`` for Parquet).
    """

    clean: pd.DataFrame
    report: pd.DataFrame
    by_queue: pd.DataFrame
    invalid: pd.DataFrame
    written: dict[str, Path] = field(default_factory=dict)
    input_format: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["item", "value"]))
    encoding: str | None = None

    def count(self, item: str) -> int:
        """One item of the cleaning report."""
        return int(self.report.set_index("item").loc[item, "count"])


def invalid_rows_message(raw: RawLog, summary: pd.DataFrame) -> str:
    """The error text for invalid rows: file, each rule with its count and first row numbers,
    and under a rule that has one, what to do about it (forms and causes, never values)."""

    def line(rule: str, rows: int, first: str) -> str:
        hint = rule_hint(rule)
        return f"  - {rule}: {rows} row(s), first at row(s) {first}" + (f"\n      {hint}" if hint else "")

    lines = "\n".join(line(r.rule, r.rows, r.first_rows) for r in summary.itertuples())
    return (
        f"call log {raw.name}: {len(summary)} contract rule(s) broken; {raw.row_note}:\n{lines}\n"
        f'Correct the export, or run with on_invalid="quarantine" to set these rows aside '
        f"in rejected_rows.parquet and count them."
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
        top = summary.sort_values("rows", ascending=False, kind="stable")
        reasons_text = "; ".join(f"{r.rule}: {_fmt(int(r.rows))}" for r in top.head(REASONS_SHOWN).itertuples())
        more = f"; and {len(top) - REASONS_SHOWN} more rule(s)" if len(top) > REASONS_SHOWN else ""
        q_line += f" (most frequent broken rules, rows breaking each: {reasons_text}{more})"
    lines.append(q_line)
    lines.append("  removed by the cleaning rules: " + ", ".join(f"{r} {_fmt(int(c[r]))}" for r in rule_names()))
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


def input_format(raw: RawLog, parsed: ParsedLog) -> pd.DataFrame:
    """How the file was read, as ``item, value`` (items :data:`INPUT_FORMAT_ITEMS`): the file
    as shown, its format, encoding, separator and decimal mark in words, the forms of
    ``arrived_at`` found with their row counts, and the empty lines ignored at its end.
    Counts and forms only, never a value of the file."""
    na = "not applicable (Parquet)"
    forms = "; ".join(f"{form}: {n} row(s)" for form, n in parsed.timestamp_forms.items()) or "none"
    if raw.ignored_timezone:
        forms += f" (the file's pandas metadata names {raw.ignored_timezone}; not applied: naive times are local)"
    values = {
        "file": raw.name,
        "format": raw.format,
        "encoding": raw.encoding or na,
        "separator": raw.separator or na,
        "decimal_mark": parsed.decimal_mark,
        "timestamp_forms": forms,
        "blank_lines_ignored_at_end": na if raw.kind == "parquet" else str(raw.trailing_blank_lines),
    }
    return pd.DataFrame({"item": list(INPUT_FORMAT_ITEMS), "value": [values[i] for i in INPUT_FORMAT_ITEMS]})


def _rejected_frame(raw: RawLog, parsed: ParsedLog) -> pd.DataFrame:
    """Invalid rows with their original values as text, 1-based row number and reason. A record
    with a wrong number of fields holds the fields it has, by position (the others missing)."""
    rows = np.flatnonzero(parsed.invalid)
    out = raw.frame.iloc[rows].astype("str").reset_index(drop=True)
    out.insert(0, "row_number", rows + 1)
    out["reason"] = pd.array(reasons(parsed.problems, rows), dtype="str")
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


def clean_frame(
    parsed: ParsedLog, rows_read: int, thresholds: Thresholds, excluded_districts: tuple[str, ...] | list[str]
) -> tuple[pd.DataFrame, dict[str, int], pd.DataFrame, pd.DataFrame]:
    """Apply the cleaning rules to the valid rows of ``parsed``: (clean frame, counts, by-queue
    table, id conflicts). ``counts`` holds every item of the cleaning report. The last lists
    the kept rows sharing a call_id by their 1-based row number in the file, with the
    call_id, grouped (for the analyst; not an output)."""
    invalid = parsed.invalid
    valid = parsed.frame.loc[~invalid].reset_index(drop=True) if invalid.any() else parsed.frame
    removed = removed_by(valid, thresholds)
    kept = ~np.logical_or.reduce([np.zeros(len(valid), dtype=bool), *removed.values()])
    conflict = np.zeros(len(valid), dtype=bool)
    conflict[kept] = id_conflicts(valid.loc[kept, "call_id"])

    clean = valid.loc[kept].reset_index(drop=True)
    clean["in_scope"] = ~clean["district"].isin(list(excluded_districts)).to_numpy()
    clean["id_conflict"] = conflict[kept]
    file_rows = np.flatnonzero(~invalid) + 1
    conflicts = (
        pd.DataFrame({"row_number": file_rows[conflict], "call_id": valid.loc[conflict, "call_id"].to_numpy()})
        .sort_values(["call_id", "row_number"], kind="stable")
        .reset_index(drop=True)
    )
    counts = {
        "rows_read": rows_read,
        **{name: int(m.sum()) for name, m in removed.items()},
        "quarantined": int(invalid.sum()),
        "kept": len(clean),
        "id_conflict": int(clean["id_conflict"].sum()),
        "out_of_scope": int((~clean["in_scope"]).sum()),
    }
    return clean[list(CLEAN_COLUMNS)], counts, _by_queue(valid, removed, kept), conflicts


def clean_call_log(
    raw_path: str | Path,
    processed_dir: str | Path = "data/processed",
    outputs_dir: str | Path = "outputs",
    on_invalid: str = "error",
    *,
    year: int,
    outlier_threshold_s: float,
    excluded_districts: tuple[str, ...] | list[str],
    write: bool = True,
) -> CleaningResult:
    """Read, validate and clean a call log; write the cleaned log and the cleaning report.

    ``year``: the analysed year (``arrived_at`` must fall in it, local time);
    ``outlier_threshold_s``: seconds of talk or access time above which a call is an
    outlier; ``excluded_districts``: districts kept but marked out of scope (the
    assumptions ``data_year``, ``outlier_threshold_s`` and ``excluded_districts``).
    Relative paths are taken from the project root. Returns a :class:`CleaningResult`;
    raises :class:`CallLogError` (a ValueError) for an unusable file,
    :class:`InvalidRowsError` for invalid rows when ``on_invalid="error"``, and
    :class:`NoRowsLeftError` when no row is kept in a modelled district (after writing the
    quarantined rows). A ``processed_dir`` equal to or inside ``outputs_dir`` is a
    ValueError before anything is read.
    """
    if on_invalid not in ON_INVALID:
        raise ValueError(f"on_invalid must be one of {ON_INVALID}, not {on_invalid!r}")
    check_dirs(processed_dir, outputs_dir)
    thresholds = Thresholds(outlier_threshold_s=float(outlier_threshold_s))

    raw = read_call_log(raw_path)
    parsed = parse_call_log(
        raw.frame, year=int(year), decimal_comma=raw.delimiter in (";", "\t"), wrong_fields=raw.wrong_fields
    )
    summary = invalid_summary(parsed.problems)
    if len(summary) and on_invalid == "error":
        raise InvalidRowsError(invalid_rows_message(raw, summary))

    clean, counts, by_queue, conflicts = clean_frame(parsed, len(raw.frame), thresholds, tuple(excluded_districts))
    report = cleaning_report(counts)
    check_identity(report, f"call log {raw.name}")

    result = CleaningResult(
        clean=clean,
        report=report,
        by_queue=by_queue,
        invalid=summary,
        input_format=input_format(raw, parsed),
        encoding=raw.encoding,
    )
    rejected_shown: str | None = None
    if write:
        processed = resolve(processed_dir)
        processed.mkdir(parents=True, exist_ok=True)
        rejected_path = processed / "rejected_rows.parquet"
        if on_invalid == "quarantine":
            _rejected_frame(raw, parsed).to_parquet(claim(rejected_path), index=False)
            result.written["rejected_rows"] = rejected_path
            rejected_shown = _where(rejected_path)
        elif rejected_path.exists():
            rejected_path.unlink()  # a stale file from an earlier quarantine run would mislead
    # Nothing left to model is an error here, naming the cause, not a NaN three notebooks on.
    message = no_rows_left_message(raw.name, report, summary, clean, tuple(excluded_districts), rejected_shown)
    if message is not None:
        if write:  # the folder now describes this run: no cleaned log of an earlier one beside it
            for stale in ("calls_clean.parquet", "id_conflicts.parquet"):
                (processed / stale).unlink(missing_ok=True)
        raise NoRowsLeftError(message)
    if write:
        # The contract asks for the id conflicts to be listed; call ids are personal data, so
        # the list stays with the processed data, and the outputs carry only its count.
        conflicts_path = processed / "id_conflicts.parquet"
        conflicts.to_parquet(claim(conflicts_path), index=False)
        result.written["id_conflicts"] = conflicts_path
        clean_path = processed / "calls_clean.parquet"
        clean.to_parquet(claim(clean_path), index=False)
        report_path = output_tables.write("cleaning_report", report, outputs_dir)
        format_path = output_tables.write("input_format", result.input_format, outputs_dir)
        result.written.update(calls_clean=clean_path, cleaning_report=report_path, input_format=format_path)
    return result
