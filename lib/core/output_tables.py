"""Every result table the chain writes, once: its name and file, the notebook that writes it,
what it is (Norwegian, for the workbook), where it comes from in the report, its columns with
their meaning and unit, and how ``make compare`` keys it.

Two data files hold it (data, not code): ``lib/core/data/output_tables.csv`` (one row per
table, in the chain's order: notebook 01's tables first) and the column dictionary
``lib/core/data/column_dictionary.csv`` (one row per table and column: Norwegian label,
meaning, unit, format). A ``column`` holding ``{n}`` stands for every column that matches
with a number in its place (the year columns of ``table1_cash_flows``, ``base_value_2``).

Notebooks and the library write a result table with :func:`write` (which refuses columns the
dictionary does not describe, so the dictionary cannot drift from the tables) and read it
with :func:`read`; no notebook names a table's file. The workbook's order and sheet texts,
``make compare``'s list and ``docs/data_dictionary.md`` come from here (tests check the last).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pandas as pd

from lib.core.paths import LIB_DATA, display_path, resolve, tables_dir
from lib.core.result_csv import write_csv

REGISTRY_FILE = LIB_DATA / "output_tables.csv"
COLUMN_DICTIONARY = LIB_DATA / "column_dictionary.csv"
REGISTRY_COLUMNS = ("name", "notebook", "title_no", "report_source_no", "for_people", "compare_keys", "compare_values")
DICTIONARY_COLUMNS = ("table", "column", "label_no", "meaning", "unit", "format")
#: The formats a dictionary entry may name (the workbook maps each to an Excel number format).
FORMATS = ("mnok", "share", "count", "seconds", "person_years", "number", "year", "text")
PATTERN = "{n}"
#: A column named by an export file (a cleaning report's column per file): matches any name
#: ending as an export file does.
FILE_PATTERN = "{file}"
FILE_SUFFIXES = (".csv", ".txt", ".tsv", ".gz", ".parquet", ".pq")
#: Tables described in the dictionary that are not CSV tables of a run's ``tables/`` (the
#: run information is its own file, ``run_info.csv``, and a sheet of the workbook).
NOT_TABLES = ("run_info",)


@dataclass(frozen=True)
class OutputTable:
    """One result table: ``name`` (its file is ``tables/{name}.csv``), the ``notebook`` that
    writes it, ``title_no`` and ``report_source_no`` (Norwegian: what it is, where it comes
    from), ``for_people`` (its workbook sheet shows the Norwegian column labels), and the
    ``compare_keys`` and ``compare_values`` columns ``make compare`` reads (empty: not compared)."""

    name: str
    notebook: str
    title_no: str
    report_source_no: str
    for_people: bool
    compare_keys: tuple[str, ...]
    compare_values: tuple[str, ...]

    @property
    def file(self) -> str:
        return f"{self.name}.csv"

    @property
    def source_no(self) -> str:
        """Where the table comes from, as the workbook's contents sheet says it."""
        return f"notatbok {self.notebook}; {self.report_source_no}"

    def columns(self) -> pd.DataFrame:
        """The dictionary's entries for this table (column, label_no, meaning, unit, format)."""
        d = column_dictionary()
        return d[d["table"] == self.name].reset_index(drop=True)


@cache
def registry() -> dict[str, OutputTable]:
    """Every result table by name, in the chain's order."""
    t = pd.read_csv(REGISTRY_FILE, dtype=str, keep_default_na=False)
    if tuple(t.columns) != REGISTRY_COLUMNS:
        raise ValueError(f"{REGISTRY_FILE.name}: columns {list(t.columns)}, expected {list(REGISTRY_COLUMNS)}")
    if t["name"].duplicated().any():
        raise ValueError(f"{REGISTRY_FILE.name}: duplicate names {sorted(t.loc[t['name'].duplicated(), 'name'])}")
    return {
        r.name: OutputTable(
            r.name,
            r.notebook,
            r.title_no,
            r.report_source_no,
            r.for_people == "yes",
            tuple(r.compare_keys.split()),
            tuple(r.compare_values.split()),
        )
        for r in t.itertuples(index=False)
    }


def get(name: str) -> OutputTable:
    """The table ``name``; a ``KeyError`` naming the known tables otherwise."""
    tables = registry()
    if name not in tables:
        raise KeyError(f"no result table {name!r} in {REGISTRY_FILE.name}; known: {', '.join(tables)}")
    return tables[name]


@cache
def column_dictionary() -> pd.DataFrame:
    """The column dictionary: one row per table and column (:data:`DICTIONARY_COLUMNS`, all
    text). Refuses unknown formats and duplicates."""
    d = pd.read_csv(COLUMN_DICTIONARY, dtype=str, keep_default_na=False)
    name = COLUMN_DICTIONARY.name
    if tuple(d.columns) != DICTIONARY_COLUMNS:
        raise ValueError(f"{name}: columns {list(d.columns)}, expected {list(DICTIONARY_COLUMNS)}")
    bad = sorted(set(d["format"]) - set(FORMATS))
    if bad:
        raise ValueError(f"{name}: unknown format(s) {bad}; known: {sorted(FORMATS)}")
    dup = d[d.duplicated(["table", "column"])]
    if not dup.empty:
        raise ValueError(f"{name}: duplicate entries {list(zip(dup['table'], dup['column'], strict=True))}")
    return d


def describe_column(table: str, column: str) -> dict[str, str] | None:
    """The dictionary entry of ``table``'s ``column`` (label_no, meaning, unit, format), a
    ``{n}`` pattern resolved (``{n}`` in ``label_no`` and ``meaning`` becomes the number);
    None when the dictionary has none."""
    d = column_dictionary()
    rows = d[d["table"] == table]
    exact = rows[rows["column"] == column]
    if not exact.empty:
        return dict(exact.iloc[0])
    if column.lower().endswith(FILE_SUFFIXES):
        entry = rows[rows["column"] == FILE_PATTERN]
        if not entry.empty:
            return {**dict(entry.iloc[0]), "column": column, "label_no": column}
    for entry in rows[rows["column"].str.contains(PATTERN, regex=False)].itertuples(index=False):
        m = re.match(_regex(entry.column), column)
        if m:
            found = dict(entry._asdict())
            for key in ("column", "label_no", "meaning"):
                found[key] = found[key].replace(PATTERN, m.group(1))
            return found
    return None


def _regex(column: str) -> str:
    return "^" + re.escape(column).replace(re.escape(PATTERN), r"(\d+)") + "$"


def undescribed(name: str, columns: list[str]) -> list[str]:
    """The columns of a table ``name`` that the dictionary does not describe (a table may leave
    out a column the dictionary has: ``note`` of the cleaning report is for interval input)."""
    get(name)
    return [c for c in columns if describe_column(name, c) is None]


def path(name: str, outputs_dir: str | Path) -> Path:
    """Where the table ``name`` of the run in ``outputs_dir`` lives (``tables/{name}.csv``)."""
    return resolve(outputs_dir) / "tables" / get(name).file


def write(name: str, df: pd.DataFrame, outputs_dir: str | Path) -> Path:
    """Write the result table ``name`` (:func:`lib.core.result_csv.write_csv`) into
    ``{outputs_dir}/tables``; refuses a frame with a column the dictionary does not describe."""
    extra = undescribed(name, [str(c) for c in df.columns])
    if extra:
        raise ValueError(
            f"table {name}: columns not in the column dictionary {extra}; update {COLUMN_DICTIONARY.name} with the table"
        )
    return write_csv(df, tables_dir(outputs_dir) / get(name).file)


def read(name: str, outputs_dir: str | Path, **read_csv) -> pd.DataFrame:
    """The result table ``name`` of the run in ``outputs_dir`` (``pandas.read_csv`` options);
    a missing table is an error that says which notebook writes it."""
    p = path(name, outputs_dir)
    if not p.is_file():
        raise FileNotFoundError(
            f"result table {display_path(p)} not found: {get(name).notebook} writes it, and a later notebook reads "
            "it; run the notebooks in order (make report)"
        )
    return pd.read_csv(p, **read_csv)
