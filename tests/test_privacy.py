"""No call id of the raw log may appear in a committed notebook or anything under outputs/.

The notebooks and outputs must show aggregates only. This scans ``notebooks/*.ipynb`` and
every file under ``outputs/`` (zip containers such as .xlsx are opened, their members
scanned) for any ``call_id`` of every call log in ``data/raw/`` (the synthetic
``calls_2023.parquet`` and any real export dropped there): the text is split into
tokens and the token set is intersected with the id set. The helpers are tested on planted
ids so a scan that can never find anything would fail.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from lib.calllog import CallLogError, read_call_log
from lib.core.paths import DATA_RAW, NOTEBOOKS, OUTPUTS, display_path

RAW_LOG = DATA_RAW / "calls_2023.parquet"
# Two tokenisations, so ids with or without inner punctuation (SYN00012345, 2023-0042.7,
# a UUID) are found whole: runs of word characters, and runs that also join - . : / _.
_WORDS = re.compile(r"\w+")
_JOINED = re.compile(r"[\w\-.:/]+")


def tokens(text: str) -> set[str]:
    """Candidate id tokens of ``text``."""
    joined = {t.strip(".:/-") for t in _JOINED.findall(text)}
    return set(_WORDS.findall(text)) | joined


def texts(path: Path) -> list[str]:
    """The text of a file (zip members one by one), decoded leniently so binaries do not stop the scan."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            return [z.read(name).decode("utf-8", errors="ignore") for name in z.namelist()]
    return [path.read_bytes().decode("utf-8", errors="ignore")]


def scan_targets(notebooks: Path = NOTEBOOKS, outputs: Path = OUTPUTS) -> list[Path]:
    """The committed notebooks and every file under outputs/."""
    files = sorted(notebooks.glob("*.ipynb"))
    if outputs.exists():
        files += sorted(p for p in outputs.rglob("*") if p.is_file())
    return files


def find_call_ids(paths: list[Path], ids: pd.Series) -> dict[str, list[str]]:
    """File (as displayed) -> call ids of ``ids`` found in it (at most 5 listed per file)."""
    found: dict[str, list[str]] = {}
    for path in paths:
        toks: set[str] = set()
        for text in texts(path):
            toks |= tokens(text)
        hits = ids[ids.isin(toks)]
        if len(hits):
            found[display_path(path)] = hits.head(5).tolist()
    return found


def raw_logs(folder: Path = DATA_RAW) -> list[Path]:
    """Every call log in data/raw/: the synthetic one and any real export an analyst dropped in,
    also in a folder of several files (mapping files are not logs)."""
    from lib.calllog.mapping import is_mapping_file

    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file()
        and not any(part.startswith(".") for part in p.relative_to(folder).parts)
        and not is_mapping_file(p)
    )


@pytest.fixture(scope="module")
def raw_ids() -> pd.Series:
    logs = raw_logs()
    if RAW_LOG not in logs:
        pytest.fail(f"{display_path(RAW_LOG)} is missing: run `make data` (make test does)")
    ids = []
    for path in logs:
        try:
            raw = read_call_log(path)
        except CallLogError:
            continue  # not a call log (the cleaning would refuse it too)
        if "call_id" in raw.frame:  # interval statistics have no call ids
            ids.append(raw.frame["call_id"].astype("str"))
    return pd.concat(ids, ignore_index=True).drop_duplicates()


def test_planted_ids_are_found(tmp_path):
    ids = pd.Series(["SYN00012345", "SYN00000001", "A-17.3", "f47ac10b-58cc-4372-a567-0e02b2c3d479"])
    clean = tmp_path / "clean.ipynb"
    clean.write_text('{"text": "1 765 909 calls, SYN000123456 and XSYN00000001 are other ids"}')
    leak = tmp_path / "leak.ipynb"
    leak.write_text('{"outputs": [{"text": "row: SYN00012345;Oslo;sentralbord"}]}')
    uuid = tmp_path / "uuid.csv"
    uuid.write_text("x,id\n1,f47ac10b-58cc-4372-a567-0e02b2c3d479.\n")
    book = tmp_path / "book.xlsx"
    with zipfile.ZipFile(book, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/sharedStrings.xml", "<si><t>A-17.3</t></si>")
    found = find_call_ids([clean, leak, uuid, book], ids)
    assert set(found) == {display_path(p) for p in (leak, uuid, book)}
    assert found[display_path(leak)] == ["SYN00012345"] and found[display_path(book)] == ["A-17.3"]


def test_a_planted_raw_id_is_found(tmp_path, raw_ids):
    planted = tmp_path / "outputs" / "tables" / "leak.csv"
    planted.parent.mkdir(parents=True)
    planted.write_text(f"call,wait\n{raw_ids.iloc[len(raw_ids) // 2]},12.0\n")
    found = find_call_ids(scan_targets(tmp_path / "notebooks", tmp_path / "outputs"), raw_ids)
    assert found == {display_path(planted): [raw_ids.iloc[len(raw_ids) // 2]]}


def test_no_call_id_in_notebooks_or_outputs(raw_ids):
    found = find_call_ids(scan_targets(), raw_ids)
    assert not found, f"call ids found in {found}"
