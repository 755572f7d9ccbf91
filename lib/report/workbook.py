"""The run's results as one Excel workbook an analyst can hand on (``tables/results.xlsx``).

:func:`write_workbook` gathers the CSVs of a run's ``tables/`` folder into sheets, in this order:

1. **Innhold**: every sheet's name (a link to it), what it is and where it comes from
   (notebook and report section), in Norwegian;
2. **Tabell 1**: Table 1 in the report's layout (:func:`lib.valuation.table1.table1_layout`): headings,
   the valued rows as numbers in MNOK shown with one decimal, "–" where the report has none,
   the qualitative rows as text; marked "USIKKERT GRUNNLAG" when a plausibility check failed;
3. the tables in the chain's order (:mod:`lib.core.output_tables`: notebook 01's, 02's, ...),
   then any other CSV alphabetically;
4. **Kolonner**: every column of every table sheet with its Norwegian label, meaning and unit,
   from the column dictionary ``lib/core/data/column_dictionary.csv`` (the meanings are English,
   and the header and the contents sheet say so: :data:`MEANING_HEADER`);
5. **Kjøring**: the run information (:func:`lib.report.run_info.run_info`) without its volatile rows,
   as a reader sees it (:func:`lib.report.run_info.presented`: Norwegian labels and values,
   numbers as numbers, "ja"/"nei", None as an empty cell), the English item name last.

Headers are bold and frozen, columns sized to their content (bounded), numbers stored as
numbers with the Excel format of their column's ``format`` in the dictionary
(:data:`FORMATS`); in :data:`ROW_UNITS` tables the format follows each row's unit. Every
sheet is named in Norwegian (:func:`sheet_name`: ``lib/core/data/sheet_names.csv``) and
headed with the column dictionary's Norwegian labels (the CSV's English column names stay
in "Kolonner"). A text cell that is a plain number is stored as a number (:func:`_cell_value`); the
sensitivity's values-as-text columns (:data:`READER_TEXT`) hold a single value as a number
(``473 000`` too) and any other text in Norwegian notation (``0,25 → 0,5``, ``observert``). A column
in English that has a Norwegian one beside it is left out (:data:`ENGLISH_BESIDE`: plausibility's
``detail``, shown as ``detail_nb``), and the values of :data:`TRANSLATED` columns (input_format's
``value``) have their fixed English words put in Norwegian through ``lib/core/data/input_format_nb.csv``
(:func:`norwegian_words`). The data source (which log,
synthetic or not) stands above the contents and above Table 1; the document properties carry
a title and the project's name. Creation, modification and zip entry times are fixed
(:data:`FIXED_TIME`), so the same tables give the same bytes.
"""

from __future__ import annotations

import math
import re
import zipfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

from lib.calllog.plausibility import read_checks, warning_marker
from lib.core import norwegian, output_tables, plotstyle
from lib.core.paths import LIB_DATA
from lib.core.result_csv import tidy_floats
from lib.report import run_info as run_report
from lib.valuation.economics import SUM
from lib.valuation.sensitivity import choice_text
from lib.valuation.table1 import HEADINGS, table1_layout

# Excel stores creation/modification times and zip entry times; fixed so reruns are byte-identical.
FIXED_TIME = datetime(2024, 1, 1)
#: Excel number format of each ``format`` of the column dictionary (None: Excel's General).
FORMATS: dict[str, str | None] = {
    "mnok": "0.0",
    "share": "0.0 %",
    "count": "#,##0",
    "seconds": "0.0",
    "person_years": "0.00",
    "number": "#,##0.0##",
    "year": "0",
    "text": None,
}
#: Tables whose "number" columns change unit from row to row: the column naming each row's
#: unit, and either the format of each unit or a table whose dictionary entry of that name
#: gives it (table_a2_vs_report's "Mål" names a column of table_a2).
ROW_UNITS: dict[str, tuple[str, dict[str, str] | str]] = {
    "todays_picture": (
        "unit",
        {
            "årsverk": "person_years",
            "mill. kr per år": "mnok",
            "anrop": "count",
            "anrop per år": "count",
            "minutter": "number",
            "sekunder": "seconds",
        },
    ),
    "table_a2_vs_report": ("Mål", "table_a2"),
}
CONTENTS = "Innhold"
TABLE1_SHEET = "Tabell 1"
COLUMNS_SHEET = "Kolonner"
RUN_SHEET = "Kjøring"
#: The sheets that are not result tables: what each is (Norwegian, one line) and where it
#: comes from. A result table's come from :mod:`lib.core.output_tables`.
SHEETS: dict[str, tuple[str, str]] = {
    CONTENTS: ("Denne oversikten: arkene i arbeidsboken, hva de er og hvor de kommer fra", "lib/report/workbook.py"),
    TABLE1_SHEET: (
        "Tabell 1 i rapportens oppsett: nåverdi over analyseperioden (mill. kr) og de ikke-prissatte virkningene",
        "notatbok 04_report_tables; rapporten: tabell 1 (sammendraget)",
    ),
    COLUMNS_SHEET: (
        "Hver kolonne i tabellarkene: norsk betegnelse, betydning og enhet. Betydningen står på engelsk, "
        "slik prosjektets ordliste har den (den er ikke oversatt)",
        "lib/core/data/column_dictionary.csv; docs/data_dictionary.md",
    ),
    RUN_SHEET: (
        "Hva denne kjøringen er: loggen, forutsetninger som avviker fra rapporten, alle forutsetninger og "
        "parametere i bruk, kontroller, versjoner",
        "run_info.csv (pipeline)",
    ),
}
#: The header of "Kolonner"'s meanings: the column dictionary's English text, said so (not translated).
MEANING_HEADER = "Betydning (på engelsk, fra ordlisten)"
UNDESCRIBED = "Tabell fra kjøringen (ikke beskrevet i ordlisten)"
#: The workbook's document properties: title and the project's name.
TITLE = "Kontakt med politiet: resultatene av én kjøring"
PROJECT = "Kontakt med politiet – POD-rapport 7/2024 gjenskapt (kontakt-politiet)"
#: Excel's limit on a sheet name, and the characters it refuses in one.
SHEET_NAME_MAX = 31
_SHEET_FORBIDDEN = re.compile(r"[\\/*?:\[\]]")
#: A text that is a plain number (no thousands separator, no leading zero but "0"), stored as one.
_PLAIN_NUMBER = re.compile(r"^-?(?:0|[1-9]\d*)(?:\.\d+)?$")
#: A text that is one number, its thousands separated by spaces (``473 000``, ``1 177 900``).
_SPACED_NUMBER = re.compile(r"^-?[1-9]\d{0,2}(?: \d{3})+(?:\.\d+)?$")
#: Columns of values written as text for people (the sensitivity's ``base_text``, ...): in the
#: workbook one number is a number, and any other text reads in Norwegian (:func:`_reader_text`).
READER_TEXT: dict[str, tuple[str, ...]] = {"sensitivity": ("base_text", "low_text", "high_text")}
#: Columns in English left out of a sheet because a Norwegian column beside them says the same.
ENGLISH_BESIDE: dict[str, tuple[str, ...]] = {"plausibility": ("detail",)}
#: Columns whose values are written by the code in a fixed English vocabulary, shown with it in
#: Norwegian (:func:`norwegian_words`, the table ``lib/core/data/input_format_nb.csv``).
TRANSLATED: dict[str, tuple[str, ...]] = {"input_format": ("value",)}
MIN_WIDTH, MAX_WIDTH = 6, 60
BOLD = Font(bold=True)


# --- cells --------------------------------------------------------------------------------------


def _cell_value(v: object, numbers: bool = True) -> object:
    """A table value as openpyxl stores it: None for missing, plain Python numbers and text; a
    text that is a plain number (:data:`_PLAIN_NUMBER`) as that number unless ``numbers`` is False."""
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return None
    if isinstance(v, str) and numbers and _PLAIN_NUMBER.match(v):
        return int(v) if re.fullmatch(r"-?\d+", v) else float(v)
    if isinstance(v, bool | np.bool_):
        return bool(v)
    if isinstance(v, int | np.integer):
        return int(v)
    if isinstance(v, float | np.floating):
        return float(v)
    return str(v)


def _reader_text(v: object) -> object:
    """A value-as-text cell as a reader gets it: one number (``473 000``, ``0.25``) as that
    number; a range or list with Norwegian decimal commas (``0,25 → 0,5``); a choice in
    Norwegian (``observert``, :func:`lib.valuation.sensitivity.choice_text`)."""
    if not isinstance(v, str):
        return v
    text = v.strip()
    if _PLAIN_NUMBER.match(text) or _SPACED_NUMBER.match(text):
        number = text.replace(" ", "")
        return int(number) if re.fullmatch(r"-?\d+", number) else float(number)
    return plotstyle.numbers_in(choice_text(text))


def norwegian_words(v: object) -> object:
    """A value the code wrote in its fixed English vocabulary, in Norwegian
    (:func:`lib.core.norwegian.words`)."""
    return norwegian.words(v)


def _for_readers(table: str, df: pd.DataFrame) -> pd.DataFrame:
    """``df`` as a reader gets it: without its :data:`ENGLISH_BESIDE` columns, its
    :data:`READER_TEXT` columns as :func:`_reader_text` gives them and its :data:`TRANSLATED`
    columns as :func:`norwegian_words` gives them."""
    dropped = [c for c in ENGLISH_BESIDE.get(table, ()) if c in df.columns]
    columns = [c for c in READER_TEXT.get(table, ()) if c in df.columns]
    translated = [c for c in TRANSLATED.get(table, ()) if c in df.columns]
    if not (dropped or columns or translated):
        return df
    out = df.drop(columns=dropped)
    for c in columns:
        out[c] = out[c].map(_reader_text).astype(object)
    for c in translated:
        out[c] = out[c].map(norwegian_words).astype(object)
    return out


def _shown(v: object, fmt: str | None) -> str:
    """Roughly what Excel shows for ``v`` in format ``fmt`` (for column widths)."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "FALSE"
    if isinstance(v, int | float):
        x = float(v)
        if not math.isfinite(x):
            return str(x)
        shown = {
            "0.0": f"{x:.1f}",
            "0.0 %": f"{100 * x:.1f} %",
            "#,##0": f"{x:,.0f}",
            "0.00": f"{x:.2f}",
            "#,##0.0##": f"{x:,.3f}",
            "0": f"{x:.0f}",
        }
        return shown.get(fmt or "", f"{x:.10g}")
    return str(v)


def _plain(df: pd.DataFrame) -> list[list[str | None]]:
    """No number format for any cell of ``df`` (text sheets)."""
    return [[None] * len(df) for _ in df.columns]


def _format_of(name: str | None) -> str | None:
    return None if name is None else FORMATS[name]


def _cell_formats(table: str, df: pd.DataFrame) -> list[list[str | None]]:
    """The Excel number format of every cell, column by column (the dictionary's format of the
    column, or per row for :data:`ROW_UNITS` tables; General for columns it does not describe)."""
    out: list[list[str | None]] = []
    row_units = ROW_UNITS.get(table)
    for column in df.columns:
        entry = output_tables.describe_column(table, str(column))
        name = entry["format"] if entry else None
        if entry is None and pd.api.types.is_numeric_dtype(df[column]) and not pd.api.types.is_bool_dtype(df[column]):
            name = "number"
        formats = [_format_of(name)] * len(df)
        if row_units is not None and name == "number" and row_units[0] in df.columns:
            unit_column, units = row_units
            for i, unit in enumerate(df[unit_column]):
                if isinstance(units, str):
                    unit_entry = output_tables.describe_column(units, str(unit))
                    row_name = unit_entry["format"] if unit_entry else None
                else:
                    row_name = units.get(str(unit))
                if row_name is not None:
                    formats[i] = _format_of(row_name)
        out.append(formats)
    return out


def write_sheet(
    ws: Worksheet,
    df: pd.DataFrame,
    headers: Sequence[str],
    formats: list[list[str | None]],
    bold_rows: Sequence[int] = (),
    align: str | None = None,
    autofilter: bool = True,
    top: str | None = None,
    numbers: Sequence[bool] | None = None,
) -> None:
    """``df`` under a bold, frozen header row; numbers stored as numbers with their format;
    columns sized to their content (between :data:`MIN_WIDTH` and :data:`MAX_WIDTH`). ``top``:
    a line above the header (the data source), which moves the table one row down;
    ``numbers``: per row, whether a text that is a plain number becomes one (default all)."""
    first = 2 if top else 1
    if top:
        ws.cell(row=1, column=1, value=top).font = Font(italic=True)
    widths = [len(str(h)) for h in headers]
    for j, header in enumerate(headers, start=1):
        ws.cell(row=first, column=j, value=str(header)).font = BOLD
    for i, row in enumerate(df.itertuples(index=False, name=None)):
        for j, raw in enumerate(row):
            value = _cell_value(raw, True if numbers is None else numbers[i])
            if value == "":
                continue
            cell = ws.cell(row=i + first + 1, column=j + 1, value=value)
            fmt = formats[j][i]
            if fmt is not None and isinstance(value, int | float) and not isinstance(value, bool):
                cell.number_format = fmt
            if i in bold_rows:
                cell.font = BOLD
            if align is not None and j > 0:
                cell.alignment = Alignment(horizontal=align)
            widths[j] = max(widths[j], len(_shown(value, fmt)))
    for j, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = min(max(width + 2, MIN_WIDTH), MAX_WIDTH)
    ws.freeze_panes = f"A{first + 1}"
    if autofilter and len(df):
        ws.auto_filter.ref = f"A{first}:{get_column_letter(len(headers))}{len(df) + first}"


# --- the sheets ----------------------------------------------------------------------------------


def table_order(tables_dir: Path) -> list[Path]:
    """The CSVs of ``tables_dir`` in the workbook's order: the registry's
    (:func:`lib.core.output_tables.registry`, the chain's order), then the rest alphabetically."""
    csvs = {p.stem: p for p in tables_dir.glob("*.csv")}
    order = list(output_tables.registry())
    known = [csvs[name] for name in order if name in csvs]
    return known + [csvs[name] for name in sorted(set(csvs) - set(order))]


def _sheet_names() -> dict[str, str]:
    path = LIB_DATA / "sheet_names.csv"
    if not path.exists():
        return {}
    t = pd.read_csv(path, dtype=str, keep_default_na=False)
    return dict(zip(t["table"], t["sheet_no"], strict=True))


def sheet_name(table: str) -> str:
    """The Norwegian name of ``table``'s sheet: ``lib/core/data/sheet_names.csv``, else the
    registry's Norwegian title up to its first colon or comma; at most 31 characters, ending on
    a whole word (:func:`whole_words`), without the characters Excel refuses."""
    name = _sheet_names().get(table)
    if not name:
        entry = output_tables.registry().get(table)
        name = re.split(r"[:,(]", entry.title_no)[0].strip() if entry is not None else table
    return whole_words(_SHEET_FORBIDDEN.sub("-", name), SHEET_NAME_MAX)


def whole_words(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters at the end of a word (never inside one;
    a first word longer than ``limit`` is cut, as nothing else fits)."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit + 1].rsplit(" ", 1)[0] if " " in text[: limit + 1] else text[:limit]
    return cut.rstrip(" -–,;(")


def _unique(names: list[str], taken: set[str]) -> list[str]:
    """``names`` made unique (Excel compares sheet names ignoring case): a number on repeats."""
    out = []
    seen = {t.lower() for t in taken}
    for name in names:
        candidate, k = name, 2
        while candidate.lower() in seen:
            suffix = f" ({k})"
            candidate, k = whole_words(name, SHEET_NAME_MAX - len(suffix)) + suffix, k + 1
        seen.add(candidate.lower())
        out.append(candidate)
    return out


def sheet_text(name: str) -> tuple[str, str]:
    """What a sheet is and where it comes from (Norwegian), for the contents sheet."""
    if name in SHEETS:
        return SHEETS[name]
    table = output_tables.registry().get(name)
    return (table.title_no, table.source_no) if table is not None else (UNDESCRIBED, f"tables/{name}.csv")


def _table1_sheet(ws: Worksheet, tables_dir: Path, top: str | None = None) -> None:
    checks = read_checks(tables_dir.parent)
    layout = table1_layout(tidy_floats(pd.read_csv(tables_dir / "table1.csv")), warning=warning_marker(checks))
    frame = layout.reset_index()
    mnok = FORMATS["mnok"]
    formats: list[list[str | None]] = [[None if j == 0 else mnok] * len(frame) for j in range(frame.shape[1])]
    bold = [i for i, row in enumerate(layout.index) if row in (*HEADINGS, SUM)]
    write_sheet(ws, frame, [str(c) for c in frame.columns], formats, bold, align="center", autofilter=False, top=top)


def _contents_sheet(ws: Worksheet, names: list[str], texts: list[tuple[str, str]], top: str | None = None) -> None:
    rows = [(n, *t) for n, t in zip(names, texts, strict=True)]
    frame = pd.DataFrame(rows, columns=["Ark", "Innhold", "Kilde"])
    write_sheet(ws, frame, list(frame.columns), _plain(frame), autofilter=False, top=top)
    for i, name in enumerate(names, start=3 if top else 2):
        cell = ws.cell(row=i, column=1)
        quoted = name.replace("'", "''")
        cell.hyperlink = Hyperlink(ref=cell.coordinate, location=f"'{quoted}'!A1", display=name)
        cell.style = "Hyperlink"


def _column_rows(tables: dict[str, pd.DataFrame], sheets: dict[str, str]) -> pd.DataFrame:
    """Every column of every sheet (``tables``: table → frame; ``sheets``: table → sheet name)."""
    rows = []
    for table_name, df in tables.items():
        sheet = sheets.get(table_name, table_name)
        table = "run_info" if table_name == RUN_SHEET else table_name
        for column in df.columns:
            entry = output_tables.describe_column(table, str(column)) or {}
            rows.append(
                (
                    sheet,
                    str(column),
                    entry.get("label_no", ""),
                    entry.get("meaning", "(ikke beskrevet i ordlisten)"),
                    entry.get("unit", ""),
                )
            )
    return pd.DataFrame(rows, columns=["Ark", "Kolonne", "Norsk betegnelse", MEANING_HEADER, "Enhet"])


def headers(table: str, df: pd.DataFrame) -> list[str]:
    """The Norwegian header of every column of ``table`` (the column dictionary's label; the
    column's name where the dictionary has none)."""
    return [(output_tables.describe_column(table, str(c)) or {}).get("label_no") or str(c) for c in df.columns]


def source_line(source: str | None) -> str | None:
    """The line above the contents and Table 1: ``Data: <source>``."""
    return f"Data: {source}" if source else None


def write_workbook(tables_dir: Path, out: Path, run_info: pd.DataFrame | None, source: str | None = None) -> Path:
    """Every CSV of ``tables_dir`` as one sheet of an Excel workbook at ``out``, with a contents
    sheet first, Table 1 in the report's layout second (when ``table1.csv`` is there), the
    column dictionary and the run information (``run_info`` without
    :data:`lib.report.run_info.VOLATILE` rows; no sheet when None) last. ``source``: the data
    source (:func:`lib.chain.data_source.label`), above the contents and Table 1. Returns ``out``."""
    tables = {p.stem: tidy_floats(pd.read_csv(p)) for p in table_order(tables_dir)}
    info = (
        None
        if run_info is None
        else run_report.presented(run_info[~run_info["item"].isin(run_report.VOLATILE)].reset_index(drop=True))
    )
    has_table1 = (tables_dir / "table1.csv").is_file()
    fixed = [CONTENTS, *([TABLE1_SHEET] if has_table1 else []), COLUMNS_SHEET, RUN_SHEET]
    sheets = dict(zip(tables, _unique([sheet_name(t) for t in tables], set(fixed)), strict=True))
    names = [
        CONTENTS,
        *([TABLE1_SHEET] if has_table1 else []),
        *sheets.values(),
        COLUMNS_SHEET,
        *([RUN_SHEET] if info is not None else []),
    ]
    texts = [
        sheet_text(CONTENTS),
        *([sheet_text(TABLE1_SHEET)] if has_table1 else []),
        *(sheet_text(t) for t in tables),
        sheet_text(COLUMNS_SHEET),
        *([sheet_text(RUN_SHEET)] if info is not None else []),
    ]
    top = source_line(source)
    book = Workbook()
    contents = book.active
    assert contents is not None
    contents.title = CONTENTS
    _contents_sheet(contents, names, texts, top)
    if has_table1:
        _table1_sheet(book.create_sheet(TABLE1_SHEET), tables_dir, top)
    shown = {name: _for_readers(name, df) for name, df in tables.items()}
    for name, df in shown.items():
        write_sheet(book.create_sheet(sheets[name]), df, headers(name, df), _cell_formats(name, df))
    described = {**shown, **({RUN_SHEET: info} if info is not None else {})}
    columns = _column_rows(described, sheets)
    write_sheet(
        book.create_sheet(COLUMNS_SHEET),
        columns,
        list(columns.columns),
        _plain(columns),
        numbers=[False] * len(columns),
    )
    if info is not None:
        write_sheet(
            book.create_sheet(RUN_SHEET), info, headers("run_info", info), _plain(info), numbers=[False] * len(info)
        )
    return save(book, out, TITLE)


def save(book: Workbook, out: Path, title: str) -> Path:
    """Save ``book`` to ``out`` with the project's document properties and fixed times (entry
    times and "modified"), so identical content gives identical bytes; returns ``out``."""
    book.properties.title = title
    book.properties.subject = PROJECT
    book.properties.creator = PROJECT
    book.properties.keywords = "02800; bemanning; Erlang C; nytte-kostnad; POD-rapport 7/2024"
    book.properties.created = FIXED_TIME
    book.properties.modified = FIXED_TIME
    out.parent.mkdir(parents=True, exist_ok=True)
    book.save(out)
    _fix_zip_times(out)
    return out


def _fix_zip_times(path: Path) -> None:
    """Rewrite a zip (xlsx) with fixed entry times, and the workbook's "modified" time that
    openpyxl stamps on every save, so identical content gives identical bytes."""
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(path) as z:
        entries = [(i.filename, z.read(i.filename)) for i in z.infolist()]
    entries = [
        (
            name,
            re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rb"\g<1>" + stamp + rb"\g<2>", data)
            if name == "docProps/core.xml"
            else data,
        )
        for name, data in entries
    ]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
