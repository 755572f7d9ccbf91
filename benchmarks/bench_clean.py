"""Speed and memory of reading, validating and cleaning the full synthetic year, in every export form.

Takes ``data/raw/calls_2023.parquet`` (``make data``), writes the same rows in every form of
:data:`lib.calllog.forms.FORMS` into a temporary folder (comma CSV; Norwegian Excel's
semicolon CSV in Windows-1252 with decimal commas, ``dd.mm.yyyy`` and ja/nei; tab-separated
with SANN/USANN; gzip; a vendor export with its mapping file, split date and time,
``hh:mm:ss`` durations and outcome words; twelve monthly files; 15-minute interval
statistics), then runs ``lib.calllog.clean_call_log`` on each form in a fresh subprocess, so
every peak-memory figure belongs to one run only. Reported per form: seconds to read the
file(s) alone, seconds for the whole read + validate + clean + write, and peak resident memory
of the process (MB, imports included). Target (brief): Parquet under 10 s and under 2 GB.
``--forms`` picks some forms.

    .venv/bin/python benchmarks/bench_clean.py [--raw data/raw/calls_2023.parquet] [--forms csv vendor ...]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _peak_mb() -> float:
    """Peak resident memory of this process (MB): VmHWM, which, unlike ru_maxrss, starts afresh
    at exec instead of inheriting the parent's peak."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux (not Linux: upper bound)


def one(path: str, work: str) -> dict:
    """Time one format in this process (run as a subprocess by :func:`main`)."""
    from lib.calllog import clean_call_log, read_logs
    from lib.core.assumptions import Assumptions

    a = Assumptions()  # the report's year, outlier threshold and excluded districts
    baseline = _peak_mb()
    t0 = time.perf_counter()
    raws = read_logs(path)
    read_s = time.perf_counter() - t0
    del raws
    t0 = time.perf_counter()
    res = clean_call_log(
        path,
        Path(work) / "processed",
        Path(work) / "outputs",
        year=a.data_year,
        outlier_threshold_s=a.outlier_threshold_s,
        excluded_districts=a.excluded_districts,
    )
    total_s = time.perf_counter() - t0
    return {
        "rows": int(res.count("rows_read")),
        "kept": int(res.count("kept")),
        "kind": res.kind,
        "read_s": round(read_s, 2),
        "clean_total_s": round(total_s, 2),
        "peak_rss_mb": round(_peak_mb()),
        "import_rss_mb": round(baseline),
    }


def write_formats(parquet: Path, folder: Path, wanted: list[str] | None = None) -> dict[str, Path]:
    """The Parquet's rows in every form of :data:`lib.calllog.forms.FORMS` (or the ``wanted``
    ones); the Parquet file itself for ``parquet``."""
    import pandas as pd

    from lib.calllog import forms

    df = pd.read_parquet(parquet)
    paths: dict[str, Path] = {}
    for form in wanted or list(forms.FORMS):
        paths[form] = parquet if form == "parquet" else forms.write_form(df, form, folder)
    return paths


def _size_mb(path: Path) -> float:
    files = [path] if path.is_file() else [p for p in path.iterdir() if p.is_file()]
    return sum(p.stat().st_size for p in files) / 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--raw", default="data/raw/calls_2023.parquet")
    ap.add_argument("--forms", nargs="*", help="forms to time (default: all of lib.calllog.forms.FORMS)")
    ap.add_argument("--one", nargs=2, metavar=("PATH", "WORKDIR"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(one(*args.one)))
        return

    from lib.core.paths import display_path, resolve

    raw = resolve(args.raw)
    if not raw.exists():
        sys.exit(f"{display_path(raw)} is missing: run `make data` first")
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        paths = write_formats(raw, Path(tmp), args.forms)
        print(
            f"wrote the forms in {time.perf_counter() - t0:.1f} s; sizes (MB): "
            + ", ".join(f"{k} {_size_mb(p):.0f}" for k, p in paths.items()),
            flush=True,
        )
        print(
            f"{'form':16} {'kind':9} {'rows':>9} {'kept':>9} {'read s':>7} {'total s':>8} {'peak MB':>8} {'imports MB':>10}"
        )
        for kind, path in paths.items():
            out = subprocess.run(
                [sys.executable, __file__, "--one", str(path), str(Path(tmp) / kind)], capture_output=True, text=True
            )
            if out.returncode:
                sys.exit(f"{kind}: the run failed:\n{out.stderr.strip().splitlines()[-1]}")
            r = json.loads(out.stdout.strip().splitlines()[-1])
            print(
                f"{kind:16} {r['kind']:9} {r['rows']:>9} {r['kept']:>9} {r['read_s']:>7} {r['clean_total_s']:>8} "
                f"{r['peak_rss_mb']:>8} {r['import_rss_mb']:>10}",
                flush=True,
            )


if __name__ == "__main__":
    main()
