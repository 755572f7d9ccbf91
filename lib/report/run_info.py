"""What a run says about itself (``run_info``), and what differs between two runs.

:func:`run_info` is one table of ``item, value`` rows, aggregates only, never call-level
data: the raw file (path relative to the project, size, sha256), the rows read, whether it
is the synthetic log (and its seed), every assumption that differs from the report's value
(``assumption NAME``: the value and the report's), every assumption in force
(``in_force NAME``) and every notebook parameter in force (``parameter NAME``), so that
``make compare`` can say which of them differ between two runs, the failed plausibility checks, the git commit and whether the tree was dirty, Python and
key package versions, the notebook the run started from and its duration. The pipeline
writes it to ``OUT/run_info.csv``, as the first sheet of the workbook (without the
duration, so that reruns give the same bytes) and at the top of every HTML page.

Its item names and values stay English and machine-readable (``make compare`` and the tests
read them); what a reader sees (the note's "Om kjøringen", the workbook's "Kjøring") is
translated at presentation by :func:`presented`, from one table of labels
(``lib/core/data/run_info_labels.csv``): Norwegian labels and values, yes/no and
True/False as "ja"/"nei", None as an empty cell, numbers as numbers.

"""

from __future__ import annotations

import html
import platform
import re
import subprocess
from functools import cache
from importlib import metadata
from pathlib import Path

import pandas as pd

from lib.calllog import plausibility
from lib.core import norwegian as notation
from lib.core.assumptions import Assumptions
from lib.core.manifest import sha256
from lib.core.paths import LIB_DATA, PROJ_ROOT, display_path

RUN_INFO = "run_info.csv"
#: The prefixes of the rows that record what was in force: every assumption, every notebook parameter.
IN_FORCE = "in_force "
PARAMETER = "parameter "
#: Rows of run_info left out of the workbook: they change on every rerun.
VOLATILE = ("duration_s",)
#: The Norwegian labels of the items and values (kind ``item`` or ``value``; ``{name}``, ``{n}``,
#: ``{value}``, ``{report}`` stand for any text in that place).
LABELS_CSV = LIB_DATA / "run_info_labels.csv"
#: Items whose value is a number (the others stay text: "0.109" is a version).
NUMBER_ITEMS = re.compile(r"^(rows_.*|.*_bytes(_\d+)?|.*_seed|duration_s|.*_rows|raw_files|in_force .*|parameter .*)$")
PACKAGES = ("numpy", "pandas", "scipy", "matplotlib", "papermill", "pyarrow", "openpyxl", "holidays")


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(["git", *args], cwd=PROJ_ROOT, capture_output=True, text=True, timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip()


def run_info(
    raw: str,
    files: list[Path],
    tables: Path,
    overrides: dict[str, object],
    started_from: str,
    duration_s: float,
    parameters: dict[str, object] | None = None,
) -> pd.DataFrame:
    """The run information table (columns ``item``, ``value``, all text).

    ``raw``: the call log as given (a file, a folder or a glob); ``files``: the files it named
    (each with its size and sha256; several: numbered); ``tables``: the run's tables folder
    (cleaning_report.csv, plausibility.csv); ``overrides``: the assumption overrides;
    ``parameters``: the notebook parameters in force (folders left out), one row each.
    """
    from lib.calllog.synthetic import synthetic_seed

    rows: list[tuple[str, object]] = [("status", "complete")]
    rows.append(("raw_file", raw))
    if len(files) == 1:
        size, sha = files[0].stat().st_size, sha256(files[0])
        rows += [("raw_size_bytes", size), ("raw_sha256", sha)]
    else:
        rows.append(("raw_files", len(files)))
        for i, f in enumerate(files, start=1):
            size, sha = f.stat().st_size, sha256(f)
            rows += [(f"raw_file_{i}", display_path(f)), (f"raw_size_bytes_{i}", size), (f"raw_sha256_{i}", sha)]
    report = tables / "cleaning_report.csv"
    if report.exists():
        counts = pd.read_csv(report).set_index("item")["count"]
        rows += [("rows_read", int(counts["rows_read"])), ("rows_kept", int(counts["kept"]))]
    fmt = tables / "input_format.csv"
    if fmt.exists():  # how the file was read (encoding, separator, ...), from notebook 01
        f = pd.read_csv(fmt, dtype=str, keep_default_na=False).set_index("item")["value"]
        rows += [(f"input_{k}", f[k]) for k in ("format", "encoding", "separator", "decimal_mark") if k in f.index]
    seed = synthetic_seed(files[0]) if len(files) == 1 else None
    rows += [("synthetic_log", "yes" if seed is not None else "no"), ("synthetic_seed", "" if seed is None else seed)]
    a = Assumptions().replace(**overrides)
    report_values = Assumptions()
    changed = a.overrides()
    rows += [
        (f"assumption {k}", f"{value_text(v)} (report: {value_text(getattr(report_values, k))})")
        for k, v in changed.items()
    ]
    if not changed:
        rows.append(("assumptions", "the report's values"))
    rows += [(f"{IN_FORCE}{k}", getattr(a, k)) for k in a.names()]
    rows += [(f"{PARAMETER}{k}", v) for k, v in sorted((parameters or {}).items())]
    # the warnings' details in Norwegian: the reader pages (note, workbook) show them as they are
    warnings = plausibility.failures(plausibility.read_checks(tables.parent), "detail_nb")
    rows += [("plausibility", "all checks passed" if report.exists() and not warnings else "not checked")]
    if warnings:
        rows[-1] = ("plausibility", f"{len(warnings)} check(s) FAILED")
        rows += [(f"warning {i + 1}", w) for i, w in enumerate(warnings)]
    commit = _git("rev-parse", "HEAD")
    dirty = _git("status", "--porcelain", "--untracked-files=no")
    rows += [
        ("git_commit", commit or "unknown"),
        ("git_dirty", "unknown" if dirty is None else "yes" if dirty else "no"),
    ]
    rows.append(("python", platform.python_version()))
    for pkg in PACKAGES:
        try:
            rows.append((pkg, metadata.version(pkg)))
        except metadata.PackageNotFoundError:
            rows.append((pkg, "not installed"))
    rows += [("started_from", started_from), ("duration_s", f"{duration_s:.1f}")]
    return pd.DataFrame([(k, value_text(v)) for k, v in rows], columns=["item", "value"])


def value_text(v: object) -> str:
    return ", ".join(map(str, v)) if isinstance(v, tuple) else str(v)


@cache
def _labels() -> tuple[list[tuple[re.Pattern[str], str]], list[tuple[re.Pattern[str], str]]]:
    """The item and value rules of :data:`LABELS_CSV`: (pattern, Norwegian template), exact
    entries before those with a placeholder, so ``parameter year`` wins over ``parameter {name}``."""
    table = pd.read_csv(LABELS_CSV, dtype=str, keep_default_na=False)
    rules: dict[str, list[tuple[re.Pattern[str], str]]] = {"item": [], "value": []}
    for kind, english, norwegian in sorted(table.itertuples(index=False, name=None), key=lambda r: ("{" in r[1], r[0])):
        parts = re.split(r"\{(\w+)\}", english)
        pattern = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(parts))
        rules[kind].append((re.compile(f"^{pattern}$", re.DOTALL), norwegian))
    return rules["item"], rules["value"]


def _translate(text: str, rules: list[tuple[re.Pattern[str], str]]) -> str | None:
    for pattern, norwegian in rules:
        m = pattern.match(text)
        if m:
            return norwegian.format(**m.groupdict())
    return None


def label(item: str) -> str:
    """The Norwegian label of run-information item ``item`` (a package's name: its version)."""
    if item in PACKAGES:
        return f"Versjon av {item}"
    found = _translate(item, _labels()[0])
    return item if found is None else found


def value(item: str, text: object) -> object:
    """A run-information value as a reader sees it: a number for :data:`NUMBER_ITEMS` (a plain
    number), "ja"/"nei" for yes/no and True/False, None for None and empty, the other words
    in Norwegian and the numbers in a text in Norwegian notation (``0,85 (rapporten: 0,8)``);
    versions, checksums, paths and commits as they are."""
    from lib.core import plotstyle

    text = "" if text is None else str(text)
    if item.startswith("input_"):  # how the log was read: the vocabulary of the "Innlesing" sheet
        return notation.words(text) or None
    if NUMBER_ITEMS.match(item) and re.fullmatch(r"-?\d+(\.\d+)?", text):
        return int(text) if re.fullmatch(r"-?\d+", text) else float(text)
    found = _translate(text, _labels()[1])
    if found is not None:
        if item.startswith("assumption "):
            return plotstyle.numbers_in(found)
        return found or None
    if item.startswith(("assumption ", "in_force ", "parameter ", "warning ")):
        return plotstyle.numbers_in(text) if text else None
    return text or None


def presented(info: pd.DataFrame) -> pd.DataFrame:
    """The run information as a reader sees it: columns ``label`` (Norwegian), ``value`` (a
    number, a Norwegian text or None) and ``item`` (the English name, as in run_info.csv)."""
    items = info["item"].astype(str)
    return pd.DataFrame(
        {
            "label": [label(i) for i in items],
            "value": [value(i, v) for i, v in zip(items, info["value"], strict=True)],
            "item": list(items),
        }
    )


def shown_rows(info: pd.DataFrame) -> pd.DataFrame:
    """The rows a page shows: without the assumptions in force (``assumption NAME`` rows name
    those that differ from the report; the workbook's "Kjøring" sheet has them all)."""
    return info[~info["item"].astype(str).str.startswith(IN_FORCE)].reset_index(drop=True)


def html_banner(info: pd.DataFrame) -> str:
    """The run information as an HTML block for the top of a page; failed checks in red."""
    info = shown_rows(info)
    warn = info["item"].str.startswith("warning")
    lines = "".join(
        f"<tr><th style='text-align:left'>{html.escape(i)}</th><td>{html.escape(v)}</td></tr>"
        for i, v in zip(info["item"], info["value"], strict=True)
    )
    alert = ""
    if warn.any():
        items = "".join(f"<li>{html.escape(v)}</li>" for v in info.loc[warn, "value"])
        alert = (
            "<p style='color:#b00;font-weight:bold'>ADVARSEL: the call log does not look like a year of 02800 "
            f"calls; the results rest on uncertain ground.</p><ul style='color:#b00'>{items}</ul>"
        )
    return (
        "<div style='border:1px solid #999;padding:0.5em 1em;margin:1em;font-family:sans-serif;font-size:90%'>"
        f"<strong>Run information</strong>{alert}<table>{lines}</table></div>"
    )
