"""What a run says about itself (``run_info``), and what differs between two runs.

:func:`run_info` is one table of ``item, value`` rows, aggregates only, never call-level
data: the raw file (path relative to the project, size, sha256), the rows read, whether it
is the synthetic log (and its seed), every assumption that differs from the report's value,
the failed plausibility checks, the git commit and whether the tree was dirty, Python and
key package versions, the notebook the run started from and its duration. The pipeline
writes it to ``OUT/run_info.csv``, as the first sheet of the workbook (without the
duration, so that reruns give the same bytes) and at the top of every HTML page.

:func:`compare_runs` lists every Table 1 cell, staffing figure and key count that differs
between two run folders, with both values and the difference.
"""

from __future__ import annotations

import html
import platform
import subprocess
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

from lib.assumptions import Assumptions
from lib.manifest import sha256
from lib.paths import PROJ_ROOT, display_path

RUN_INFO = "run_info.csv"
#: Rows of run_info left out of the workbook: they change on every rerun.
VOLATILE = ("duration_s",)
PACKAGES = ("numpy", "pandas", "scipy", "matplotlib", "papermill", "pyarrow", "openpyxl", "holidays")


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(["git", *args], cwd=PROJ_ROOT, capture_output=True, text=True, timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip()


def failed_checks(tables: Path) -> list[str]:
    """The failed plausibility checks of a run (``tables/plausibility.csv``), as text."""
    path = tables / "plausibility.csv"
    if not path.exists():
        return []
    t = pd.read_csv(path)
    failed = t.loc[~t["passed"].astype(bool)]
    return [f"{r.check}: {r.detail}" for r in failed.itertuples()]


def run_info(
    raw: str,
    files: list[Path],
    tables: Path,
    overrides: dict[str, object],
    started_from: str,
    duration_s: float,
) -> pd.DataFrame:
    """The run information table (columns ``item``, ``value``, all text).

    ``raw``: the call log as given (a file, a folder or a glob); ``files``: the files it named
    (each with its size and sha256; several: numbered); ``tables``: the run's tables folder
    (cleaning_report.csv, plausibility.csv); ``overrides``: the assumption overrides.
    """

    from lib.synthetic import synthetic_seed

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
        (f"assumption {k}", f"{_text(v)} (report: {_text(getattr(report_values, k))})") for k, v in changed.items()
    ]
    if not changed:
        rows.append(("assumptions", "the report's values"))
    warnings = failed_checks(tables)
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
    return pd.DataFrame([(k, _text(v)) for k, v in rows], columns=["item", "value"])


def _text(v: object) -> str:
    return ", ".join(map(str, v)) if isinstance(v, tuple) else str(v)


def html_banner(info: pd.DataFrame) -> str:
    """The run information as an HTML block for the top of a page; failed checks in red."""
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


# --- comparing two runs -----------------------------------------------------------------------

#: Tables compared: file, key columns, value columns.
COMPARED: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("table1.csv", ("row",), ("I", "IIa", "IIb", "III")),
    ("staffing_by_year.csv", ("concept", "year"), ("agent_hours", "person_years", "saving_person_years", "asa_s")),
    ("staffing_effects.csv", ("year", "effect"), ("saving_person_years",)),
    ("cleaning_report.csv", ("item",), ("count",)),
    ("todays_picture.csv", ("item",), ("value",)),
    ("input_format.csv", ("item",), ("value",)),
)
COMPARE_COLUMNS = ["table", "key", "a", "b", "difference"]


def _long(path: Path, keys: tuple[str, ...], values: tuple[str, ...]) -> pd.Series:
    if not path.exists():
        return pd.Series(dtype=object)
    t = pd.read_csv(path)
    cols = [c for c in values if c in t.columns]
    key = t[list(keys)].astype(str).agg(" / ".join, axis=1)
    out = {f"{k} / {c}" if len(cols) > 1 else k: v for c in cols for k, v in zip(key, t[c], strict=True)}
    return pd.Series(out, dtype=object)


def compare_runs(a: Path, b: Path) -> pd.DataFrame:
    """Every compared value that differs between run folders ``a`` and ``b`` (columns
    :data:`COMPARE_COLUMNS`; ``difference`` = b - a for numbers). Empty when they agree."""
    rows = []
    for name, keys, values in COMPARED:
        va, vb = _long(a / "tables" / name, keys, values), _long(b / "tables" / name, keys, values)
        for k in list(dict.fromkeys([*va.index, *vb.index])):
            x, y = va.get(k, np.nan), vb.get(k, np.nan)
            if (pd.isna(x) and pd.isna(y)) or x == y:
                continue
            diff = y - x if isinstance(x, (int, float)) and isinstance(y, (int, float)) else np.nan
            rows.append((name.removesuffix(".csv"), k, x, y, diff))
    ia, ib = _long(a / RUN_INFO, ("item",), ("value",)), _long(b / RUN_INFO, ("item",), ("value",))
    for k in ("raw_file", "raw_sha256", "rows_read", "synthetic_log", "git_commit"):
        if ia.get(k) != ib.get(k):
            rows.append(("run_info", k, ia.get(k), ib.get(k), np.nan))
    return pd.DataFrame(rows, columns=COMPARE_COLUMNS)
