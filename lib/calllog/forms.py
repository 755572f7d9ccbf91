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
    "vendor": (
        "a telephony system's own export with a mapping file beside it: semicolon, UTF-8 with byte-order mark, "
        "headers Samtale-ID, Mottakende enhet, Tjeneste, Dato, Klokkeslett, Tid i kø (hh:mm:ss), Samtaletid (mm:ss), "
        "Utfall (Besvart/Tapt); districts as '<name> politidistrikt' and Øst under its old districts' names; queues "
        "Sentralbordet/Operasjonssentralen"
    ),
    "monthly": (
        "one file per month in a folder, as Excel's 'CSV UTF-8 (kommadelt)' writes them: UTF-8 with byte-order mark, "
        "comma, yyyy-mm-dd hh:mm:ss local time, TRUE/FALSE"
    ),
    "intervals": (
        "interval statistics: 15-minute intervals per district and queue, semicolon, Windows-1252, headers "
        "Intervall (dd.mm.yyyy hh:mm local), Politidistrikt, Kø, Tilbudt, Besvart, Tapt, Total ventetid (all "
        "callers), Total svartid (answered calls) and Samtaletid (hh:mm:ss totals), Besvart innen 95 sek"
    ),
}
#: The mapping file the vendor form is written with (contract column -> the vendor's header).
VENDOR_MAPPING: dict[str, str] = {
    "call_id": "Samtale-ID",
    "district": "Mottakende enhet",
    "queue": "Tjeneste",
    "arrived_at": "Dato+Klokkeslett",
    "wait_s": "Tid i kø",
    "talk_s": "Samtaletid",
    "answered": "Utfall",
}
#: Øst written under the names of the districts it was made of in 2017 (in turn).
OLD_OST = ("Østfold", "Follo", "Romerike")


#: Where each strftime field lies in Arrow's text of a timestamp[s], ``YYYY-MM-DD HH:MM:SS``.
_FIELDS = {"Y": (0, 4), "m": (5, 7), "d": (8, 10), "H": (11, 13), "M": (14, 16), "S": (17, 19)}


def _local_text(ts: pd.Series, fmt: str) -> pa.Array:
    """Timestamps (tz-aware) as text in their own time zone, whole seconds, in ``fmt`` (the
    fields ``%Y %m %d %H %M %S`` and ``%z``, the UTC offset as ``+0100``). Cut from Arrow's
    text of the wall-clock times: Arrow's strftime is forty times slower."""
    wall = ts.dt.tz_localize(None)
    iso = pc.cast(pa.array(wall.to_numpy().astype("datetime64[s]")), pa.string())
    parts: list[pa.Array | str] = []  # Arrow arrays and literal text, in order
    for i, piece in enumerate(fmt.split("%")):
        if i == 0:
            parts.append(piece)
            continue
        field, literal = piece[:1], piece[1:]
        if field == "z":
            minutes = ((wall - ts.dt.tz_convert("UTC").dt.tz_localize(None)) // pd.Timedelta(minutes=1)).to_numpy()
            values, codes = np.unique(minutes, return_inverse=True)
            texts = [f"{'-' if m < 0 else '+'}{abs(int(m)) // 60:02d}{abs(int(m)) % 60:02d}" for m in values]
            parts.append(pa.array(texts, pa.string()).take(pa.array(codes.astype(np.int64))))
        else:
            start, stop = _FIELDS[field]
            parts.append(pc.utf8_slice_codeunits(iso, start, stop))
        parts.append(literal)
    arrays = [pa.scalar(p, pa.string()) if isinstance(p, str) else p for p in parts if not isinstance(p, str) or p]
    if len(arrays) == 1:
        return arrays[0]
    return pc.binary_join_element_wise(*arrays, "")


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


def _clock(seconds: np.ndarray, hours: bool) -> pa.Array:
    """Whole seconds as ``hh:mm:ss`` (hours of any length) or ``mm:ss`` (minutes of any length)."""
    s = np.rint(seconds).astype(np.int64)

    def two(x: np.ndarray) -> pa.Array:
        return pc.utf8_lpad(pc.cast(pa.array(x), pa.string()), width=2, padding="0")

    if hours:
        parts = [two(s // 3600), two(s % 3600 // 60), two(s % 60)]
    else:
        parts = [two(s // 60), two(s % 60)]
    return pc.binary_join_element_wise(*parts, ":")


def _vendor_table(df: pd.DataFrame) -> pa.Table:
    district = df["district"].astype(str).to_numpy().astype(object)
    ost = np.flatnonzero(district == "Øst")
    district = district + " politidistrikt"
    district[ost] = np.array([f"{OLD_OST[i % len(OLD_OST)]} politidistrikt" for i in range(len(ost))], dtype=object)
    queue = np.where(df["queue"].to_numpy() == "sentralbord", "Sentralbordet", "Operasjonssentralen")
    return pa.table(
        {
            "Samtale-ID": pa.array(df["call_id"].astype(str)),
            "Mottakende enhet": pa.array(district, pa.string()),
            "Tjeneste": pa.array(queue),
            "Dato": _local_text(df["arrived_at"], "%d.%m.%Y"),
            "Klokkeslett": _local_text(df["arrived_at"], "%H:%M:%S"),
            "Tid i kø": _clock(df["wait_s"].to_numpy(dtype=float), hours=True),
            "Samtaletid": _clock(df["talk_s"].to_numpy(dtype=float), hours=False),
            "Utfall": _words(df["answered"], "Besvart", "Tapt"),
            "Agentgruppe": pa.array(np.full(len(df), "Politiet 02800")),
        }
    )


def write_mapping(path: Path, columns: dict[str, str], labels: tuple[tuple[str, str, str], ...] = ()) -> Path:
    """A mapping file (``contract_column,export_column``; label rows ``column:value,label``)."""
    lines = ["contract_column,export_column", *(f"{c},{e}" for c, e in columns.items())]
    lines += [f"{c}:{v},{label}" for c, v, label in labels]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def aggregate_intervals(df: pd.DataFrame, minutes: int = 15, service_time_s: float = 95.0) -> pd.DataFrame:
    """The call log ``df`` as interval statistics: one row per district, queue and interval of
    ``minutes`` with a call (columns ``interval_start`` (tz-aware, Oslo), ``district``,
    ``queue``, ``offered``, ``answered``, ``abandoned``, ``wait_total_s`` (all callers),
    ``answered_wait_total_s``, ``talk_total_s``, ``answered_within`` (answered within
    ``service_time_s``)), ordered by start, district and queue."""
    start_utc = df["arrived_at"].dt.tz_convert("UTC").dt.floor(f"{minutes}min")
    answered = df["answered"].to_numpy(dtype=bool)
    wait = df["wait_s"].to_numpy(dtype=float)
    frame = pd.DataFrame(
        {
            "start": start_utc,
            "district": df["district"].astype(str),
            "queue": df["queue"].astype(str),
            "offered": 1,
            "answered": answered.astype(np.int64),
            "wait_total_s": wait,
            "answered_wait_total_s": np.where(answered, wait, 0.0),
            "talk_total_s": df["talk_s"].to_numpy(dtype=float),
            "answered_within": (answered & (wait <= service_time_s)).astype(np.int64),
        }
    )
    out = frame.groupby(["start", "district", "queue"], sort=True).sum().reset_index()
    out["abandoned"] = out["offered"] - out["answered"]
    out.insert(0, "interval_start", out.pop("start").dt.tz_convert("Europe/Oslo"))
    order = ["interval_start", "district", "queue", "offered", "answered", "abandoned", "wait_total_s"]
    return out[[*order, "answered_wait_total_s", "talk_total_s", "answered_within"]]


def _interval_table(iv: pd.DataFrame) -> pa.Table:
    return pa.table(
        {
            "Intervall": _local_text(iv["interval_start"], "%d.%m.%Y %H:%M"),
            "Politidistrikt": pa.array(iv["district"]),
            "Kø": pa.array(np.where(iv["queue"].to_numpy() == "sentralbord", "Sentralbord", "Operasjonssentral")),
            "Tilbudt": pa.array(iv["offered"]),
            "Besvart": pa.array(iv["answered"]),
            "Tapt": pa.array(iv["abandoned"]),
            "Total ventetid": _clock(iv["wait_total_s"].to_numpy(), hours=True),
            "Total svartid": _clock(iv["answered_wait_total_s"].to_numpy(), hours=True),
            "Samtaletid": _clock(iv["talk_total_s"].to_numpy(), hours=True),
            "Besvart innen 95 sek": pa.array(iv["answered_within"]),
        }
    )


def write_form(df: pd.DataFrame, form: str, folder: str | Path, name: str = "calls_2023") -> Path:
    """Write the call log ``df`` (the contract's seven typed columns, ``arrived_at`` tz-aware) in
    ``form`` (a key of :data:`FORMS`) into ``folder``; the path written: a file, or for
    ``monthly`` the folder of the twelve files. ``vendor`` writes its mapping file beside it."""
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
    if form == "vendor":
        path = _write_csv(_vendor_table(df), folder / f"{name}_vendor.csv", ";", quoted=False)
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
        write_mapping(folder / f"{name}_vendor.columns.csv", VENDOR_MAPPING)
        return path
    if form == "monthly":
        out = folder / f"{name}_monthly"
        out.mkdir(exist_ok=True)
        month = df["arrived_at"].dt.month.to_numpy()
        for m in range(1, 13):
            part = df.loc[month == m]
            table = pa.table(
                {
                    "call_id": pa.array(part["call_id"].astype(str)),
                    "district": pa.array(part["district"].astype(str)),
                    "queue": pa.array(part["queue"].astype(str)),
                    "arrived_at": _local_text(part["arrived_at"], "%Y-%m-%d %H:%M:%S"),
                    "wait_s": _point(part["wait_s"]),
                    "talk_s": _point(part["talk_s"]),
                    "answered": _words(part["answered"], "TRUE", "FALSE"),
                }
            )
            path = _write_csv(table, out / f"{name}_{m:02d}.csv", ",", quoted=False)
            path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
        return out
    if form == "intervals":
        table = _interval_table(aggregate_intervals(df))
        return _write_csv(table, folder / f"{name}_intervals.csv", ";", encoding="cp1252", eol="\r\n", quoted=False)
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
