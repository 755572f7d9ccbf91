"""Which column of an export is which contract column, and which label is which value.

A telephony system writes its own headers (``Samtale-ID``, ``Politidistrikt``, ``Kø``,
``Dato`` and ``Klokkeslett``, ``Ventetid``, ``Samtaletid``, ``Utfall``) and its own labels
(``Sentralbord``, ``Oslo politidistrikt``, ``Besvart``, ``Tapt``). This module finds the
contract's columns among the headers and reads the labels, in this order:

1. **A mapping file** beside the export, ``<export name>.columns.csv`` (the export's name
   without ``.csv``/``.txt``/``.tsv``/``.gz``/``.parquet``; ``<full name>.columns.csv`` is
   also found), or ``columns.csv`` in the export's folder, or the file a ``columns``
   parameter names. UTF-8 text with the header ``contract_column,export_column`` (comma or
   semicolon):

   * ``wait_s,Tid i kø``: the contract column ``wait_s`` is the export's column ``Tid i kø``
     (headers compare without regard to case, surrounding space or quotes);
   * ``arrived_at,Dato+Klokkeslett``: date and time in two columns, joined with a space;
   * ``queue:sentralbord,SB Oslo``, ``district:Øst,Østfold``, ``answered:false,Viderekoblet``:
     a label of the export and the contract value it stands for (a *label row*).

2. **The contract's own names** (``call_id``, ``wait_s``, ...; any case).
3. **Built-in aliases** of the usual Norwegian and English headers
   (``lib/core/data/column_aliases.csv``; compared without case, with ``-`` and ``_`` as spaces
   and a trailing unit in parentheses such as ``(s)`` or ``(hh:mm:ss)`` ignored). A header
   ``Besvart innen 20 sek`` / ``Answered within 20 s`` is the interval contract's
   ``answered_within_20s``.

Labels: district names go through the spelling variants of :mod:`lib.calllog.validate` and
the old districts of ``lib/core/data/label_aliases.csv`` (before the 2017 police reform; the
ambiguous Midtre Hålogaland, split between Nordland and Troms, is not among them), queues
through the same table (``Sentralbordet``, ``OPS``, ...), and ``answered`` through the
outcome table ``lib/core/data/outcome_words.csv`` (booleans such as ``true``/``ja``/``SANN`` and
outcome words such as ``Besvart``/``Tapt``/``Abandoned``). A mapping file's label rows add
to these tables for its export.

Two kinds of export are recognised from the columns found: a call log (one row per call,
:data:`CALL_COLUMNS`) and interval statistics (one row per interval, district and queue,
:data:`INTERVAL_COLUMNS`; see :mod:`lib.calllog.intervals`).

When a required column is not found, the error lists the contract columns not found and, for
each, the export's headers that look closest ("did you mean"), never a data value: when the
first line looks like data rather than a header (a field that is a number, a date or an
id-like token), no header is quoted at all.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from lib.core.districts import DISTRICTS, QUEUES
from lib.core.paths import LIB_DATA, display_path, resolve

#: The call-log contract's columns (docs/call_log_contract.md), in order.
CALL_COLUMNS: tuple[str, ...] = ("call_id", "district", "queue", "arrived_at", "wait_s", "talk_s", "answered")
#: The interval contract's columns that may be given, in order (see :mod:`lib.calllog.intervals`).
INTERVAL_COLUMNS: tuple[str, ...] = (
    "interval_start",
    "interval_minutes",
    "district",
    "queue",
    "offered",
    "answered",
    "abandoned",
    "wait_total_s",
    "wait_mean_s",
    "answered_wait_total_s",
    "answered_wait_mean_s",
    "abandoned_wait_total_s",
    "abandoned_wait_mean_s",
    "talk_total_s",
    "talk_mean_s",
    "answered_within",
)
CALLS, INTERVALS = "calls", "intervals"
#: Contract columns that may be given as a date column and a time column (``Dato+Klokkeslett``).
SPLIT_COLUMNS = ("arrived_at", "interval_start")
#: How a column was found, as :attr:`ColumnPlan.found_by` says it.
BY_MAPPING, BY_NAME, BY_ALIAS = "mapping file", "contract name", "built-in alias"
#: Name patterns a mapping file is looked for under, beside the export.
MAPPING_SUFFIX = ".columns.csv"
FOLDER_MAPPING = "columns.csv"
_EXPORT_SUFFIXES = (".gz", ".csv", ".txt", ".tsv", ".parquet", ".pq")
#: Headers a "did you mean" lists per missing column, at most, and how alike (difflib's ratio, 0-1)
#: a header must be to the column's name or one of its aliases.
SUGGESTIONS = 3
CLOSE = 0.6
_WITHIN = re.compile(
    r"^(?:besvart|besvarte|svart|answered)\s+(?:innen|within|under|<=?)\s*([0-9]+)\s*"
    r"(?:s|sek|sekund|sekunder|sec|secs|second|seconds)?$"
)
_WITHIN_CONTRACT = re.compile(r"^answered_within_([0-9]+)s$")


class MappingError(ValueError):
    """A mapping file that cannot be used (raised as a :class:`lib.calllog.read.CallLogError` by the reader)."""


# --- comparable forms ----------------------------------------------------------------------------

_SUFFIX = " politidistrikt"


def comparable(label: str) -> str:
    """A label in comparable form: case-folded, trimmed, single-spaced, without a trailing
    ``politidistrikt`` (``"  Oslo  Politidistrikt"`` -> ``"oslo"``)."""
    key = " ".join(label.casefold().split())
    if key.endswith(_SUFFIX):
        key = key[: -len(_SUFFIX)].rstrip()
    return key


def spelling_variants(name: str) -> set[str]:
    """``name`` case-folded, with ``ø`` also as ``o`` and ``oe``, ``æ`` as ``ae``, ``å`` as
    ``a`` and ``aa``, and a space for each hyphen."""
    base = name.casefold()
    spellings = {base}
    for letter, ascii_forms in (("ø", ("o", "oe")), ("æ", ("ae",)), ("å", ("a", "aa"))):
        spellings |= {s.replace(letter, a) for s in spellings for a in ascii_forms}
    return spellings | {s.replace("-", " ") for s in spellings}


def header_key(name: str) -> str:
    """A header in the form the alias table compares: case-folded, byte-order mark, quotes and
    a trailing unit in parentheses (``(s)``, ``(hh:mm:ss)``) removed, ``-`` and ``_`` as
    spaces, single-spaced."""
    key = name.strip().lstrip("\ufeff").strip().strip('"').strip().casefold()
    key = re.sub(r"\s*\([^()]*\)\s*$", "", key)
    key = key.replace("_", " ").replace("-", " ")
    return " ".join(key.split())


def contract_key(name: str) -> str:
    """A header compared with the contract's names: no surrounding space, byte-order mark,
    quotes or case."""
    return name.strip().lstrip("\ufeff").strip().strip('"').strip().lower()


# --- the built-in tables -------------------------------------------------------------------------


def _data_rows(name: str) -> list[dict[str, str]]:
    with open(LIB_DATA / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@cache
def column_aliases() -> dict[str, dict[str, str]]:
    """Kind (``calls``, ``intervals``) -> header key (:func:`header_key`) -> contract column,
    from ``lib/core/data/column_aliases.csv`` (a header with ``+`` names a date and a time column)."""
    out: dict[str, dict[str, str]] = {CALLS: {}, INTERVALS: {}}
    for r in _data_rows("column_aliases.csv"):
        key = "+".join(header_key(p) for p in r["header"].split("+"))
        out[r["kind"]][key] = r["contract_column"]
    return out


@cache
def label_aliases() -> dict[str, dict[str, str]]:
    """Column (``district``, ``queue``) -> comparable label -> contract value, from
    ``lib/core/data/label_aliases.csv`` (districts with their spelling variants)."""
    out: dict[str, dict[str, str]] = {"district": {}, "queue": {}}
    for r in _data_rows("label_aliases.csv"):
        labels = spelling_variants(r["label"]) if r["column"] == "district" else {r["label"].casefold()}
        for label in labels:
            out[r["column"]][comparable(label)] = r["value"]
    return out


@cache
def outcome_table() -> tuple[dict[str, bool], frozenset[str]]:
    """Word (case-folded) -> answered, and the words that are outcome words rather than
    booleans, from ``lib/core/data/outcome_words.csv``."""
    rows = _data_rows("outcome_words.csv")
    words = {r["word"].casefold(): r["answered"] == "true" for r in rows}
    return words, frozenset(r["word"].casefold() for r in rows if r["kind"] == "outcome")


def district_spellings() -> dict[str, str]:
    """Comparable spelling -> contract district: every district's spelling variants, then the
    old district names (:func:`label_aliases`)."""
    out = {comparable(v): d for d in DISTRICTS for v in sorted(spelling_variants(d))}
    out.update(label_aliases()["district"])
    return out


@dataclass(frozen=True)
class Labels:
    """The label tables one export is read with: built-in plus its mapping file's label rows.

    ``district``, ``queue``: comparable label (:func:`comparable`) -> contract value;
    ``answered``: case-folded word -> bool; ``outcome_words``: the words that mark an outcome
    column (not booleans), including every word a mapping file adds."""

    district: dict[str, str]
    queue: dict[str, str]
    answered: dict[str, bool]
    outcome_words: frozenset[str]


@cache
def builtin_labels() -> Labels:
    """The built-in label tables."""
    queues = {q: q for q in QUEUES} | label_aliases()["queue"]
    words, outcome = outcome_table()
    return Labels(district=district_spellings(), queue=queues, answered=dict(words), outcome_words=outcome)


# --- the mapping file ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Mapping:
    """A mapping file as read: ``path`` (``None``: no mapping file), ``columns`` (contract
    column -> the export's column, ``Dato+Klokkeslett`` for two), ``labels`` (``(column,
    contract value, export label)`` rows)."""

    path: Path | None = None
    columns: dict[str, str] = field(default_factory=dict)
    labels: tuple[tuple[str, str, str], ...] = ()

    @property
    def name(self) -> str:
        return "none" if self.path is None else display_path(self.path)

    def label_tables(self) -> Labels:
        """The built-in label tables with this file's label rows added."""
        base = builtin_labels()
        district, queue, answered = dict(base.district), dict(base.queue), dict(base.answered)
        outcome = set(base.outcome_words)
        for column, value, label in self.labels:
            if column == "district":
                district[comparable(label)] = value
            elif column == "queue":
                queue[comparable(label)] = value
            else:
                answered[label.strip().casefold()] = value == "true"
                outcome.add(label.strip().casefold())
        return Labels(district=district, queue=queue, answered=answered, outcome_words=frozenset(outcome))


def _mapping_fail(path: Path, what: str) -> MappingError:
    return MappingError(f"mapping file {display_path(path)}: {what}")


def _closest(word: str, candidates: list[str]) -> str:
    near = difflib.get_close_matches(word, candidates, n=SUGGESTIONS, cutoff=CLOSE)
    return f"; did you mean {' or '.join(repr(n) for n in near)}?" if near else ""


def read_mapping(path: str | Path) -> Mapping:
    """Read a mapping file (see the module docstring); :class:`MappingError` when it cannot be used."""
    path = resolve(path)
    if not path.is_file():
        raise _mapping_fail(path, "file not found" if not path.exists() else "not a file")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _mapping_fail(path, "not UTF-8 text; save it as CSV UTF-8") from None
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if not lines:
        raise _mapping_fail(path, "empty; the first line must be contract_column,export_column")
    sep = ";" if lines[0].count(";") > lines[0].count(",") else ","
    rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=sep))
    if [contract_key(c) for c in rows[0]] != ["contract_column", "export_column"]:
        raise _mapping_fail(path, "the first line must be the header contract_column,export_column")
    known = sorted(set(CALL_COLUMNS) | set(INTERVAL_COLUMNS) - {"answered_within"})
    columns: dict[str, str] = {}
    labels: list[tuple[str, str, str]] = []
    for number, r in enumerate(rows[1:], start=2):
        if len(r) != 2 or not r[0].strip() or not r[1].strip():
            raise _mapping_fail(path, f"line {number} must have two non-empty fields, contract_column,export_column")
        target, export = r[0].strip(), r[1].strip()
        if ":" in target:
            column, _, value = (p.strip() for p in target.partition(":"))
            labels.append(_label_row(path, number, column, value, export))
            continue
        column = contract_key(target)
        if column not in known and not _WITHIN_CONTRACT.match(column):
            raise _mapping_fail(
                path,
                f"line {number}: {target!r} is not a contract column{_closest(column, known)} "
                "(label rows are written column:value, e.g. queue:sentralbord)",
            )
        if column in columns:
            raise _mapping_fail(path, f"line {number}: {column} is mapped twice")
        if "+" in export and column not in SPLIT_COLUMNS:
            raise _mapping_fail(
                path, f"line {number}: only {' and '.join(SPLIT_COLUMNS)} may join two columns with '+'"
            )
        columns[column] = export
    return Mapping(path=path, columns=columns, labels=tuple(labels))


def _label_row(path: Path, number: int, column: str, value: str, label: str) -> tuple[str, str, str]:
    column = contract_key(column)
    if column == "district":
        allowed: list[str] = list(DISTRICTS)
        hit = next((d for d in DISTRICTS if comparable(d) == comparable(value)), None)
    elif column == "queue":
        allowed = list(QUEUES)
        hit = next((q for q in QUEUES if q == value.casefold()), None)
    elif column == "answered":
        allowed = ["true", "false"]
        hit = value.casefold() if value.casefold() in allowed else None
    else:
        raise _mapping_fail(path, f"line {number}: label rows are for district, queue or answered, not {column!r}")
    if hit is None:
        raise _mapping_fail(
            path, f"line {number}: {value!r} is not a contract value of {column}{_closest(value, allowed)}"
        )
    return column, hit, label


def mapping_path_for(export: Path) -> Path | None:
    """The mapping file beside ``export``: ``<name without extension>.columns.csv``,
    ``<name>.columns.csv`` or the folder's ``columns.csv``, the first that exists; ``None``
    when there is none. Two of the first pair at once is an error (which one is meant?)."""
    name = export.name
    stem = name
    while Path(stem).suffix.lower() in _EXPORT_SUFFIXES:
        stem = stem[: -len(Path(stem).suffix)]
    own = list(dict.fromkeys([export.with_name(stem + MAPPING_SUFFIX), export.with_name(name + MAPPING_SUFFIX)]))
    found = [p for p in own if p.is_file()]
    if len(found) > 1:
        raise _mapping_fail(found[0], f"{found[1].name} is beside it too; keep one mapping file per export")
    if found:
        return found[0]
    shared = export.with_name(FOLDER_MAPPING)
    return shared if shared.is_file() else None


def is_mapping_file(path: Path) -> bool:
    """Whether ``path`` is named as a mapping file (never read as an export)."""
    return path.name.lower().endswith(MAPPING_SUFFIX) or path.name.lower() == FOLDER_MAPPING


def mapping_for(export: Path, columns: str | Path | None = None) -> Mapping:
    """The mapping of ``export``: the file ``columns`` names, else the one beside it
    (:func:`mapping_path_for`), else none."""
    if columns is not None:
        return read_mapping(columns)
    path = mapping_path_for(export)
    return Mapping() if path is None else read_mapping(path)


# --- finding the columns -------------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnPlan:
    """Where each contract column is in an export.

    ``kind``: :data:`CALLS` or :data:`INTERVALS`; ``sources``: contract column -> the
    export's header(s) (two for a date and a time column); ``found_by``: contract column ->
    :data:`BY_MAPPING`, :data:`BY_NAME` or :data:`BY_ALIAS`; ``mapping``: the mapping file
    used; ``service_time_s``: intervals: the X of ``answered_within`` (seconds), else ``None``.
    """

    kind: str
    sources: dict[str, tuple[str, ...]]
    found_by: dict[str, str]
    mapping: Mapping
    service_time_s: float | None = None

    @property
    def labels(self) -> Labels:
        return self.mapping.label_tables()

    @property
    def headers(self) -> list[str]:
        """The export's headers read, each once, in contract order."""
        return list(dict.fromkeys(h for hs in self.sources.values() for h in hs))

    def describe(self) -> str:
        """``contract names`` when every column has its contract name, else ``call_id <-
        Samtale-ID (built-in alias); ...``: every contract column found, from where (headers
        only: they are names, not data), and the mapping file's label rows."""
        if all(by == BY_NAME for by in self.found_by.values()) and not self.mapping.labels:
            return "contract names"
        parts = []
        for column, headers in self.sources.items():
            shown = column
            if column == "answered_within" and self.service_time_s is not None:
                shown = f"answered_within_{self.service_time_s:g}s"
            parts.append(f"{shown} <- {'+'.join(headers)} ({self.found_by[column]})")
        if self.mapping.labels:
            parts.append(
                f"{len(self.mapping.labels)} label row(s) from the mapping file: "
                + ", ".join(f"{c}:{v} <- {label}" for c, v, label in self.mapping.labels)
            )
        return "; ".join(parts)


def _looks_like_data(field: str) -> bool:
    """A header field that looks like a value of a call rather than a name: a number, a date or
    time, or an id-like token (letters then digits, no space)."""
    f = field.strip().strip('"')
    return bool(
        re.fullmatch(r"[+-]?[0-9][0-9 .,:]*", f)
        or re.search(r"[0-9]{1,4}[./:-][0-9]{1,2}", f)
        or re.fullmatch(r"[A-Za-z]{0,6}[-_]?[0-9]{3,}[-_.0-9A-Za-z]*", f)
    )


def header_looks_like_data(names: list[str]) -> bool:
    """Whether any field of the first line looks like data (see :func:`_looks_like_data`): then
    it is not quoted in any message."""
    return any(_looks_like_data(n) for n in names)


def _required(kind: str, found: dict[str, tuple[str, ...]]) -> list[str]:
    """The contract columns of ``kind`` still missing, given those ``found``."""
    if kind == CALLS:
        return [c for c in CALL_COLUMNS if c not in found]
    missing = [c for c in ("interval_start", "district", "queue", "answered") if c not in found]
    if "offered" not in found and "abandoned" not in found:
        missing.append("offered or abandoned")
    if "talk_total_s" not in found and "talk_mean_s" not in found:
        missing.append("talk_total_s or talk_mean_s")
    waits = ("wait_total_s", "wait_mean_s", "answered_wait_total_s", "answered_wait_mean_s")
    if not any(w in found for w in waits):
        missing.append(" or ".join(waits))
    return missing


def _match(
    kind: str, names: list[str], mapping: Mapping, fail
) -> tuple[dict[str, tuple[str, ...]], dict[str, str], float | None]:
    """Contract columns of ``kind`` found among ``names`` (headers as written)."""
    columns = CALL_COLUMNS if kind == CALLS else INTERVAL_COLUMNS
    by_contract: dict[str, list[str]] = {}
    for n in names:
        by_contract.setdefault(contract_key(n), []).append(n)
    by_alias: dict[str, list[str]] = {}
    for n in names:
        by_alias.setdefault(header_key(n), []).append(n)
    sources: dict[str, tuple[str, ...]] = {}
    found_by: dict[str, str] = {}
    service_time: float | None = None

    def one(header: str, column: str) -> str:
        hits = by_contract.get(contract_key(header)) or by_alias.get(header_key(header)) or []
        if len(hits) > 1:
            raise fail(f"the column {header!r} the mapping file gives for {column} appears {len(hits)} times")
        if not hits:
            near = difflib.get_close_matches(header_key(header), list(by_alias), n=SUGGESTIONS, cutoff=CLOSE)
            hint = (
                ""
                if header_looks_like_data(names) or not near
                else "; did you mean " + " or ".join(repr(by_alias[k][0]) for k in near)
            )
            raise fail(
                f"the mapping file {mapping.name} maps {column} to {header!r}, but the export has no such column{hint}"
            )
        return hits[0]

    for column, spec in mapping.columns.items():
        within = _WITHIN_CONTRACT.match(column)
        if kind == CALLS and (column not in columns):
            continue
        if kind == INTERVALS and column not in columns and not within:
            continue
        parts = spec.split("+") if "+" in spec and contract_key(spec) not in by_contract else [spec]
        target = "answered_within" if within else column
        if within:
            service_time = float(within.group(1))
        sources[target] = tuple(one(p, column) for p in parts)
        found_by[target] = BY_MAPPING
    used = {h for hs in sources.values() for h in hs}
    for column in columns:
        if column in sources:
            continue
        hits = [h for h in by_contract.get(column, []) if h not in used]
        if len(hits) > 1:
            raise fail(f"column {column!r} appears more than once")
        if hits:
            sources[column], found_by[column] = (hits[0],), BY_NAME
    used = {h for hs in sources.values() for h in hs}
    aliases = column_aliases()[kind]
    candidates: dict[str, list[tuple[str, ...]]] = {}
    for key, column in aliases.items():
        if column in sources:
            continue
        parts = key.split("+")
        if all(p in by_alias for p in parts):
            headers = tuple(by_alias[p][0] for p in parts)
            if not set(headers) & used:
                candidates.setdefault(column, []).append(headers)
    if kind == INTERVALS and "answered_within" not in sources:
        for n in names:
            m = _WITHIN.match(header_key(n)) or _WITHIN_CONTRACT.match(contract_key(n))
            if m and n not in used:
                candidates.setdefault("answered_within", []).append((n,))
                service_time = float(m.group(1))
    for column, options in candidates.items():
        singles: list[tuple[str, ...]] = [o for o in options if len(o) == 1]
        options = singles or options  # one column holding the whole timestamp beats a date+time pair
        if len(set(options)) > 1:
            shown = ", ".join(repr("+".join(o)) for o in dict.fromkeys(options))
            raise fail(
                f"several columns could be {column} ({shown}); say which in a mapping file "
                f"(<export name>{MAPPING_SUFFIX}: contract_column,export_column)"
            )
        sources[column], found_by[column] = options[0], BY_ALIAS
    return sources, found_by, service_time


def plan_columns(names: list[str], mapping: Mapping, fail, header_line: bool = True) -> ColumnPlan:
    """Find the contract columns among the headers ``names`` (as written): the kind of export
    whose required columns are all found, by :data:`BY_MAPPING`, :data:`BY_NAME` or
    :data:`BY_ALIAS`. ``fail(text)`` makes the exception to raise (it names the file);
    ``header_line``: the names are a CSV's first line (not a Parquet schema). Raises, through
    ``fail``, when no kind's required columns are all found: the missing ones, each with the
    export's closest headers, never a data value."""
    plans = {}
    for kind in (CALLS, INTERVALS):
        sources, found_by, service_time = _match(kind, names, mapping, fail)
        plans[kind] = (sources, found_by, service_time, _required(kind, sources))
    complete = [k for k in (CALLS, INTERVALS) if not plans[k][3]]
    mapped_interval = any(c in mapping.columns for c in ("interval_start", "offered", "abandoned"))
    if complete:
        kind = INTERVALS if INTERVALS in complete and (CALLS not in complete or mapped_interval) else complete[0]
        sources, found_by, service_time, _ = plans[kind]
        order = CALL_COLUMNS if kind == CALLS else INTERVAL_COLUMNS
        sources = {c: sources[c] for c in order if c in sources}
        return ColumnPlan(kind, sources, {c: found_by[c] for c in sources}, mapping, service_time)
    # Which kind was meant: the one the mapping names, else the one with more of its columns found.
    interval_signs = {"interval_start", "offered", "abandoned"} & set(plans[INTERVALS][0])
    kind = INTERVALS if mapped_interval or (interval_signs and "call_id" not in plans[CALLS][0]) else CALLS
    missing = plans[kind][3]
    found = plans[kind][0]
    raise fail(_missing_message(kind, missing, found, names, mapping, header_line))


def _missing_message(
    kind: str, missing: list[str], found: dict[str, tuple[str, ...]], names: list[str], mapping: Mapping, header: bool
) -> str:
    needed = list(CALL_COLUMNS) if kind == CALLS else ["interval statistics: " + ", ".join(INTERVAL_COLUMNS)]
    what = "call log" if kind == CALLS else "interval statistics"
    text = (
        f"missing column(s) {missing}; the contract needs {needed} "
        f"(the {'header' if header else 'file'} has {len(names)} field(s)"
    )
    if not found:
        text += (
            "; the first line does not look like a header: no contract column name in it, split by comma, "
            "semicolon or tab"
            if header
            else "; no contract column name among them"
        )
    text += ")"
    if header_looks_like_data(names):
        return text + "; the first line holds values, not names: is the header missing?"
    used = {h for hs in found.values() for h in hs}
    free = [n for n in names if n not in used and n.strip()]
    keys = {header_key(n): n for n in free}
    aliases = column_aliases()[kind]
    lines = []
    for column in missing:
        wanted = [c.strip() for c in column.split(" or ")]
        targets = [header_key(w) for w in wanted] + [a for a, c in aliases.items() if c in wanted and "+" not in a]
        scores: dict[str, float] = {}
        for key in keys:
            best = max(difflib.SequenceMatcher(None, key, t).ratio() for t in targets)
            if best >= CLOSE:
                scores[key] = max(scores.get(key, 0.0), best)
        near = sorted(scores, key=lambda k: (-scores[k], k))[:SUGGESTIONS]
        if near:
            lines.append(f"  - {column}: did you mean {' or '.join(repr(keys[k]) for k in near)}?")
        else:
            lines.append(f"  - {column}: no header spelt like it or its aliases")
    unused = ", ".join(repr(n) for n in free) if free else "none"
    beside = (
        f"the mapping file {mapping.name}"
        if mapping.path is not None
        else f"a mapping file beside the export (<export name>{MAPPING_SUFFIX})"
    )
    return (
        f"{text}; read as {what}:\n"
        + "\n".join(lines)
        + f"\nHeaders of the export not matched to a contract column: {unused} ({len(free)} of {len(names)}).\n"
        f"Say which column is which in {beside}: lines contract_column,export_column, e.g. "
        "wait_s,Ventetid or arrived_at,Dato+Klokkeslett (docs/call_log_contract.md)."
    )


def sniff_score(fields: list[str]) -> int:
    """How many of ``fields`` are contract names or built-in aliases (for the separator sniffer)."""
    keys = set(column_aliases()[CALLS]) | set(column_aliases()[INTERVALS])
    names = set(CALL_COLUMNS) | set(INTERVAL_COLUMNS)
    return sum(1 for f in fields if contract_key(f) in names or header_key(f) in keys or _WITHIN.match(header_key(f)))
