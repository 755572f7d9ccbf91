"""Read a call-log file (CSV, gzip-compressed CSV or Parquet) into its seven contract columns.

The format is recognised from the file's first bytes, not its name: ``PAR1`` is Parquet,
``1f 8b`` is gzip (a compressed CSV), anything else is read as UTF-8 CSV. A CSV's
separator (comma or semicolon) is sniffed from its header line. CSV cells are read as
text, exactly as written, and parsed later by :mod:`lib.calllog.validate`; Parquet columns
keep their stored types.

Every failure raises :class:`CallLogError`, whose message names the file and says what is
wrong. Messages never quote row contents (the data are personal), so errors of the
underlying readers, which may, are replaced rather than chained.
"""

from __future__ import annotations

import csv
import gzip
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from lib.paths import display_path, resolve

#: The seven columns of the call-log contract (CALL_LOG_SCHEMA.md), in order.
CONTRACT_COLUMNS: tuple[str, ...] = ("call_id", "district", "queue", "arrived_at", "wait_s", "talk_s", "answered")

PARQUET_MAGIC = b"PAR1"
GZIP_MAGIC = b"\x1f\x8b"


class CallLogError(ValueError):
    """A call-log file cannot be used as it is; the message names the file and the problem."""


@dataclass
class RawLog:
    """A call-log file as read: the seven contract columns, unparsed.

    ``frame`` holds text columns for CSV and the stored types for Parquet; ``kind`` is
    ``"parquet"``, ``"csv"`` or ``"csv.gz"``; ``delimiter`` is the CSV separator (``None``
    for Parquet). Row ``i`` of ``frame`` is data row ``i + 1`` of the file (for CSV the
    header is not counted).
    """

    frame: pd.DataFrame
    path: Path
    kind: str
    delimiter: str | None = None

    @property
    def name(self) -> str:
        """The file as shown in messages (relative to the project root when inside it)."""
        return display_path(self.path)

    @property
    def row_note(self) -> str:
        """How row numbers in messages count rows of this file."""
        if self.kind == "parquet":
            return "row numbers are 1-based data rows of the Parquet file"
        return (
            "row numbers are 1-based data records, header and blank lines not counted "
            "(without blank lines or line breaks inside quotes, file line = row number + 1)"
        )


def _fail(path: Path, what: str) -> CallLogError:
    return CallLogError(f"call log {display_path(path)}: {what}")


def _normalise_header(name: str) -> str:
    """Header names compare without surrounding space, byte-order mark, quotes or case."""
    return name.strip().lstrip("\ufeff").strip().strip('"').strip().lower()


def _check_columns(path: Path, names: list[str]) -> dict[str, str]:
    """Map each contract column to its name in the file; error on missing or repeated ones."""
    found: dict[str, str] = {}
    for original in names:
        key = _normalise_header(original)
        if key in CONTRACT_COLUMNS:
            if key in found:
                raise _fail(path, f"column {key!r} appears more than once")
            found[key] = original
    missing = [c for c in CONTRACT_COLUMNS if c not in found]
    if missing:
        # Never echo the header's fields: in a file without a header line they are a call.
        hint = "; the first line does not look like a header" if not found else ""
        raise _fail(
            path,
            f"missing column(s) {missing}; the contract needs {list(CONTRACT_COLUMNS)} "
            f"(the header has {len(names)} field(s){hint})",
        )
    return found


def sniff_delimiter(header: str) -> str:
    """``";"`` or ``","``: the separator that splits ``header`` into the contract's columns.

    When neither does, the one giving more fields is returned (the column check then says
    which columns are missing).
    """
    best, best_hits = ",", -1
    for sep in (";", ","):
        fields = {_normalise_header(f) for f in header.split(sep)}
        hits = len(fields & set(CONTRACT_COLUMNS)) * 100 + len(header.split(sep))
        if hits > best_hits:
            best, best_hits = sep, hits
    return best


def _first_line(path: Path, compressed: bool) -> str:
    opener = gzip.open if compressed else open
    try:
        with opener(path, "rb") as fh:
            line = fh.readline()
    except (OSError, EOFError):
        raise _fail(path, "unreadable: not a valid gzip file") from None
    try:
        return line.decode("utf-8-sig").rstrip("\r\n")
    except UnicodeDecodeError:
        raise _fail(path, "unreadable: the header is not UTF-8 text") from None


def _read_csv(path: Path, compressed: bool) -> RawLog:
    header = _first_line(path, compressed)
    if not header.strip():
        raise _fail(path, "empty file: no header line")
    sep = sniff_delimiter(header)
    try:  # the names as the CSV parser sees them (quotes removed)
        names = next(csv.reader([header], delimiter=sep))
    except csv.Error:
        raise _fail(
            path,
            "unreadable header line (line endings or quoting); save the file as CSV with \\n or \\r\\n line endings",
        ) from None
    found = _check_columns(path, names)
    try:
        source = pa.input_stream(str(path), compression="gzip" if compressed else None)
        table = pacsv.read_csv(
            source,
            read_options=pacsv.ReadOptions(use_threads=True, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(delimiter=sep),
            convert_options=pacsv.ConvertOptions(
                column_types={found[c]: pa.string() for c in CONTRACT_COLUMNS},
                include_columns=[found[c] for c in CONTRACT_COLUMNS],
                strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowKeyError) as err:
        # Arrow's messages quote the offending row: say what kind of problem, not the row.
        text = str(err)
        if "UTF8" in text or "UTF-8" in text:
            what = "unreadable: not valid UTF-8 text"
        elif "columns" in text:
            what = (
                f"unreadable as {sep!r}-separated CSV: a row has a different number of fields "
                f"than the header (check quoting and separators)"
            )
        else:
            what = f"unreadable as {sep!r}-separated CSV"
        raise _fail(path, what) from None
    except OSError:
        raise _fail(path, "unreadable: the file could not be decompressed or read") from None
    if table.num_rows == 0:
        raise _fail(path, "empty file: a header but no data rows")
    frame = table.rename_columns([_normalise_header(n) for n in table.column_names]).to_pandas()
    return RawLog(frame=frame[list(CONTRACT_COLUMNS)], path=path, kind="csv.gz" if compressed else "csv", delimiter=sep)


def _read_parquet(path: Path) -> RawLog:
    try:
        schema = pq.read_schema(path)
    except (pa.ArrowException, OSError):
        raise _fail(path, "unreadable: starts like Parquet but cannot be read as Parquet") from None
    found = _check_columns(path, list(schema.names))
    try:
        frame = pd.read_parquet(path, columns=[found[c] for c in CONTRACT_COLUMNS])
    except (pa.ArrowException, OSError):
        raise _fail(path, "unreadable: the Parquet data cannot be read") from None
    if len(frame) == 0:
        raise _fail(path, "empty file: no data rows")
    frame.columns = list(CONTRACT_COLUMNS)
    return RawLog(frame=frame.reset_index(drop=True), path=path, kind="parquet")


def read_call_log(path: str | Path) -> RawLog:
    """Read a call log (CSV, ``.csv.gz`` or Parquet; relative paths from the project root).

    Raises :class:`CallLogError` for a missing, empty or unreadable file and for missing
    columns. Extra columns are ignored.
    """
    path = resolve(path)
    if not path.exists():
        raise _fail(path, "file not found")
    if not path.is_file():
        raise _fail(path, "unreadable: not a regular file")
    try:
        with open(path, "rb") as fh:
            magic = fh.read(4)
    except OSError:
        raise _fail(path, "unreadable: permission denied or I/O error") from None
    if not magic:
        raise _fail(path, "empty file (0 bytes)")
    if magic == PARQUET_MAGIC:
        return _read_parquet(path)
    return _read_csv(path, compressed=magic[:2] == GZIP_MAGIC)
