"""Clean the 2023 call log as report appendix B does, with every row accounted for.

Steps of :func:`clean_call_log`:

1. read the file (:mod:`lib.calllog_read`: CSV, gzip CSV or Parquet);
2. validate every row against the contract (:mod:`lib.calllog_validate`). Invalid rows are
   never dropped silently: ``on_invalid="error"`` stops with :class:`InvalidRowsError`
   (file, every broken rule, its row count and first row numbers; never row contents);
   ``on_invalid="quarantine"`` writes them, as the original text plus ``row_number`` and
   ``reason``, to ``{processed_dir}/rejected_rows.parquet`` and counts them;
3. clean the valid rows by the rules of appendix B, in order, each counted:
   ``duplicate`` (identical in every parsed column to an earlier row), ``zero_total``
   (wait_s + talk_s == 0 s), ``outlier`` (talk_s or wait_s above 1 800 s, App. B's 30
   minutes). Rows sharing a call_id but differing elsewhere are not duplicates: they are
   kept and flagged ``id_conflict``;
4. mark the excluded districts (Trøndelag, App. B) ``in_scope = False`` (kept);
5. check the accounting identity rows_read = kept + duplicate + zero_total + outlier +
   quarantined, and write ``{processed_dir}/calls_clean.parquet`` and
   ``{outputs_dir}/tables/cleaning_report.csv``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from lib import assumptions
from lib.calllog_read import COLUMNS, CallLogError, RawLog, read_call_log
from lib.calllog_validate import ParsedLog, invalid_summary, parse_call_log, reasons
from lib.districts import QUEUES
from lib.paths import resolve, tables_dir

#: Items of the cleaning report, in order.
REPORT_ITEMS = ("rows_read", "duplicate", "zero_total", "outlier", "quarantined", "kept",
                "id_conflict", "out_of_scope")
#: Columns of the cleaned log (interface 2).
CLEAN_COLUMNS = COLUMNS + ("in_scope", "id_conflict")
ON_INVALID = ("error", "quarantine")


class InvalidRowsError(CallLogError):
    """Rows break the contract and ``on_invalid="error"``; the message lists every rule."""


class AccountingError(CallLogError):
    """The cleaning report's terms do not add up to the rows read."""


@dataclass
class CleaningResult:
    """What :func:`clean_call_log` produced.

    ``clean``: the kept rows (interface 2 columns). ``report``: DataFrame ``item, count``
    in :data:`REPORT_ITEMS` order. ``by_queue``: the same steps per queue (valid rows
    only). ``invalid``: one line per broken rule (``rule, rows, first_rows``).
    ``written``: name -> path of every file written.
    """

    clean: pd.DataFrame
    report: pd.DataFrame
    by_queue: pd.DataFrame
    invalid: pd.DataFrame
    written: dict[str, Path] = field(default_factory=dict)

    def count(self, item: str) -> int:
        """One item of the cleaning report."""
        return int(self.report.set_index("item").loc[item, "count"])


def invalid_rows_message(raw: RawLog, summary: pd.DataFrame) -> str:
    """The error text for invalid rows: file, each rule with its count and first row numbers."""
    lines = "\n".join(f"  - {r.rule}: {r.rows} row(s), first at row(s) {r.first_rows}"
                       for r in summary.itertuples())
    return (f"call log {raw.name}: {len(summary)} contract rule(s) broken; {raw.row_note}:\n{lines}\n"
            f"Correct the export, or run with on_invalid=\"quarantine\" to set these rows aside "
            f"in rejected_rows.parquet and count them.")


def _rejected_frame(raw: RawLog, parsed: ParsedLog) -> pd.DataFrame:
    """Invalid rows with their original values as text, 1-based row number and reason."""
    rows = np.flatnonzero(parsed.invalid)
    out = raw.frame.iloc[rows].astype("str").reset_index(drop=True)
    out.insert(0, "row_number", rows + 1)
    out["reason"] = pd.array(reasons(parsed.problems, rows), dtype="str")
    return out


def remove_duplicates(df: pd.DataFrame) -> np.ndarray:
    """Duplicate mask over ``df`` (parsed, valid rows): rows identical in every contract
    column to an earlier row. Only rows whose call_id repeats can be duplicates, so the
    full-row comparison runs on those alone."""
    dup = np.zeros(len(df), dtype=bool)
    shared = df["call_id"].duplicated(keep=False).to_numpy()
    if shared.any():
        sub = df.loc[shared, list(COLUMNS)]
        dup[shared] = sub.duplicated(keep="first").to_numpy()
    return dup


def id_conflicts(call_id: pd.Series) -> np.ndarray:
    """Kept rows whose call_id another kept row shares. Exact duplicates are gone by then, so
    such rows differ in some other column: the contract's id conflicts, kept and flagged.
    Judged on the kept rows, so a row whose only partner a cleaning rule removed, or
    quarantined, is not a conflict."""
    return call_id.duplicated(keep=False).to_numpy()


def cleaning_steps(df: pd.DataFrame, outlier_talk_s: float, outlier_wait_s: float) -> dict[str, np.ndarray]:
    """Masks of the rows each appendix-B rule removes, applied in order, plus ``id_conflict``
    (kept rows sharing a call_id, see :func:`id_conflicts`).

    Each row is removed by the first rule it meets: ``duplicate``, then ``zero_total``
    (wait_s + talk_s == 0 s), then ``outlier`` (talk_s > ``outlier_talk_s`` or wait_s >
    ``outlier_wait_s``, seconds).
    """
    dup = remove_duplicates(df)
    wait, talk = df["wait_s"].to_numpy(), df["talk_s"].to_numpy()
    zero = ~dup & (wait + talk == 0)
    outlier = ~dup & ~zero & ((talk > outlier_talk_s) | (wait > outlier_wait_s))
    kept = ~(dup | zero | outlier)
    conflict = np.zeros(len(df), dtype=bool)
    conflict[kept] = id_conflicts(df.loc[kept, "call_id"])
    return {"duplicate": dup, "zero_total": zero, "outlier": outlier, "id_conflict": conflict}


def cleaning_report(counts: dict[str, int]) -> pd.DataFrame:
    """The report DataFrame ``item, count`` in :data:`REPORT_ITEMS` order."""
    return pd.DataFrame({"item": list(REPORT_ITEMS), "count": [int(counts[i]) for i in REPORT_ITEMS]})


def check_identity(report: pd.DataFrame, source: str = "call log") -> None:
    """Raise :class:`AccountingError` unless rows_read = kept + duplicate + zero_total +
    outlier + quarantined."""
    c = report.set_index("item")["count"]
    removed = c["kept"] + c["duplicate"] + c["zero_total"] + c["outlier"] + c["quarantined"]
    if c["rows_read"] != removed:
        raise AccountingError(
            f"{source}: accounting identity fails: rows_read {c['rows_read']} != kept {c['kept']} + "
            f"duplicate {c['duplicate']} + zero_total {c['zero_total']} + outlier {c['outlier']} + "
            f"quarantined {c['quarantined']} = {removed}")


def _by_queue(df: pd.DataFrame, steps: dict[str, np.ndarray], kept: np.ndarray) -> pd.DataFrame:
    """Rows per queue at each step (valid rows only)."""
    queue = df["queue"].to_numpy()
    cols = {"valid_rows": np.ones(len(df), bool), "duplicate": steps["duplicate"],
            "zero_total": steps["zero_total"], "outlier": steps["outlier"], "kept": kept}
    rows = []
    for q in QUEUES:
        in_q = queue == q
        rows.append({"queue": q, **{k: int((v & in_q).sum()) for k, v in cols.items()}})
    return pd.DataFrame(rows)


def clean_frame(parsed: ParsedLog, rows_read: int, outlier_talk_s: float, outlier_wait_s: float,
                excluded_districts: tuple[str, ...] | list[str]
                ) -> tuple[pd.DataFrame, dict[str, int], pd.DataFrame, pd.DataFrame]:
    """Apply the cleaning rules to the valid rows of ``parsed``: (clean frame, counts, by-queue
    table, id conflicts). The last lists the kept rows sharing a call_id by their 1-based
    row number in the file, with the call_id, grouped (for the analyst; not an output)."""
    invalid = parsed.invalid
    valid = parsed.frame.loc[~invalid].reset_index(drop=True) if invalid.any() else parsed.frame
    steps = cleaning_steps(valid, outlier_talk_s, outlier_wait_s)
    kept = ~(steps["duplicate"] | steps["zero_total"] | steps["outlier"])
    clean = valid.loc[kept].reset_index(drop=True)
    file_rows = np.flatnonzero(~invalid) + 1
    flagged = steps["id_conflict"]
    conflicts = pd.DataFrame({"row_number": file_rows[flagged], "call_id": valid.loc[flagged, "call_id"].to_numpy()}
                             ).sort_values(["call_id", "row_number"], kind="stable").reset_index(drop=True)
    clean["in_scope"] = ~clean["district"].isin(list(excluded_districts)).to_numpy()
    clean["id_conflict"] = steps["id_conflict"][kept]
    counts = {
        "rows_read": rows_read,
        "duplicate": int(steps["duplicate"].sum()),
        "zero_total": int(steps["zero_total"].sum()),
        "outlier": int(steps["outlier"].sum()),
        "quarantined": int(invalid.sum()),
        "kept": len(clean),
        "id_conflict": int(clean["id_conflict"].sum()),
        "out_of_scope": int((~clean["in_scope"]).sum()),
    }
    return clean[list(CLEAN_COLUMNS)], counts, _by_queue(valid, steps, kept), conflicts


def clean_call_log(raw_path: str | Path, processed_dir: str | Path = "data/processed",
                   outputs_dir: str | Path = "outputs", on_invalid: str = "error", year: int | None = None,
                   outlier_talk_s: float | None = None, outlier_wait_s: float | None = None,
                   excluded_districts: tuple[str, ...] | list[str] | None = None,
                   write: bool = True) -> CleaningResult:
    """Read, validate and clean a call log; write the cleaned log and the cleaning report.

    ``year`` (default ``data_year``, 2023), the outlier thresholds in seconds (default
    ``outlier_threshold_s``, 1 800 s) and ``excluded_districts`` (default Trøndelag) come
    from :mod:`lib.assumptions` when ``None``. Relative paths are taken from the project
    root. Returns a :class:`CleaningResult`; raises :class:`CallLogError` (a ValueError)
    for an unusable file and :class:`InvalidRowsError` for invalid rows when
    ``on_invalid="error"``.
    """
    if on_invalid not in ON_INVALID:
        raise ValueError(f"on_invalid must be one of {ON_INVALID}, not {on_invalid!r}")
    year = assumptions.value("data_year") if year is None else int(year)
    threshold = assumptions.value("outlier_threshold_s")
    outlier_talk_s = threshold if outlier_talk_s is None else float(outlier_talk_s)
    outlier_wait_s = threshold if outlier_wait_s is None else float(outlier_wait_s)
    excluded = assumptions.value("excluded_districts") if excluded_districts is None else tuple(excluded_districts)

    raw = read_call_log(raw_path)
    parsed = parse_call_log(raw.frame, year=year, decimal_comma=raw.delimiter == ";")
    summary = invalid_summary(parsed.problems)
    if len(summary) and on_invalid == "error":
        raise InvalidRowsError(invalid_rows_message(raw, summary))

    clean, counts, by_queue, conflicts = clean_frame(parsed, len(raw.frame), outlier_talk_s, outlier_wait_s,
                                                     excluded)
    report = cleaning_report(counts)
    check_identity(report, f"call log {raw.name}")

    result = CleaningResult(clean=clean, report=report, by_queue=by_queue, invalid=summary)
    if write:
        processed = resolve(processed_dir)
        processed.mkdir(parents=True, exist_ok=True)
        rejected_path = processed / "rejected_rows.parquet"
        if on_invalid == "quarantine":
            _rejected_frame(raw, parsed).to_parquet(rejected_path, index=False)
            result.written["rejected_rows"] = rejected_path
        elif rejected_path.exists():
            rejected_path.unlink()  # a stale file from an earlier quarantine run would mislead
        # The contract asks for the id conflicts to be listed; call ids are personal data, so
        # the list stays with the processed data, and the outputs carry only its count.
        conflicts_path = processed / "id_conflicts.parquet"
        conflicts.to_parquet(conflicts_path, index=False)
        result.written["id_conflicts"] = conflicts_path
        clean_path = processed / "calls_clean.parquet"
        clean.to_parquet(clean_path, index=False)
        report_path = tables_dir(outputs_dir) / "cleaning_report.csv"
        report.to_csv(report_path, index=False)
        result.written.update(calls_clean=clean_path, cleaning_report=report_path)
    return result

