"""The synthetic year written the ways a telephony system or a spreadsheet writes an export.

For the tests and benchmarks that read **the full synthetic year** in every form the reader
supports and check that each gives the same cleaned log as the Parquet file (issue 20), and
for anyone who wants a realistic export to try the chain on. Every writer is vectorised
(Arrow's CSV writer and compute functions), so a year of 1.77 million calls takes seconds.

:data:`FORMS` names the forms; :func:`write_form` writes one of them from the synthetic
log's rows. Only the synthetic log is meant to go through here: the files it writes are
call-level data, to be written into a temporary folder.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

#: The forms :func:`write_form` writes, with what each looks like.
FORMS: dict[str, str] = {
    "parquet": "Parquet, as the synthetic generator writes it (typed columns)",
    "csv": "comma-separated UTF-8, ISO 8601 with UTC offset, decimal points, true/false",
    "excel-semicolon": (
        "Norwegian Excel's 'CSV (semikolondelt)': Windows-1252, semicolon, decimal commas (37,0), "
        "dd.mm.yyyy hh:mm:ss local time, ja/nei, CRLF"
    ),
    "tab": (
        "Norwegian Excel's 'Tekst (tabulatordelt)': Windows-1252, tab, decimal commas, dd.mm.yyyy hh:mm local "
        "time with seconds, SANN/USANN"
    ),
    "gzip": "the comma-separated form, gzip-compressed",
}


def _local_text(ts: pd.Series, fmt: str) -> pa.Array:
    """Timestamps (tz-aware) as text in their own time zone, whole seconds."""
    arr = pa.array(ts)
    return pc.strftime(pc.cast(arr, pa.timestamp("s", tz=arr.type.tz), safe=False), format=fmt)


def _decimal_comma(x: pd.Series) -> pa.Array:
    """Seconds as Norwegian spreadsheets write them: ``37,0``, ``12,5``."""
    text = pc.cast(pa.array(x.to_numpy(dtype=float)), pa.string())
    has_point = pc.match_substring(text, ".")
    return pc.if_else(has_point, pc.replace_substring(text, ".", ","), pc.binary_join_element_wise(text, ",0", ""))


def _point(x: pd.Series) -> pa.Array:
    return pc.cast(pa.array(x.to_numpy(dtype=float)), pa.string())


def _words(answered: pd.Series, yes: str, no: str) -> pa.Array:
    return pa.array(np.where(answered.to_numpy(dtype=bool), yes, no))


def _csv_bytes(table: pa.Table, sep: str, quoted: bool = True) -> bytes:
    """``quoted``: every text value in quotes (as Arrow writes); else none (as Excel writes values
    that hold no separator, quote or line break, which is all of the synthetic log's)."""
    sink = pa.BufferOutputStream()
    options = pacsv.WriteOptions(delimiter=sep, quoting_style="needed" if quoted else "none", include_header=quoted)
    pacsv.write_csv(table, sink, options)
    header = b"" if quoted else (sep.join(table.column_names) + "\n").encode()
    return header + sink.getvalue().to_pybytes()


def _write_csv(
    table: pa.Table, path: Path, sep: str, encoding: str = "utf-8", eol: str = "\n", quoted: bool = True
) -> Path:
    data = _csv_bytes(table, sep, quoted)
    if eol != "\n":
        data = data.replace(b"\n", eol.encode())
    if encoding != "utf-8":
        data = data.decode("utf-8").encode(encoding)
    path.write_bytes(data)
    return path


def _iso_table(df: pd.DataFrame) -> pa.Table:
    return pa.table(
        {
            "call_id": pa.array(df["call_id"].astype(str)),
            "district": pa.array(df["district"].astype(str)),
            "queue": pa.array(df["queue"].astype(str)),
            "arrived_at": _local_text(df["arrived_at"], "%Y-%m-%dT%H:%M:%S%z"),
            "wait_s": _point(df["wait_s"]),
            "talk_s": _point(df["talk_s"]),
            "answered": _words(df["answered"], "true", "false"),
        }
    )


def _excel_table(df: pd.DataFrame, time_format: str, yes: str, no: str) -> pa.Table:
    return pa.table(
        {
            "call_id": pa.array(df["call_id"].astype(str)),
            "district": pa.array(df["district"].astype(str)),
            "queue": pa.array(df["queue"].astype(str)),
            "arrived_at": _local_text(df["arrived_at"], time_format),
            "wait_s": _decimal_comma(df["wait_s"]),
            "talk_s": _decimal_comma(df["talk_s"]),
            "answered": _words(df["answered"], yes, no),
        }
    )


def write_form(df: pd.DataFrame, form: str, folder: str | Path, name: str = "calls_2023") -> Path:
    """Write the call log ``df`` (the contract's seven typed columns, ``arrived_at`` tz-aware) in
    ``form`` (a key of :data:`FORMS`) into ``folder``; the path written (a file)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if form == "parquet":
        path = folder / f"{name}.parquet"
        df.to_parquet(path, index=False)
        return path
    if form == "csv":
        return _write_csv(_iso_table(df), folder / f"{name}.csv", ",")
    if form == "gzip":
        path = folder / f"{name}.csv.gz"
        path.write_bytes(gzip.compress(_csv_bytes(_iso_table(df), ","), compresslevel=1))
        return path
    if form == "excel-semicolon":
        table = _excel_table(df, "%d.%m.%Y %H:%M:%S", "ja", "nei")
        return _write_csv(table, folder / f"{name}_excel.csv", ";", encoding="cp1252", eol="\r\n", quoted=False)
    if form == "tab":
        table = _excel_table(df, "%d.%m.%Y %H:%M:%S", "SANN", "USANN")
        return _write_csv(table, folder / f"{name}_excel.txt", "\t", encoding="cp1252", eol="\r\n", quoted=False)
    raise ValueError(f"unknown form {form!r}; the forms are {list(FORMS)}")


def fold_as_first_occurrence(clean: pd.DataFrame, column: str = "arrived_at") -> pd.DataFrame:
    """``clean`` with the times of the second occurrence of the autumn fold hour (02:00-02:59
    +01:00 on the last Sunday of October, 01:00-01:59 UTC by the EU rule) moved to the first
    (+02:00): what a file without UTC offsets gives, since the contract reads a naive time in
    the fold as its first occurrence."""
    t = clean[column]
    second = np.zeros(len(t), dtype=bool)
    for year in pd.unique(t.dt.year):
        october_31 = pd.Timestamp(year=int(year), month=10, day=31, hour=1, tz="UTC")
        start = october_31 - pd.Timedelta(days=(october_31.day_of_week + 1) % 7)  # the last Sunday, 01:00 UTC
        second |= ((t >= start) & (t < start + pd.Timedelta(hours=1))).to_numpy()
    if not second.any():
        return clean
    out = clean.copy()
    out.loc[second, column] = t[second] - pd.Timedelta(hours=1)
    return out
