"""Check an export before anything runs: what the run would read, and every problem found.

:func:`inspect` reads the file or files a ``RAW`` argument names (a file, a folder or a glob,
:mod:`lib.calllog.files`) exactly as notebook 01 would, without writing anything and without
running the chain, and returns an :class:`Inspection`: the kind of export (call log or
interval statistics), per file its format, encoding, separator, decimal mark, rows and time
range, the columns found and from where (:mod:`lib.calllog.mapping`), the forms of its
timestamps and durations, the distinct queue, district and outcome labels with their row
counts and what each maps to, the date range, every problem with its rule and row count
(the first row numbers too), what the cleaning would keep (at the assumptions in force) and
the plausibility checks. :meth:`Inspection.to_text` prints it; :meth:`Inspection.to_frame`
is the same as a table (``section, file, item, value``).

Aggregates only: counts, forms, header names and labels, never a row, never a call id. A
label is shown only when it looks like one (no digit, at most 40 characters); any other
value is counted without being shown, since a column read as a label column may hold ids.

From the command line (the integrator's ``make inspect RAW=...`` calls this; exit status 1
when the export cannot be used as it is, 0 when it can)::

    python -m lib.calllog.inspect RAW [--columns MAPPING] [--on-invalid error|quarantine]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from lib.calllog.clean import (
    CleaningResult,
    LogRows,
    NoRowsLeftError,
    clean_rows,
    file_format,
    file_ranges,
    log_format,
    parse_logs,
    read_logs,
)
from lib.calllog.files import resolve_raw
from lib.calllog.mapping import CALLS, INTERVALS, ColumnPlan, comparable
from lib.calllog.read import CallLogError, RawLog
from lib.calllog.validate import rule_hint

#: Labels shown per column, at most (the most frequent first); the others are counted.
LABELS_SHOWN = 40
#: What a problem is called that is not a rule of a row (a file or a column that cannot be used).
FILE_PROBLEM = "file cannot be used"
UNKNOWN_WORDS = "outcome words the outcome table does not know (stop the run)"


def _fmt(n: float | int) -> str:
    return f"{int(n):,}".replace(",", " ")


def _showable(label: str) -> bool:
    """A value fit to show as a label: at most 40 characters, no digit."""
    return len(label) <= 40 and not any(c.isdigit() for c in label)


@dataclass
class Inspection:
    """What :func:`inspect` found (see the module docstring).

    ``files``: one row per file (file, format, encoding, separator, decimal_mark, rows, first,
    last). ``columns``: where each contract column was found (one line per file when they
    differ). ``forms``: timestamp and duration forms. ``labels``: ``column, label, maps_to,
    rows`` (``label`` as written; not shown ones summed as one line). ``problems``: ``file,
    rule, rows, first_rows``. ``accounting``: the cleaning report the run would write (on
    ``on_invalid="quarantine"``, so that invalid rows are counted), ``None`` when it could
    not be made. ``plausibility``: the checks on it. ``error``: a file-level problem that
    stops the run whatever ``on_invalid`` says, ``None`` if none."""

    raw: str
    label: str
    on_invalid: str
    kind: str | None = None
    files: pd.DataFrame = field(default_factory=pd.DataFrame)
    columns: list[str] = field(default_factory=list)
    forms: dict[str, str] = field(default_factory=dict)
    labels: pd.DataFrame = field(default_factory=pd.DataFrame)
    first: pd.Timestamp | None = None
    last: pd.Timestamp | None = None
    problems: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["file", "rule", "rows", "first_rows"]))
    accounting: pd.DataFrame | None = None
    plausibility: pd.DataFrame | None = None
    error: str | None = None

    @property
    def invalid_rows(self) -> int:
        rows = self.problems.loc[~self.problems["rule"].isin([FILE_PROBLEM, UNKNOWN_WORDS]), "rows"]
        return int(rows.sum()) if len(rows) else 0

    @property
    def usable(self) -> bool:
        """Whether the run would go through notebook 01: no file problem, no unknown outcome
        words, and no invalid row unless ``on_invalid="quarantine"``."""
        if self.error is not None or (self.problems["rule"] == UNKNOWN_WORDS).any():
            return False
        return self.on_invalid == "quarantine" or self.invalid_rows == 0

    @property
    def verdict(self) -> str:
        if self.error is not None:
            return f"NOT USABLE: {self.error.splitlines()[0]}"
        if (self.problems["rule"] == UNKNOWN_WORDS).any():
            return "NOT USABLE: the outcome column holds words nobody has said the meaning of (see Problems)"
        if self.invalid_rows and self.on_invalid == "error":
            return (
                f"NOT USABLE as it is: {_fmt(self.invalid_rows)} invalid row(s) stop a run with on_invalid=error; "
                "correct the export, or run with on_invalid=quarantine to set them aside"
            )
        warned = self.warnings
        warning = (
            f"{len(warned)} warning(s): {', '.join(warned)} (failed plausibility check(s): the run goes through "
            "and marks its results as uncertain)"
            if warned
            else ""
        )
        if self.invalid_rows:
            quarantined = f"{_fmt(self.invalid_rows)} invalid row(s) will be quarantined (on_invalid=quarantine)"
            return f"usable: {quarantined}" + (f"; {warning}" if warned else "")
        return f"usable, with {warning}" if warned else "usable: no problem found"

    @property
    def warnings(self) -> list[str]:
        """The plausibility checks that failed (they do not stop a run, but the verdict names them)."""
        if self.plausibility is None:
            return []
        from lib.calllog.plausibility import failed_checks

        return failed_checks(self.plausibility)

    def to_frame(self) -> pd.DataFrame:
        """The inspection as a table: ``section, file, item, value`` (text)."""
        rows: list[tuple[str, str, str, str]] = [("export", "", "kind", self._kind_text())]
        for f in self.files.itertuples(index=False):
            for item in ("format", "encoding", "separator", "decimal_mark", "rows", "first", "last"):
                rows.append(("file", str(f.file), item, _value(getattr(f, item))))
        rows += [("columns", "", str(i), c) for i, c in enumerate(self.columns, start=1)]
        rows += [("forms", "", k, v) for k, v in self.forms.items()]
        for lb in self.labels.itertuples(index=False):
            rows.append(("labels", str(lb.column), str(lb.label), f"{lb.maps_to}: {_fmt(lb.rows)} row(s)"))
        rows.append(("date_range", "", "first", _value(self.first)))
        rows.append(("date_range", "", "last", _value(self.last)))
        for pr in self.problems.itertuples(index=False):
            value = f"{_fmt(pr.rows)} row(s)" + (f", first at row(s) {pr.first_rows}" if pr.first_rows else "")
            rows.append(("problems", str(pr.file), str(pr.rule), value))
        if self.accounting is not None:
            for a in self.accounting.itertuples(index=False):
                rows.append(("accounting", "", str(a.item), _value(a.count)))
        if self.plausibility is not None:
            for c in self.plausibility.itertuples(index=False):
                rows.append(("plausibility", "", str(c.check), f"{'PASS' if c.passed else 'FAIL'}: {c.detail}"))
        rows.append(("verdict", "", "usable", str(self.usable)))
        rows.append(("verdict", "", "verdict", self.verdict))
        return pd.DataFrame(rows, columns=["section", "file", "item", "value"])

    def _kind_text(self) -> str:
        return {CALLS: "call log", INTERVALS: "interval statistics", None: "unknown"}[self.kind]

    def to_text(self) -> str:
        """The inspection as lines to print."""
        out = [f"Export {self.label}: {self._kind_text()}"]
        if len(self.files):
            out.append("Files:")
            for f in self.files.itertuples(index=False):
                span = f"{_value(f.first)} to {_value(f.last)}" if pd.notna(f.first) else "no valid row"
                how = "" if f.format == "parquet" else f", {f.encoding}, {f.separator}-separated"
                mark = "" if str(f.decimal_mark).startswith("not applicable") else f", decimal mark {f.decimal_mark}"
                out.append(f"  {f.file}: {f.format}{how}{mark}; {_fmt(f.rows)} row(s); {span}")
        if self.columns:
            out.append("Columns (contract column <- the export's column, found by):")
            out += [f"  {c}" for c in self.columns]
        if self.forms:
            out.append("Forms:")
            out += [f"  {k}: {v}" for k, v in self.forms.items()]
        if len(self.labels):
            out.append("Labels (as written -> contract value: rows):")
            for column, part in self.labels.groupby("column", sort=False):
                shown = "; ".join(f"{r.label} -> {r.maps_to}: {_fmt(r.rows)}" for r in part.itertuples(index=False))
                out.append(f"  {column}: {shown}")
        if self.first is not None:
            out.append(f"Date range (Europe/Oslo): {_value(self.first)} to {_value(self.last)}")
        out.append("Problems (rule: rows, first row numbers):" if len(self.problems) else "Problems: none found")
        for pr in self.problems.itertuples(index=False):
            where = f"{pr.file}: " if pr.file else ""
            first = f", first at row(s) {pr.first_rows}" if pr.first_rows else ""
            out.append(f"  - {where}{pr.rule}: {_fmt(pr.rows)} row(s){first}")
            hint = rule_hint(str(pr.rule))
            if hint:
                out.append(f"      {hint}")
        if self.error is not None:
            out += ["  " + line for line in self.error.splitlines()]
        if self.accounting is not None:
            out.append("What the cleaning would do (invalid rows counted as quarantined):")
            c = self.accounting.set_index("item")["count"]
            out += [f"  {item}: {_value(n)}" for item, n in c.items()]
        if self.plausibility is not None:
            from lib.calllog.plausibility import as_text

            out.append("Plausibility:")
            out += ["  " + line for line in as_text(self.plausibility).splitlines()]
        out.append(f"Verdict: {self.verdict}")
        return "\n".join(out)


def _value(x: object) -> str:
    if x is None or (not isinstance(x, str) and pd.isna(x)):
        return "-"
    if isinstance(x, pd.Timestamp):
        return x.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(x, (int, np.integer)):
        return _fmt(int(x))
    return str(x)


def _label_counts(raws: list[RawLog], kind: str) -> pd.DataFrame:
    """Distinct labels of queue, district and (call logs) answered, as written, with their rows
    and what each maps to; labels that do not look like labels are counted together."""
    from lib.calllog.validate import canonical_district, canonical_queue, parse_boolean

    columns = ["queue", "district"] + (["answered"] if kind == CALLS else [])
    lines = []
    for column in columns:
        counts: dict[str, int] = {}
        maps: dict[str, str] = {}
        for raw in raws:
            plan: ColumnPlan | None = raw.plan
            labels = plan.labels if plan is not None else None
            s = raw.frame[column]
            values = s.astype("str").str.strip() if not pd.api.types.is_bool_dtype(s.dtype) else s.astype("str")
            vc = values.value_counts(dropna=False, sort=False)
            for label, n in vc.items():
                key = "(missing)" if pd.isna(label) or label == "" else str(label)
                counts[key] = counts.get(key, 0) + int(n)
                if key == "(missing)":
                    maps[key] = "missing value"
                    continue
                if column == "district":
                    hit = canonical_district(key, labels)
                elif column == "queue":
                    hit = canonical_queue(key, labels)
                else:
                    b = parse_boolean(key, labels)
                    hit = None if b is None else str(b).lower()
                maps.setdefault(key, hit if hit is not None else "UNKNOWN")
        shown = sorted(((k, n) for k, n in counts.items() if _showable(k)), key=lambda x: (-x[1], comparable(x[0])))
        for k, n in shown[:LABELS_SHOWN]:
            lines.append((column, k, maps[k], n))
        hidden = [n for k, n in counts.items() if (k, n) not in shown[:LABELS_SHOWN]]
        if hidden:
            unknown = sum(n for k, n in counts.items() if (k, n) not in shown[:LABELS_SHOWN] and maps[k] == "UNKNOWN")
            lines.append(
                (
                    column,
                    f"({len(hidden)} other value(s), not shown: digits, long, or beyond the first {LABELS_SHOWN})",
                    f"{_fmt(unknown)} of their rows unknown",
                    sum(hidden),
                )
            )
    return pd.DataFrame(lines, columns=["column", "label", "maps_to", "rows"])


def _problems(rows: LogRows) -> pd.DataFrame:
    summary = rows.summary()
    if "file" not in summary:
        summary.insert(0, "file", "")
    lines = [summary]
    words = [(w, n) for p in rows.parts for w, n in (p.unknown_words or {}).items()]
    if words:
        shown = sorted((x for x in words if _showable(x[0])), key=lambda x: (-x[1], x[0]))
        text = "; ".join(f"'{w}' {_fmt(n)}" for w, n in shown[:20]) or "none fit to show"
        hidden = len(words) - len(shown[:20])
        lines.append(
            pd.DataFrame(
                [
                    {
                        "file": "",
                        "rule": UNKNOWN_WORDS,
                        "rows": sum(n for _, n in words),
                        "first_rows": text + (f"; {hidden} other(s) not shown" if hidden else ""),
                    }
                ]
            )
        )
    return pd.concat(lines, ignore_index=True)[["file", "rule", "rows", "first_rows"]]


def inspect(
    raw: str | Path | Sequence[str | Path],
    columns: str | Path | None = None,
    *,
    on_invalid: str = "error",
    a=None,
) -> Inspection:
    """Read the export ``raw`` names (a file, a folder or a glob; relative paths from the project
    root) as notebook 01 would, with the mapping file ``columns`` (``None``: the one beside each
    file, else names and built-in aliases), and say what the run would use and every problem
    found (see the module docstring). ``on_invalid``: the run's setting (invalid rows make the
    export unusable only with ``"error"``). ``a``: the :class:`lib.core.assumptions.Assumptions`
    in force (the analysed year, excluded districts, outlier threshold and plausibility
    bands); default: the report's. Writes nothing. Never raises for a bad export: the problem
    is in :attr:`Inspection.error`."""
    from lib.calllog.plausibility import check_log
    from lib.core.assumptions import Assumptions

    a = a if a is not None else Assumptions()
    given = raw if isinstance(raw, (str, Path)) else ", ".join(str(r) for r in raw)
    result = Inspection(raw=str(given), label=str(given), on_invalid=on_invalid)
    try:
        resolve_raw(raw)
        raws, label = read_logs(raw, columns)
    except CallLogError as err:
        result.error = str(err)
        result.problems = pd.DataFrame([{"file": "", "rule": FILE_PROBLEM, "rows": 0, "first_rows": ""}])
        return result
    result.label, result.kind = label, raws[0].log_kind
    try:
        if result.kind == INTERVALS:
            from lib.calllog.intervals import _combine

            rows = _combine(raws, label, a.data_year)
        else:
            rows = parse_logs(raws, label, a.data_year, stop_on_unknown_words=False)
    except CallLogError as err:
        result.error = str(err)
        result.problems = pd.DataFrame([{"file": "", "rule": FILE_PROBLEM, "rows": 0, "first_rows": ""}])
        return result
    ranges = file_ranges(
        rows,
        "interval_start" if result.kind == INTERVALS else "arrived_at",
        "interval_minutes" if result.kind == INTERVALS else None,
    )
    per_file = [file_format(r, p) for r, p in zip(raws, rows.parts, strict=True)]
    result.files = pd.DataFrame(
        {
            "file": rows.names,
            "format": [f["format"] for f in per_file],
            "encoding": [f["encoding"] for f in per_file],
            "separator": [f["separator"] for f in per_file],
            "decimal_mark": [f["decimal_mark"] for f in per_file],
            "rows": ranges["rows"].to_numpy(),
            "first": ranges["first"],
            "last": ranges["last"],
        }
    )
    table = dict(zip(*log_format(rows)[["item", "value"]].to_numpy().T, strict=True))
    described = list(dict.fromkeys(f["columns"] for f in per_file))
    result.columns = (
        [described[0]]
        if len(described) == 1
        else [f"{n}: {f['columns']}" for n, f in zip(rows.names, per_file, strict=True)]
    )
    mapping_files = sorted({r.plan.mapping.name for r in raws if r.plan is not None and r.plan.mapping.path})
    result.columns.insert(0, f"mapping file: {', '.join(mapping_files) if mapping_files else 'none'}")
    result.forms = {
        k: str(table[k])
        for k in ("timestamp_forms", "duration_forms", "interval_minutes", "waiting_time", "answered_within")
        if k in table
    }
    result.labels = _label_counts(raws, result.kind)
    if ranges["first"].notna().any():
        result.first, result.last = ranges["first"].min(), ranges["last"].max()
    result.problems = _problems(rows)
    if (result.problems["rule"] == UNKNOWN_WORDS).any():
        return result
    try:
        cleaned: CleaningResult
        if result.kind == INTERVALS:
            from lib.calllog.intervals import clean_intervals

            cleaned = clean_intervals(
                raws,
                label,
                on_invalid="quarantine",
                year=a.data_year,
                excluded_districts=a.excluded_districts,
                write=False,
            )
        else:
            cleaned = clean_rows(
                rows,
                on_invalid="quarantine",
                outlier_threshold_s=a.outlier_threshold_s,
                excluded_districts=a.excluded_districts,
                write=False,
            )
    except NoRowsLeftError as err:
        result.error = str(err)
        return result
    result.accounting = cleaned.report[["item", "count"]]
    result.plausibility = check_log(cleaned.report, cleaned.clean, a, files=cleaned.file_ranges)
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m lib.calllog.inspect",
        description="Check a call-log export (a file, a folder or a glob) without running anything.",
    )
    parser.add_argument("raw", help="the export: a file, a folder of files or a glob (relative to the project root)")
    parser.add_argument("--columns", help="a mapping file (default: <export name>.columns.csv beside the export)")
    parser.add_argument("--on-invalid", choices=("error", "quarantine"), default="error")
    args = parser.parse_args(argv)
    result = inspect(args.raw, args.columns, on_invalid=args.on_invalid)
    print(result.to_text())
    return 0 if result.usable else 1


if __name__ == "__main__":
    sys.exit(main())
