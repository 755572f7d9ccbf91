"""Does the cleaned call log look like a year of 02800 calls? Plausibility checks on aggregates.

A file can pass every contract rule and still be the wrong file: a quarter of a year, one
district's export, a sheet Excel cut at its row limit, or a log whose rows were mostly
quarantined. :func:`check_log` looks at the cleaning report and at the kept rows' months and
districts only (counts, never row contents) and returns one line per check:

* ``calls_every_month``: kept calls in each of the 12 months of ``data_year``;
* ``calls_every_modelled_district``: kept calls in every district the model uses (all but
  ``excluded_districts``);
* ``volume_plausible``: rows read within [``plausible_volume_low``, ``plausible_volume_high``]
  × ``registered_calls_2023``;
* ``not_excel_truncated``: rows read is neither 1 048 575 nor 1 048 576. An Excel sheet holds
  1 048 576 rows, 1 048 575 data rows under a header, so an export of exactly that size was
  probably cut by Excel;
* ``quarantined_share``: quarantined rows at most ``max_quarantined_share`` of the rows read;
* ``files_contiguous``: when the log came as several files (a folder or a glob), their time
  ranges neither overlap (the same period exported twice: rows counted twice unless the
  duplicate rule caught them; expected, though, when the files split the year by district
  or queue) nor leave a gap of more than :data:`FILE_GAP_HOURS` hours between one file's last
  call and the next one's first (a month missing). One file passes.

Each check's ``detail`` says in English what was found and what was allowed; ``detail_nb`` says
the same in Norwegian with the same numbers (decimal commas, Norwegian month names, the report's
words: "anrop", "rader lest", "satt til side"), for the results workbook.

For interval statistics (:mod:`lib.calllog.intervals`) the months, districts and volume are
those of the calls offered in the kept intervals; the Excel and quarantine checks count rows.

A failed check is a warning, never a stop: notebook 01 writes the table to
``{outputs_dir}/tables/plausibility.csv`` (:func:`write_checks`) and prints it; notebook 04
reads it back (:func:`read_checks`), prints :func:`notice` and marks Table 1 with
:func:`warning_marker` when any check failed.
"""

from __future__ import annotations

import calendar
import math
from pathlib import Path

import numpy as np
import pandas as pd

from lib.core import output_tables
from lib.core.assumptions import Assumptions
from lib.core.districts import DISTRICTS
from lib.core.norwegian import number, percent

#: Columns of the check table.
COLUMNS = ("check", "passed", "detail", "detail_nb")
#: The checks, in the order of the table.
CHECKS = (
    "calls_every_month",
    "calls_every_modelled_district",
    "volume_plausible",
    "not_excel_truncated",
    "quarantined_share",
    "files_contiguous",
)
#: Hours without a call between one file's last and the next file's first before the files
#: are reported as leaving a gap (the national log has a call every few minutes, night included).
FILE_GAP_HOURS = 3.0
#: File name of the table under ``{outputs_dir}/tables``.
#: The result table of the checks (:mod:`lib.core.output_tables`).
CHECKS_TABLE = "plausibility"
#: Rows of an Excel sheet (Excel 2007 and later); with a header row, one fewer data rows.
EXCEL_SHEET_ROWS = 1_048_576
EXCEL_ROW_LIMITS = (EXCEL_SHEET_ROWS - 1, EXCEL_SHEET_ROWS)
#: Norwegian month names, January first (``detail_nb``).
MONTHS_NB = (
    "januar", "februar", "mars", "april", "mai", "juni",
    "juli", "august", "september", "oktober", "november", "desember",
)  # fmt: skip


def _n(n: int) -> str:
    """A count with spaces between thousands (1 765 909)."""
    return f"{int(n):,}".replace(",", " ")


def _pct(x: float) -> str:
    return f"{100 * x:.1f} %"


def _times_and_counts(clean: pd.DataFrame) -> tuple[pd.Series, np.ndarray]:
    """Arrival times and calls per row: a call log's rows are one call each; an interval
    table's rows count their offered calls at the interval's start."""
    if "offered" in clean.columns:
        return clean["interval_start"], clean["offered"].to_numpy(dtype=np.int64)
    return clean["arrived_at"], np.ones(len(clean), dtype=np.int64)


def _months(clean: pd.DataFrame, year: int) -> tuple[bool, str, str]:
    arrived, calls = _times_and_counts(clean)
    in_year = (arrived.dt.year == year).to_numpy()
    month = arrived.dt.month.to_numpy()[in_year]
    per_month = pd.Series(np.bincount(month, weights=calls[in_year], minlength=13)[1:], index=range(1, 13))
    empty = [calendar.month_name[m] for m, n in per_month.items() if n == 0]
    if empty:
        empty_nb = [MONTHS_NB[m - 1] for m, n in per_month.items() if n == 0]
        total = _n(int(calls[in_year].sum()))
        return (
            False,
            f"no kept calls in {len(empty)} of 12 months of {year}: {', '.join(empty)} ({total} kept calls in {year} in all)",
            f"ingen anrop beholdt i {len(empty)} av 12 måneder i {year}: {', '.join(empty_nb)} "
            f"({total} anrop beholdt i {year} i alt)",
        )
    fewest = int(per_month.idxmin())
    return (
        True,
        f"kept calls in all 12 months of {year}; fewest {_n(per_month[fewest])} ({calendar.month_name[fewest]}), "
        f"most {_n(per_month.max())}",
        f"anrop beholdt i alle 12 måneder i {year}; færrest {_n(per_month[fewest])} ({MONTHS_NB[fewest - 1]}), "
        f"flest {_n(per_month.max())}",
    )


def _districts(clean: pd.DataFrame, excluded: tuple[str, ...]) -> tuple[bool, str, str]:
    modelled = [d for d in DISTRICTS if d not in excluded]
    _, calls = _times_and_counts(clean)
    per_district = pd.Series(calls, index=clean["district"].to_numpy()).groupby(level=0).sum()
    per_district = per_district.reindex(modelled, fill_value=0)
    empty = [d for d, n in per_district.items() if n == 0]
    if empty:
        return (
            False,
            f"no kept calls in {len(empty)} of {len(modelled)} modelled districts: {', '.join(empty)}",
            f"ingen anrop beholdt i {len(empty)} av {len(modelled)} modellerte distrikter: {', '.join(empty)}",
        )
    fewest = str(per_district.idxmin())
    return (
        True,
        f"kept calls in all {len(modelled)} modelled districts; fewest {_n(per_district[fewest])} ({fewest})",
        f"anrop beholdt i alle {len(modelled)} modellerte distrikter; færrest {_n(per_district[fewest])} ({fewest})",
    )


def _when(t: pd.Timestamp) -> str:
    return pd.Timestamp(t).strftime("%Y-%m-%d %H:%M")


def _span(hours: float) -> str:
    return f"{hours / 24:.1f} days" if hours >= 48 else f"{hours:.1f} hours"


def _span_nb(hours: float) -> str:
    return number(hours / 24, 1) + " døgn" if hours >= 48 else number(hours, 1) + " timer"


def files_contiguous(files: pd.DataFrame | None, gap_hours: float = FILE_GAP_HOURS) -> tuple[bool, str]:
    """Whether the files' time ranges (``file, first, last``, one row per file, as
    :attr:`lib.calllog.clean.CleaningResult.file_ranges`) follow each other without an
    overlap or a gap of more than ``gap_hours``; and the detail, in words."""
    ok, detail, _ = _files(files, gap_hours)
    return ok, detail


def _files(files: pd.DataFrame | None, gap_hours: float = FILE_GAP_HOURS) -> tuple[bool, str, str]:
    """:func:`files_contiguous` with the detail in English and in Norwegian."""
    if files is None or len(files) <= 1:
        return True, "one file", "én fil"
    f = files.dropna(subset=["first", "last"]).sort_values(["first", "last"], kind="stable").reset_index(drop=True)
    empty = [str(n) for n in files.loc[files["first"].isna(), "file"]]
    findings, findings_nb = [], []
    for i in range(1, len(f)):  # one step per file, not per row
        prev, nxt = f.iloc[i - 1], f.iloc[i]
        hours = (nxt["first"] - prev["last"]) / pd.Timedelta(hours=1)
        if hours < 0:
            findings.append(
                f"{prev['file']} ({_when(prev['first'])} to {_when(prev['last'])}) and {nxt['file']} "
                f"({_when(nxt['first'])} to {_when(nxt['last'])}) overlap by {_span(-hours)}"
            )
            findings_nb.append(
                f"{prev['file']} ({_when(prev['first'])} til {_when(prev['last'])}) og {nxt['file']} "
                f"({_when(nxt['first'])} til {_when(nxt['last'])}) overlapper med {_span_nb(-hours)}"
            )
        elif hours > gap_hours:
            findings.append(
                f"{_span(hours)} without a call between {prev['file']} (ends {_when(prev['last'])}) and "
                f"{nxt['file']} (begins {_when(nxt['first'])})"
            )
            findings_nb.append(
                f"{_span_nb(hours)} uten anrop mellom {prev['file']} (slutter {_when(prev['last'])}) og "
                f"{nxt['file']} (begynner {_when(nxt['first'])})"
            )
    if empty:
        findings.append(f"no valid row in {', '.join(empty)}")
        findings_nb.append(f"ingen gyldig rad i {', '.join(empty)}")
    if findings:
        return (
            False,
            f"{len(files)} files: " + "; ".join(findings) + ". An overlap counts the same period twice unless the "
            "rows are exact duplicates (removed); it is expected only when the files split the year by district or "
            "queue. A gap is a period with no data.",
            f"{len(files)} filer: " + "; ".join(findings_nb) + ". En overlapp teller samme periode to ganger med "
            "mindre radene er eksakte duplikater (fjernet); den er bare ventet når filene deler året etter distrikt "
            "eller kø. Et opphold er en periode uten data.",
        )
    first, last = _when(f["first"].min()), _when(f["last"].max())
    return (
        True,
        f"{len(files)} files cover {first} to {last} one after the other, "
        f"without an overlap or a gap of more than {gap_hours:g} hours",
        f"{len(files)} filer dekker {first} til {last} etter hverandre, "
        f"uten overlapp eller opphold på mer enn {number(gap_hours, None)} timer",
    )


def check_log(
    report: pd.DataFrame, clean: pd.DataFrame, a: Assumptions, files: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The plausibility checks of a cleaned log: columns :data:`COLUMNS`, rows :data:`CHECKS`.

    ``report``: the cleaning report (``item, count``; rows_read and quarantined are used, and
    for interval statistics calls_offered); ``clean``: the kept rows (``district`` and
    ``arrived_at``, or an interval table's ``interval_start`` and ``offered``); ``a``: the
    assumptions (``data_year``, ``excluded_districts``, ``registered_calls_2023``,
    ``plausible_volume_low``/``_high``, ``max_quarantined_share``); ``files``: the files'
    time ranges (:attr:`lib.calllog.clean.CleaningResult.file_ranges`; ``None``: one file).
    ``passed`` is a bool; ``detail`` says, in English with the numbers, what was found and
    what was allowed; ``detail_nb`` the same in Norwegian.
    """
    counts = report.set_index("item")["count"]
    rows_read, quarantined = int(counts["rows_read"]), int(counts["quarantined"])
    intervals = "calls_offered" in counts.index
    volume = int(counts["calls_offered"]) if intervals else rows_read
    what = "calls offered" if intervals else "rows read"
    what_nb = "tilbudte anrop" if intervals else "rader lest"
    lines: list[tuple[str, bool, str, str]] = []

    lines.append(("calls_every_month", *_months(clean, a.data_year)))
    lines.append(("calls_every_modelled_district", *_districts(clean, a.excluded_districts)))

    reference = a.registered_calls_2023
    low, high = a.plausible_volume_low * reference, a.plausible_volume_high * reference
    share = volume / reference if reference else float("nan")
    lines.append(
        (
            "volume_plausible",
            bool(low <= volume <= high),
            f"{what} {_n(volume)} = {_pct(share)} of registered_calls_2023 ({_n(reference)}); plausible: "
            f"{_pct(a.plausible_volume_low)}-{_pct(a.plausible_volume_high)} "
            f"({_n(math.ceil(low))}-{_n(math.floor(high))} {'calls' if intervals else 'rows'})",
            f"{what_nb} {_n(volume)} = {percent(share, 1)} av registered_calls_2023 ({_n(reference)}); plausibelt: "
            f"{percent(a.plausible_volume_low, 1)}–{percent(a.plausible_volume_high, 1)} "
            f"({_n(math.ceil(low))}–{_n(math.floor(high))} {'anrop' if intervals else 'rader'})",
        )
    )

    cut = rows_read in EXCEL_ROW_LIMITS
    limit = f"Excel's sheet limit ({_n(EXCEL_SHEET_ROWS)} rows, {_n(EXCEL_SHEET_ROWS - 1)} data rows under a header)"
    limit_nb = (
        f"Excels arkgrense ({_n(EXCEL_SHEET_ROWS)} rader, {_n(EXCEL_SHEET_ROWS - 1)} datarader under en overskrift)"
    )
    lines.append(
        (
            "not_excel_truncated",
            not cut,
            f"rows read {_n(rows_read)} equals {limit}: the export was probably truncated by Excel"
            if cut
            else f"rows read {_n(rows_read)} is not {limit}",
            f"rader lest {_n(rows_read)} er lik {limit_nb}: eksporten ble trolig avkortet av Excel"
            if cut
            else f"rader lest {_n(rows_read)} er ikke {limit_nb}",
        )
    )

    q_share = quarantined / rows_read if rows_read else 0.0
    lines.append(
        (
            "quarantined_share",
            bool(q_share <= a.max_quarantined_share),
            f"quarantined {_n(quarantined)} of {_n(rows_read)} rows read ({100 * q_share:.2f} %); "
            f"allowed: at most {100 * a.max_quarantined_share:.2f} % (max_quarantined_share)",
            f"satt til side {_n(quarantined)} av {_n(rows_read)} rader lest ({percent(q_share, 2)}); "
            f"tillatt: høyst {percent(a.max_quarantined_share, 2)} (max_quarantined_share)",
        )
    )
    lines.append(("files_contiguous", *_files(files)))
    table = pd.DataFrame(lines, columns=list(COLUMNS))
    return table.astype({"passed": bool})


def _passed(table: pd.DataFrame) -> pd.Series:
    """``passed`` as booleans, also when read back from CSV as text."""
    col = table["passed"]
    if col.dtype == bool:
        return col
    return col.astype(str).str.strip().str.lower().isin(["true", "1"])


def failed_checks(table: pd.DataFrame) -> list[str]:
    """The ids of the checks that failed, in table order."""
    return table.loc[~_passed(table), "check"].astype(str).tolist()


def as_text(table: pd.DataFrame) -> str:
    """The table as lines to print: ``PASS|FAIL  check: detail``."""
    return "\n".join(
        f"{'PASS' if ok else 'FAIL'}  {check}: {detail}"
        for check, ok, detail in zip(table["check"], _passed(table), table["detail"], strict=True)
    )


def write_checks(table: pd.DataFrame, outputs_dir: str | Path) -> Path:
    """Write the table as the result table ``plausibility``; its path."""
    return output_tables.write(CHECKS_TABLE, table, outputs_dir)


def read_checks(outputs_dir: str | Path) -> pd.DataFrame | None:
    """The table notebook 01 wrote under ``outputs_dir``, or ``None`` when there is none (a run
    from before the checks existed)."""
    path = output_tables.path(CHECKS_TABLE, outputs_dir)
    if not path.is_file():
        return None
    table = pd.read_csv(path, dtype={"check": str, "detail": str, "detail_nb": str})
    return table.assign(passed=_passed(table))


def failures(table: pd.DataFrame | None, column: str = "detail") -> list[str]:
    """Each failed check with its detail (``check: detail``; ``column`` "detail_nb" for the
    Norwegian one, where the table has it), for the run information; empty when every check
    passed or there is no table."""
    if table is None:
        return []
    detail = table.set_index("check")[column if column in table else "detail"]
    return [f"{name}: {detail[name]}" for name in failed_checks(table)]


def warning_marker(table: pd.DataFrame | None) -> str | None:
    """A short Norwegian marker naming the failed checks, for a table resting on the log
    (e.g. Table 1's heading); ``None`` when every check passed or there is no table."""
    if table is None:
        return None
    failed = failed_checks(table)
    if not failed:
        return None
    return f"loggen består ikke plausibilitetskontrollen ({', '.join(failed)})"


def notice(table: pd.DataFrame | None, resting: str = "Table 1 below") -> str:
    """What a notebook prints about the checks: one line when all passed, a prominent
    Norwegian/English warning naming every failed check (with its detail) otherwise, and a
    note when there is no table (``None``: an older run). ``resting``: what rests on the log,
    for the warning's last line ("<resting> rests on a log that does not look like ...")."""
    if table is None:
        return (
            f"tables/{output_tables.get(CHECKS_TABLE).file} not found under outputs_dir (a run from before the plausibility "
            "checks): the call log's plausibility was not checked; going on without it."
        )
    failed = failed_checks(table)
    if not failed:
        return (
            f"Plausibility of the call log: all {len(table)} checks passed ({', '.join(table['check'].astype(str))})."
        )
    bar = "!" * 100
    detail = table.set_index("check")["detail"]
    lines = [
        bar,
        f"ADVARSEL: loggen består ikke plausibilitetskontrollen: {len(failed)} av {len(table)} kontroller "
        f"feilet ({', '.join(failed)}).",
        f"WARNING: the call log fails the plausibility checks: {len(failed)} of {len(table)} failed.",
        *(f"  - {name}: {detail[name]}" for name in failed),
        f"{resting} rests on a log that does not look like a year of 02800 calls; check the export "
        "(docs/call_log_contract.md) before using any number from it.",
        bar,
    ]
    return "\n".join(lines)
