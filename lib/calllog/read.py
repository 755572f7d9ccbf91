"""Read a call-log file (CSV, gzip-compressed CSV or Parquet) into its seven contract columns.

The format is recognised from the file's first bytes, not its name: ``PAR1`` is Parquet,
``1f 8b`` is gzip (a compressed CSV), anything else is read as CSV text.

CSV text
--------
* **Encoding**: UTF-8, with or without a byte-order mark, or Windows-1252 (what Excel's
  "CSV (semikolondelt)" writes on a Norwegian Windows). A file that is valid UTF-8 is read
  as UTF-8; one that is not, but is valid Windows-1252, as Windows-1252. Anything else
  (UTF-16, an Excel workbook, binary data, bytes neither encoding has, a file that mixes
  the two) is refused with a message saying what the file looks like and how to save it.
* **Separator**: comma, semicolon or tab, sniffed from the header line (the one that splits
  it into the contract's columns).
* **Rows**: every record after the header is a row, numbered from 1, blank lines included
  (without line breaks inside quoted values, row ``n`` is file line ``n + 1``). A record
  with fewer or more fields than the header is a row too: it keeps the fields it has, by
  position, and is flagged in :attr:`RawLog.wrong_fields` (the validation's ``wrong number
  of fields``). A blank line is a row of empty values (the validation's ``empty row``).
  Only empty lines at the very end of the file are not rows: they are ignored and counted
  in :attr:`RawLog.trailing_blank_lines`.
* Cells are read as text, exactly as written, and parsed by :mod:`lib.calllog.validate`.

Parquet columns keep their stored types. A timestamp column without a time zone is Oslo
local time, as the contract says, whatever the file's pandas metadata claims: some writers
store local wall-clock values as a naive column and name ``Europe/Oslo`` only in that
metadata, which pandas would apply as if the values were UTC (moving every arrival by one or
two hours), so the metadata is not applied. A time-zone-aware timestamp column holding a
value outside the years :data:`TIMESTAMP_YEARS` (a placeholder such as year 1 or 9999) is
read in UTC, where pandas can hold it; the validation flags such rows.

Every failure raises :class:`CallLogError`, whose message names the file and says what is
wrong. Messages never quote row contents (the data are personal), so errors of the
underlying readers, which may, are replaced rather than chained.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from lib.calllog.mapping import (
    CALL_COLUMNS,
    CALLS,
    ColumnPlan,
    Mapping,
    MappingError,
    contract_key,
    mapping_for,
    plan_columns,
    sniff_score,
)
from lib.core.paths import display_path, resolve

#: The seven columns of the call-log contract (docs/call_log_contract.md), in order.
CONTRACT_COLUMNS: tuple[str, ...] = CALL_COLUMNS

PARQUET_MAGIC = b"PAR1"
GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an old Excel workbook (.xls)
UTF8_BOM = b"\xef\xbb\xbf"

#: The encodings a CSV is read in, as :attr:`RawLog.encoding` and the input-format table name them.
UTF8, UTF8_WITH_BOM, WINDOWS_1252 = "UTF-8", "UTF-8 with byte-order mark", "Windows-1252"
#: The separators a CSV may use, and their names in the input-format table.
SEPARATORS: dict[str, str] = {",": "comma", ";": "semicolon", "\t": "tab"}
#: Bytes of CSV text Arrow's reader parses at a time.
BLOCK_SIZE = 1 << 24
#: First and last year a timestamp may fall in: what a nanosecond timestamp holds, in whole years.
TIMESTAMP_YEARS: tuple[int, int] = (1678, 2261)

#: What to do with a file that is not UTF-8 or Windows-1252 text.
SAVE_AS_UTF8 = "save it as UTF-8 CSV (in Excel: Lagre som → CSV UTF-8 (kommadelt))"


class CallLogError(ValueError):
    """A call-log file cannot be used as it is; the message names the file and the problem."""


@dataclass
class RawLog:
    """A call-log file as read: the seven contract columns, unparsed.

    ``frame`` holds the contract columns the ``plan`` found (for a call log the seven of
    :data:`CONTRACT_COLUMNS`; a date and a time column joined by a space into one), text for
    CSV and the stored types for Parquet; ``kind`` is ``"parquet"``, ``"csv"`` or ``"csv.gz"``; ``delimiter`` is the CSV separator and
    ``encoding`` the CSV's encoding (:data:`UTF8`, :data:`UTF8_WITH_BOM` or
    :data:`WINDOWS_1252`; both ``None`` for Parquet). Row ``i`` of ``frame`` is data row
    ``i + 1`` of the file (for CSV the header is not counted, blank lines are).
    ``wrong_fields``: rows whose record has fewer or more fields than the header (their
    values are the fields they have, by position; ``None``: no such row).
    ``trailing_blank_lines``: empty lines at the very end of a CSV, ignored.
    ``ignored_timezone``: see the field.
    """

    frame: pd.DataFrame
    path: Path
    kind: str
    delimiter: str | None = None
    encoding: str | None = None
    wrong_fields: np.ndarray | None = None
    trailing_blank_lines: int = 0
    #: Parquet: the time zone the file's pandas metadata names for a naive ``arrived_at``
    #: column (not applied: naive times are Oslo local time); ``None`` otherwise.
    ignored_timezone: str | None = None
    #: Where each contract column was found, and the kind of export (call log or intervals).
    plan: ColumnPlan | None = None

    @property
    def log_kind(self) -> str:
        """``"calls"`` (a call log) or ``"intervals"`` (interval statistics)."""
        return CALLS if self.plan is None else self.plan.kind

    @property
    def name(self) -> str:
        """The file as shown in messages (relative to the project root when inside it)."""
        return display_path(self.path)

    @property
    def format(self) -> str:
        """``parquet``, ``csv`` or ``gzip csv``."""
        return {"parquet": "parquet", "csv": "csv", "csv.gz": "gzip csv"}[self.kind]

    @property
    def separator(self) -> str | None:
        """The separator as a word (comma, semicolon, tab); ``None`` for Parquet."""
        return None if self.delimiter is None else SEPARATORS[self.delimiter]

    @property
    def row_note(self) -> str:
        """How row numbers in messages count rows of this file."""
        if self.kind == "parquet":
            return "row numbers are 1-based data rows of the Parquet file"
        return (
            "row numbers are 1-based records after the header, blank lines included "
            "(without line breaks inside quotes, file line = row number + 1)"
        )


def _fail(path: Path, what: str) -> CallLogError:
    return CallLogError(f"call log {display_path(path)}: {what}")


def _normalise_header(name: str) -> str:
    """Header names compare without surrounding space, byte-order mark, quotes or case."""
    return contract_key(name)


def _plan(path: Path, names: list[str], columns: str | Path | Mapping | None, header_line: bool = True) -> ColumnPlan:
    """Where the contract columns are among the export's headers ``names`` (see
    :mod:`lib.calllog.mapping`): a mapping file (``columns``, or the one beside the export),
    the contract's names, built-in aliases. Errors name the file, the columns missing and the
    closest headers, never a data value."""
    try:
        mapping = columns if isinstance(columns, Mapping) else mapping_for(path, columns)
    except MappingError as err:
        raise CallLogError(f"call log {display_path(path)}: {err}") from None
    return plan_columns(names, mapping, lambda what: _fail(path, what), header_line=header_line)


def sniff_delimiter(header: str) -> str:
    """``";"``, ``","`` or ``"\\t"``: the separator that splits ``header`` into the contract's columns
    (its names or the built-in aliases of :mod:`lib.calllog.mapping`).

    When none does, the one giving more fields is returned (the column check then says
    which columns are missing).
    """
    best, best_hits = ",", -1
    for sep in (";", ",", "\t"):
        fields = header.split(sep)
        hits = sniff_score(fields) * 100 + len(fields)
        if hits > best_hits:
            best, best_hits = sep, hits
    return best


# --- bytes to UTF-8 text ----------------------------------------------------------------------


def _line(data: bytes, pos: int) -> int:
    """The 1-based file line of byte ``pos`` (a position, never the line's contents)."""
    return data.count(b"\n", 0, pos) + 1


def _is_utf8(data: bytes) -> bool:
    """Whether ``data`` is valid UTF-8 (Arrow's validation: fast, no copy)."""
    offsets = pa.py_buffer(np.array([0, len(data)], dtype=np.int64))
    text = pa.Array.from_buffers(pa.large_string(), 1, [None, offsets, pa.py_buffer(data)])
    try:
        text.validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def _first_non_utf8(data: bytes) -> int:
    """Position of the first byte that is not UTF-8 (``data`` is known to hold one)."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as err:
        return err.start
    return len(data)


def _utf8_letter(data: bytes) -> int:
    """Position of the first UTF-8 encoded Latin-1 letter or sign (æ, ø, å, é, a no-break space:
    bytes C2 or C3 and a continuation byte), or -1. Read as Windows-1252 such a pair is Ã¸ or Â
    and a sign, which Norwegian text never holds: in a file that is not valid UTF-8 it means a
    mix of the two encodings."""
    for lead in (b"\xc3", b"\xc2"):
        pos = data.find(lead)
        while 0 <= pos < len(data) - 1:
            if 0x80 <= data[pos + 1] <= 0xBF:
                return pos
            pos = data.find(lead, pos + 1)
    return -1


def _utf16_without_bom(data: bytes) -> bool:
    """Text in UTF-16 without a byte-order mark: ASCII characters with a NUL byte beside each."""
    head = np.frombuffer(data[:4096], dtype=np.uint8)
    if head.size < 8:
        return False
    zero = head == 0
    return bool(zero[0::2].mean() > 0.4 or zero[1::2].mean() > 0.4)


def _decode(path: Path, data: bytes) -> tuple[bytes, str]:
    """The file's text as UTF-8 bytes (byte-order mark removed) and the encoding it was written in."""
    if data.startswith(UTF8_BOM):
        body = data[len(UTF8_BOM) :]
        if not _is_utf8(body):
            line = _line(body, _first_non_utf8(body))
            raise _fail(
                path,
                f"unreadable: it starts with a UTF-8 byte-order mark, but line {line} is not UTF-8 text "
                f"(parts saved in different encodings?); {SAVE_AS_UTF8}",
            ) from None
        return body, UTF8_WITH_BOM
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _fail(
            path,
            "unreadable: UTF-16 text (it starts with a UTF-16 byte-order mark, as Excel's "
            f"'Unicode-tekst' writes it); the reader takes UTF-8 or Windows-1252: {SAVE_AS_UTF8}",
        ) from None
    if data.startswith(ZIP_MAGIC):
        raise _fail(
            path,
            "unreadable: a zip container, most likely an Excel workbook (.xlsx), not a CSV file; open it "
            f"in Excel and {SAVE_AS_UTF8} (a zip archive holding a CSV: unzip it; gzip is read as it is)",
        ) from None
    if data.startswith(OLE2_MAGIC):
        raise _fail(
            path, f"unreadable: an Excel workbook (.xls), not a CSV file; open it in Excel and {SAVE_AS_UTF8}"
        ) from None
    nul = data.find(b"\x00")
    if nul >= 0:
        if _utf16_without_bom(data):
            raise _fail(
                path,
                "unreadable: UTF-16 text without a byte-order mark (a NUL byte beside each letter); "
                f"the reader takes UTF-8 or Windows-1252: {SAVE_AS_UTF8}",
            ) from None
        raise _fail(
            path,
            f"unreadable: binary data, not text (a NUL byte on line {_line(data, nul)}); a call log is a "
            f"CSV text file or Parquet: {SAVE_AS_UTF8}",
        ) from None
    if _is_utf8(data):
        return data, UTF8
    not_utf8 = _first_non_utf8(data)
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as err:  # 81, 8D, 8F, 90 and 9D are no Windows-1252 character
        raise _fail(
            path,
            f"unreadable: neither UTF-8 nor Windows-1252 text (line {_line(data, not_utf8)} is not UTF-8, "
            f"line {_line(data, err.start)} has a byte Windows-1252 does not define); {SAVE_AS_UTF8}",
        ) from None
    mixed = _utf8_letter(data)
    if mixed >= 0:
        first, second = sorted((mixed, not_utf8))
        raise _fail(
            path,
            f"unreadable: mixes UTF-8 and Windows-1252 (lines {_line(data, first)} and {_line(data, second)}): "
            f"parts of it were saved in different encodings; {SAVE_AS_UTF8}",
        ) from None
    return text.encode("utf-8"), WINDOWS_1252


def _without_trailing_blank_lines(data: bytes) -> tuple[int, int]:
    """``(end, count)``: the end of the last line that is not empty, and how many empty lines follow it."""
    n, k = len(data), 1 << 12
    while True:  # look at a growing tail; a file rarely ends in more than a few line breaks
        start = max(0, n - k)
        kept = len(data[start:n].rstrip(b"\r\n"))
        if kept or start == 0:
            last = start + kept
            break
        k <<= 4
    cut = data.find(b"\n", last)
    if cut < 0:
        return n, 0
    rest = data[cut + 1 :]
    return cut + 1, rest.count(b"\n") + (1 if rest and not rest.endswith(b"\n") else 0)


# --- CSV ----------------------------------------------------------------------------------------


def _load(path: Path, compressed: bool) -> bytes:
    """The file's bytes, decompressed."""
    if not compressed:
        try:
            return path.read_bytes()
        except OSError:
            raise _fail(path, "unreadable: permission denied or I/O error") from None
    try:
        with pa.input_stream(str(path), compression="gzip") as stream:
            return bytes(stream.read())
    except (OSError, EOFError, pa.ArrowException):
        raise _fail(path, "unreadable: not a valid gzip file") from None


def _fields(text: str, sep: str) -> list[str]:
    """The fields of one record's text (quotes as the CSV reader treats them)."""
    try:
        return next(csv.reader([text], delimiter=sep), [])
    except csv.Error:
        return text.split(sep)


def _parse(buf: pa.Buffer, sep: str, columns: list[str], threads: bool, invalid: list[Any]) -> pa.Table:
    """Arrow's CSV reader on ``buf``: the ``columns`` as text; records with a wrong number of
    fields are skipped and collected in ``invalid`` (with their record number when not threaded)."""

    def skip(row: Any) -> str:
        invalid.append(row)
        return "skip"

    return pacsv.read_csv(
        pa.BufferReader(buf),
        read_options=pacsv.ReadOptions(use_threads=threads, block_size=BLOCK_SIZE),
        parse_options=pacsv.ParseOptions(delimiter=sep, ignore_empty_lines=False, invalid_row_handler=skip),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(columns, pa.string()), include_columns=columns, strings_can_be_null=False
        ),
    )


def _put_back(
    table: pa.Table, invalid: list[Any], header: list[str], columns: list[str], sep: str
) -> tuple[pa.Table, np.ndarray]:
    """``table`` (the export's ``columns``, in order) with the skipped records back in their
    places, holding the fields they have by position; and the mask of records with a wrong
    number of fields (a line of spaces is an empty row, not one of them). Vectorised but for
    the skipped records themselves."""
    n = table.num_rows + len(invalid)
    if any(r.number is None for r in invalid):
        raise ValueError("records with a wrong number of fields came without their record number")
    pos = np.array([r.number - 2 for r in invalid], dtype=np.int64)  # record 1 is the header
    if pos.min() < 0 or pos.max() >= n or np.unique(pos).size != pos.size:
        raise ValueError("records with a wrong number of fields have record numbers outside the file")
    where = {c: header.index(c) for c in columns}
    values: dict[str, list[str | None]] = {c: [] for c in columns}
    wrong = np.zeros(n, dtype=bool)
    for i, r in zip(pos, invalid, strict=True):
        fields = _fields(r.text, sep)
        for c in columns:
            values[c].append(fields[where[c]] if where[c] < len(fields) else None)
        wrong[i] = bool(r.text.strip())
    extra = pa.table({c: pa.array(values[c], pa.string()) for c in columns})
    order = np.empty(n, dtype=np.int64)
    kept = np.ones(n, dtype=bool)
    kept[pos] = False
    order[kept] = np.arange(table.num_rows)
    order[pos] = table.num_rows + np.arange(len(invalid))
    return pa.concat_tables([table, extra]).take(pa.array(order)), wrong


def _as_text(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """A date or time column as text (``2023-01-02``, ``08:14:52``); text stays as it is."""
    t = col.type
    if pa.types.is_timestamp(t):
        col = pc.strftime(pc.cast(col, pa.timestamp("s", tz=t.tz), safe=False), format="%Y-%m-%d %H:%M:%S")
    elif pa.types.is_time(t):
        col = pc.strftime(pc.cast(pc.cast(col, pa.time64("us")), pa.time32("s"), safe=False), format="%H:%M:%S")
    return pc.cast(col, pa.string())


def _assemble(table: pa.Table, plan: ColumnPlan) -> pa.Table:
    """The contract columns of ``plan`` from the export's columns in ``table``: one column as
    it is, a date and a time column joined by a space (empty when either part is empty)."""
    out = {}
    for column, headers in plan.sources.items():
        if len(headers) == 1:
            out[column] = table.column(headers[0])
            continue
        date, time = (pc.utf8_trim_whitespace(_as_text(table.column(h))) for h in headers)
        blank = pc.or_kleene(
            pc.or_kleene(pc.is_null(date), pc.equal(date, "")), pc.or_kleene(pc.is_null(time), pc.equal(time, ""))
        )
        joined = pc.binary_join_element_wise(date, time, " ")
        out[column] = pc.if_else(pc.fill_null(blank, True), pa.scalar("", pa.string()), pc.cast(joined, pa.string()))
    return pa.table(out)


def _read_csv(path: Path, compressed: bool, columns: str | Path | Mapping | None = None) -> RawLog:
    data, encoding = _decode(path, _load(path, compressed))
    end, trailing = _without_trailing_blank_lines(data)
    first = data.find(b"\n", 0, end)
    header = data[: end if first < 0 else first].decode("utf-8").rstrip("\r")
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
    plan = _plan(path, names, columns)
    if first < 0:  # the header is the only line (no line break after it)
        raise _fail(path, "empty file: a header but no data rows")
    wanted = plan.headers
    buf = pa.py_buffer(data).slice(0, end)
    invalid: list[Any] = []
    try:
        table = _parse(buf, sep, wanted, True, invalid)
        if invalid:  # rows with a wrong number of fields: read again in one thread, which numbers them
            invalid.clear()
            table = _parse(buf, sep, wanted, False, invalid)
    except (pa.ArrowInvalid, pa.ArrowKeyError):
        # Arrow's messages quote the offending row: say what kind of problem, not the row.
        raise _fail(path, f"unreadable as {SEPARATORS[sep]}-separated CSV (check quoting and line breaks)") from None
    table = table.select(wanted)
    wrong = None
    if invalid:
        try:
            table, wrong = _put_back(table, invalid, names, wanted, sep)
        except ValueError:  # Arrow numbered them in a way this reader does not expect: say so, never guess
            raise _fail(
                path,
                f"unreadable: {len(invalid)} record(s) have a wrong number of fields, and their row numbers "
                "could not be established; check quoting and line breaks",
            ) from None
    if table.num_rows == 0:
        raise _fail(path, "empty file: a header but no data rows")
    return RawLog(
        frame=_assemble(table, plan).to_pandas(),
        path=path,
        kind="csv.gz" if compressed else "csv",
        delimiter=sep,
        encoding=encoding,
        wrong_fields=wrong,
        trailing_blank_lines=trailing,
        plan=plan,
    )


# --- Parquet ------------------------------------------------------------------------------------


def _year_start(year: int, unit: str) -> int:
    """1 January of ``year``, 00:00 UTC, as an Arrow timestamp of ``unit`` counts it."""
    seconds = (datetime(year, 1, 1) - datetime(1970, 1, 1)) // timedelta(seconds=1)
    return seconds * {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}[unit]


def _utc_if_out_of_range(table: pa.Table) -> pa.Table:
    """Time-zone-aware timestamp columns holding a value outside :data:`TIMESTAMP_YEARS` in UTC:
    pandas cannot turn such an instant (year 9999, 23:30 UTC) into local time, but can hold it."""
    for i, f in enumerate(table.schema):
        if not (pa.types.is_timestamp(f.type) and f.type.tz is not None):
            continue
        col = table.column(i)
        lo, hi = _year_start(TIMESTAMP_YEARS[0], f.type.unit), _year_start(TIMESTAMP_YEARS[1] + 1, f.type.unit)
        span = pc.min_max(col.cast(pa.int64()))
        low, high = span["min"].as_py(), span["max"].as_py()
        if low is not None and (low < lo or high >= hi):
            table = table.set_column(i, f.name, col.cast(pa.timestamp(f.type.unit, tz="UTC")))
    return table


def _read_parquet(path: Path, columns: str | Path | Mapping | None = None) -> RawLog:
    try:
        schema = pq.read_schema(path)
    except (pa.ArrowException, OSError):
        raise _fail(path, "unreadable: starts like Parquet but cannot be read as Parquet") from None
    plan = _plan(path, list(schema.names), columns, header_line=False)
    wanted = plan.headers
    try:
        table = pq.read_table(path, columns=wanted, coerce_int96_timestamp_unit="us").select(wanted)
        # without the schema's metadata: the Arrow types decide (a naive timestamp stays naive, see
        # the docstring), and metadata that is not what pandas writes cannot stop the reading
        frame = _utc_if_out_of_range(_assemble(table, plan).replace_schema_metadata(None)).to_pandas()
    except (pa.ArrowException, OSError, OverflowError, ValueError):
        raise _fail(path, "unreadable: the Parquet data cannot be read") from None
    if len(frame) == 0:
        raise _fail(path, "empty file: no data rows")
    return RawLog(
        frame=frame.reset_index(drop=True),
        path=path,
        kind="parquet",
        ignored_timezone=_metadata_timezone(schema, plan),
        plan=plan,
    )


def _metadata_timezone(schema: pa.Schema, plan: ColumnPlan) -> str | None:
    """The time zone the pandas metadata names for a naive timestamp column (``arrived_at`` or
    ``interval_start``, when it is one column), or ``None``
    (also for metadata that is not JSON or not of the shape pandas writes: it is ignored)."""
    time_column = "arrived_at" if plan.kind == CALLS else "interval_start"
    headers = plan.sources[time_column]
    if len(headers) != 1:
        return None
    field = schema.field(headers[0])
    if not pa.types.is_timestamp(field.type) or field.type.tz is not None:
        return None
    try:
        columns = (schema.pandas_metadata or {}).get("columns", [])
        for column in columns:
            if column.get("field_name", column.get("name")) == field.name:
                tz = (column.get("metadata") or {}).get("timezone")
                return str(tz) if tz else None
    except (ValueError, TypeError, AttributeError):
        return None
    return None


def read_call_log(path: str | Path, columns: str | Path | Mapping | None = None) -> RawLog:
    """Read a call log or interval statistics (CSV, ``.csv.gz`` or Parquet; relative paths
    from the project root).

    ``columns``: a mapping file (:mod:`lib.calllog.mapping`), or a :class:`Mapping`; ``None``:
    the mapping file beside the export when there is one, else the contract's names and the
    built-in aliases. Raises :class:`CallLogError` for a missing, empty or unreadable file, a
    file in an encoding other than UTF-8 or Windows-1252, an unusable mapping file and missing
    columns (naming the closest headers). Extra columns are ignored. Records with a wrong
    number of fields are rows (see :class:`RawLog`).
    """
    path = resolve(path)
    if not path.exists():
        raise _fail(path, "file not found")
    if path.is_dir():
        raise _fail(path, "is a folder, not a file; give the call-log file itself")
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
        return _read_parquet(path, columns)
    return _read_csv(path, compressed=magic[:2] == GZIP_MAGIC, columns=columns)
