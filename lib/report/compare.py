"""What differs between two runs, and why: first the assumptions, notebook parameters and
inputs that differ (from each run's ``run_info.csv``), then every cell of Table 1 with its
absolute and relative difference, then every compared value of the other result tables that
differs (the tables and columns :mod:`lib.core.output_tables` marks for comparison: staffing,
Erlang A, the simulation check, uncertainty, pilot and roster), each named in the report's
Norwegian terms (the column dictionary's labels, the workbook's sheet names).

:func:`compare_runs` gives one long table (:data:`COMPARE_COLUMNS`, ``section`` one of
:data:`SECTIONS`); :func:`to_text` prints it, :func:`write_xlsx` writes it as a Norwegian
workbook (one sheet per section, numbers as numbers, both runs' data source on every sheet).
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook

from lib.core import output_tables
from lib.core.assumptions import Assumptions
from lib.core.norwegian import number
from lib.report import run_info as run_report
from lib.report import workbook
from lib.report.run_info import IN_FORCE, PARAMETER, RUN_INFO, value_text
from lib.report.what_if import label_of

COMPARE_COLUMNS = ["section", "table", "key", "label_no", "a", "b", "difference", "relative_difference"]
#: The sections of a comparison, in the order they are shown, with their Norwegian headings.
SECTIONS: dict[str, str] = {
    "inputs": "Forutsetninger, parametere og inndata som er ulike",
    "table1": "Tabell 1, hver celle (nåverdi, mill. kr)",
    "tables": "Bemanning, Erlang A, simuleringskontroll, usikkerhet, pilot og turnus: verdier som er ulike",
}
#: The workbook's sheet of each section (at most 31 characters).
SHEETS = {"inputs": "Hva er endret", "table1": "Tabell 1", "tables": "Andre tabeller"}
#: The run information's inputs a comparison names when they differ (the call log, file by file
#: for a log of several files, the rows, the synthetic log, the code), labelled as the run
#: information labels them (:func:`lib.report.run_info.label`).
INPUT_ITEMS = re.compile(r"^(raw_|rows_|synthetic_|git_)")
#: Norwegian headers of :data:`COMPARE_COLUMNS` (the printout and the workbook).
HEADERS_NO = {
    "section": "Del",
    "table": "Tabell",
    "key": "Nøkkel",
    "label_no": "Hva",
    "a": "A",
    "b": "B",
    "difference": "Differanse (B − A)",
    "relative_difference": "Relativ differanse",
}
NOT_RECORDED = "(ikke registrert)"
TITLE = "Kontakt med politiet: to kjøringer sammenlignet"


def run_information(folder: Path) -> dict[str, str]:
    """The run information of the run in ``folder`` (item → value as written; empty if none)."""
    path = folder / RUN_INFO
    if not path.exists():
        return {}
    t = pd.read_csv(path, dtype=str, keep_default_na=False)
    return dict(zip(t["item"], t["value"], strict=True))


def _assumptions(info: dict[str, str]) -> dict[str, str]:
    """Every assumption in force as text: the ``in_force`` rows; for a run information written
    before they were recorded, the report's values with the ``assumption NAME`` rows (those
    that differed) applied. Empty without run information."""
    forced = {k.removeprefix(IN_FORCE): v for k, v in info.items() if k.startswith(IN_FORCE)}
    if forced or not info:
        return forced
    report = Assumptions()
    out = {n: value_text(getattr(report, n)) for n in Assumptions.names()}
    for k, v in info.items():
        if k.startswith("assumption "):
            out[k.removeprefix("assumption ")] = re.sub(r" \(report: .*\)$", "", v)
    return out


def _number(v: object) -> float | None:
    if isinstance(v, bool | np.bool_):
        return None
    if isinstance(v, int | float | np.integer | np.floating):
        return None if math.isnan(float(v)) else float(v)
    try:
        return float(str(v))
    except ValueError:
        return None


def _differences(a: object, b: object) -> tuple[float, float]:
    """``b − a`` and ``(b − a) / |a|`` for two numbers (NaN otherwise, or for a = 0)."""
    x, y = _number(a), _number(b)
    if x is None or y is None:
        return np.nan, np.nan
    return y - x, (y - x) / abs(x) if x != 0 else np.nan


def _input_rows(a: Path, b: Path) -> list[tuple]:
    ia, ib = run_information(a), run_information(b)
    rows = []
    sa, sb = _assumptions(ia), _assumptions(ib)
    for name in [n for n in Assumptions.names() if n in sa or n in sb]:
        x, y = sa.get(name, NOT_RECORDED), sb.get(name, NOT_RECORDED)
        if x != y:
            label = label_of(name)
            shown = f"Forutsetning: {label} ({name})" if label != name else f"Forutsetning: {name}"
            rows.append(("inputs", "run_info", f"{IN_FORCE}{name}", shown, x, y, *_differences(x, y)))
    pa = {k.removeprefix(PARAMETER): v for k, v in ia.items() if k.startswith(PARAMETER)}
    pb = {k.removeprefix(PARAMETER): v for k, v in ib.items() if k.startswith(PARAMETER)}
    for name in sorted(set(pa) | set(pb)):
        x, y = pa.get(name, NOT_RECORDED), pb.get(name, NOT_RECORDED)
        if x != y:
            rows.append(("inputs", "run_info", f"{PARAMETER}{name}", f"Parameter: {name}", x, y, *_differences(x, y)))
    for item in [i for i in dict.fromkeys([*ia, *ib]) if INPUT_ITEMS.match(i)]:
        x, y = ia.get(item, NOT_RECORDED), ib.get(item, NOT_RECORDED)
        if x != y:
            numeric = item.startswith("rows_")
            diffs = _differences(x, y) if numeric else (np.nan, np.nan)
            rows.append(("inputs", "run_info", item, f"Inndata: {run_report.label(item)}", x, y, *diffs))
    return rows


def _read(path: Path) -> pd.DataFrame | None:
    return pd.read_csv(path) if path.exists() else None


def _table1_rows(a: Path, b: Path) -> list[tuple]:
    """Every cell of Table 1 (each row × concept of either run), equal or not."""
    ta, tb = _read(a / "tables" / "table1.csv"), _read(b / "tables" / "table1.csv")
    if ta is None and tb is None:
        return []
    empty = pd.DataFrame(columns=["row"])
    ta, tb = (t.set_index("row") if t is not None else empty.set_index("row") for t in (ta, tb))
    concepts = list(dict.fromkeys([*ta.columns, *tb.columns]))
    rows = []
    for row in dict.fromkeys([*ta.index, *tb.index]):
        for c in concepts:
            x = ta.at[row, c] if row in ta.index and c in ta.columns else np.nan
            y = tb.at[row, c] if row in tb.index and c in tb.columns else np.nan
            if pd.isna(x) and pd.isna(y):
                continue
            label = (output_tables.describe_column("table1", str(c)) or {}).get("label_no") or str(c)
            rows.append(("table1", "table1", f"{row} / {c}", f"{row}, {label}", x, y, *_differences(x, y)))
    return rows


def _long(path: Path, table: str, keys: tuple[str, ...], values: tuple[str, ...]) -> dict[str, tuple[str, object]]:
    """``key → (Norwegian label, value)`` of every compared value of one table."""
    t = _read(path)
    if t is None:
        return {}
    cols = [c for c in values if c in t.columns]
    if t.empty or any(k not in t.columns for k in keys):
        return {}
    key = [" / ".join(map(str, row)) for row in t[list(keys)].itertuples(index=False, name=None)]
    sheet = workbook.sheet_name(table)
    out = {}
    for c in cols:
        label = (output_tables.describe_column(table, c) or {}).get("label_no") or c
        for k, v in zip(key, t[c], strict=True):
            out[f"{k} / {c}" if len(cols) > 1 else k] = (f"{sheet}: {k.replace(' / nan', '')}: {label}", v)
    return out


def _table_rows(a: Path, b: Path) -> list[tuple]:
    rows = []
    for table in output_tables.registry().values():
        if not table.compare_keys or table.name == "table1":
            continue
        la = _long(a / "tables" / table.file, table.name, table.compare_keys, table.compare_values)
        lb = _long(b / "tables" / table.file, table.name, table.compare_keys, table.compare_values)
        for k in dict.fromkeys([*la, *lb]):
            label, x = la.get(k, (None, np.nan))
            label_b, y = lb.get(k, (None, np.nan))
            if (pd.isna(x) and pd.isna(y)) or x == y:
                continue
            rows.append(("tables", table.name, k, label or label_b, x, y, *_differences(x, y)))
    return rows


def compare_runs(a: Path, b: Path) -> pd.DataFrame:
    """What differs between run folders ``a`` and ``b``, and why (columns :data:`COMPARE_COLUMNS`):
    the ``inputs`` that differ (assumptions and parameters in force, the call log, the code),
    every ``table1`` cell, and the differing values of the other compared ``tables``;
    ``difference`` = b − a and ``relative_difference`` = (b − a) / |a| for numbers."""
    rows = _input_rows(a, b) + _table1_rows(a, b) + _table_rows(a, b)
    return pd.DataFrame(rows, columns=COMPARE_COLUMNS).astype({"a": object, "b": object})


def agree(diff: pd.DataFrame) -> bool:
    """Whether a comparison found nothing that differs (Table 1's cells are listed either way, and
    agree only where both runs have them and they are equal: a cell one run lacks differs)."""
    t1 = diff[diff["section"] == "table1"]
    same = [
        (pd.isna(x) and pd.isna(y)) or (not pd.isna(x) and not pd.isna(y) and x == y)
        for x, y in zip(t1["a"], t1["b"], strict=True)
    ]
    return bool((diff["section"] != "table1").sum() == 0 and all(same))


#: Rows of a section the terminal shows; the rest are counted and are in the CSV and workbook.
MAX_SHOWN = 40


def _plain_number(v: object) -> float | None:
    """``v`` as a number if it is one (a text value only when it is written as a plain number)."""
    x = _number(v)
    if x is None or (isinstance(v, str) and not re.fullmatch(r"-?\d+(\.\d+)?(e-?\d+)?", v.strip())):
        return None
    return x


def _shown(v: object, decimals: int | None = None) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return NOT_RECORDED  # a value one run has and the other has not
    x = _plain_number(v)
    return str(v) if x is None else number(x, decimals)


def decimals_of(values: pd.Series) -> int:
    """One number of decimals for a table's values: none when all are whole numbers, else
    enough for three significant digits of the smallest non-zero value (1 to 3), so that
    ``105`` and ``36.59`` print as ``105,0`` and ``36,6``, not in two notations."""
    xs = [x for x in map(_plain_number, values) if x is not None and math.isfinite(x)]
    if all(float(x).is_integer() for x in xs):
        return 0
    smallest = min(abs(x) for x in xs if x != 0)
    return min(3, max(1, 2 - math.floor(math.log10(smallest))))


def _relative(v: object) -> str:
    return "" if pd.isna(v) else f"{number(100 * float(str(v)), 1)} %"


def _section_text(part: pd.DataFrame, fixed: bool) -> list[str]:
    """A section's rows as a table of text; ``fixed``: one number of decimals per result table
    (:func:`decimals_of`), else every value as written (the inputs)."""
    cols: dict[str, list[str]] = {"A": [], "B": [], "D": []}
    for _, group in part.groupby("table", sort=False):
        d = decimals_of(pd.concat([group["a"], group["b"]])) if fixed else None
        cols["A"] += [_shown(v, d) for v in group["a"]]
        cols["B"] += [_shown(v, d) for v in group["b"]]
        cols["D"] += ["" if pd.isna(v) else number(v, d) for v in group["difference"]]
    ordered = pd.concat([g for _, g in part.groupby("table", sort=False)])
    shown = pd.DataFrame(
        {
            HEADERS_NO["label_no"]: ordered["label_no"].tolist(),
            "A": cols["A"],
            "B": cols["B"],
            HEADERS_NO["difference"]: cols["D"],
            HEADERS_NO["relative_difference"]: ordered["relative_difference"].map(_relative).tolist(),
        }
    )
    return ["  " + line for line in shown.to_string(index=False, justify="left").splitlines()]


def to_text(diff: pd.DataFrame, a: str, b: str, full: str | None = None, max_shown: int = MAX_SHOWN) -> str:
    """The comparison as the terminal shows it: the differing inputs first, then Table 1, then
    the other tables' differing values, in Norwegian notation, one number of decimals per
    table. A section of more than ``max_shown`` rows shows its first ``max_shown`` and says how
    many more there are and where all are (``full``: the CSV written)."""
    out = [f"A: {a}", f"B: {b}", ""]
    for section, heading in SECTIONS.items():
        part = diff[diff["section"] == section]
        out.append(f"{heading} ({len(part)})")
        if part.empty:
            out.append(
                "  ingen: samme forutsetninger, parametere, logg og kode"
                if section == "inputs"
                else "  ingen verdier er ulike"
            )
        else:
            out += _section_text(part.iloc[:max_shown], fixed=section != "inputs")
            if len(part) > max_shown:
                where = f"; all {len(part)} are in {full}" if full else ""
                out.append(f"  … {len(part) - max_shown} more not shown{where}")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def run_sheet_name(table: str) -> str:
    """The sheet of the run's workbook that holds ``table`` (``run_info`` is the sheet "Kjøring")."""
    return workbook.RUN_SHEET if table == "run_info" else workbook.sheet_name(table)


def write_xlsx(diff: pd.DataFrame, out: Path, a: str, b: str, sources: tuple[str, str]) -> Path:
    """The comparison as a Norwegian workbook: one sheet per section (:data:`SHEETS`), Norwegian
    headers, numbers as numbers (a text value that is a plain number too), the two runs and
    their data sources above every sheet; fixed times, so the same comparison gives the same bytes."""
    book = Workbook()
    first = book.active
    assert first is not None
    top = f"A: {a} ({sources[0]}); B: {b} ({sources[1]})"
    for i, (section, sheet) in enumerate(SHEETS.items()):
        ws = first if i == 0 else book.create_sheet(sheet)
        ws.title = sheet
        part = diff.loc[diff["section"] == section, ["label_no", "table", "key", *COMPARE_COLUMNS[4:]]]
        part = part.assign(table=part["table"].map(run_sheet_name)).reset_index(drop=True)
        formats: list[list[str | None]] = [[None] * len(part) for _ in range(3)]
        formats += [[workbook.FORMATS["number"]] * len(part) for _ in range(3)]
        formats.append([workbook.FORMATS["share"]] * len(part))
        headers = [HEADERS_NO[c] for c in part.columns]
        headers[1] = "Ark i kjøringens arbeidsbok"
        workbook.write_sheet(ws, part, headers, formats, top=f"{SECTIONS[section]}. {top}")
    return workbook.save(book, out, TITLE)
