"""Speed and memory of reading, validating and cleaning the full synthetic year.

Takes ``data/raw/calls_2023.parquet`` (``make data``), writes the same rows as a comma
CSV, a semicolon CSV, a gzip-compressed CSV (all UTF-8, ISO 8601 with offset) and a CSV as
a Norwegian Excel saves it ("CSV (semikolondelt)": Windows-1252, semicolon, local time as
``dd.mm.yyyy hh:mm:ss``, ``ja``/``nei``; format ``nb-excel``) into a temporary folder, then runs
``lib.calllog.clean_call_log`` on each format in a fresh subprocess, so every peak-memory
figure (``ru_maxrss``) belongs to one run only. Reported per format: seconds to read the
file alone, seconds for the whole read + validate + clean + write, and peak resident
memory of the process (MB, imports included). Target (brief): Parquet under 10 s and
under 2 GB.

    .venv/bin/python benchmarks/bench_clean.py [--raw data/raw/calls_2023.parquet]
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
    from lib.calllog import clean_call_log, read_call_log
    from lib.core.assumptions import Assumptions

    a = Assumptions()  # the report's year, outlier threshold and excluded districts
    baseline = _peak_mb()
    t0 = time.perf_counter()
    raw = read_call_log(path)
    read_s = time.perf_counter() - t0
    del raw
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
        "read_s": round(read_s, 2),
        "clean_total_s": round(total_s, 2),
        "peak_rss_mb": round(_peak_mb()),
        "import_rss_mb": round(baseline),
    }


def write_formats(parquet: Path, folder: Path) -> dict[str, Path]:
    """The Parquet's rows as comma CSV, semicolon CSV and gzip CSV (timestamps with UTC offset),
    and as a Norwegian Excel CSV (Windows-1252, semicolon, dd.mm.yyyy hh:mm:ss local, ja/nei)."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.csv as pacsv

    df = pd.read_parquet(parquet)
    local = df["arrived_at"]
    df["arrived_at"] = local.dt.strftime("%Y-%m-%dT%H:%M:%S%z")
    answered = df["answered"]
    df["answered"] = answered.map({True: "true", False: "false"})
    table = pa.Table.from_pandas(df, preserve_index=False)
    paths = {
        "parquet": parquet,
        "csv": folder / "calls.csv",
        "csv;": folder / "calls_semicolon.csv",
        "csv.gz": folder / "calls.csv.gz",
        "nb-excel": folder / "calls_excel_1252.csv",
    }
    pacsv.write_csv(table, paths["csv"])
    pacsv.write_csv(table, paths["csv;"], pacsv.WriteOptions(delimiter=";"))
    with pa.CompressedOutputStream(str(paths["csv.gz"]), "gzip") as out:
        pacsv.write_csv(table, out)
    df["arrived_at"] = local.dt.strftime("%d.%m.%Y %H:%M:%S")
    df["answered"] = answered.map({True: "ja", False: "nei"})
    excel = pa.Table.from_pandas(df, preserve_index=False)
    sink = pa.BufferOutputStream()
    pacsv.write_csv(excel, sink, pacsv.WriteOptions(delimiter=";", quoting_style="needed"))
    paths["nb-excel"].write_bytes(sink.getvalue().to_pybytes().decode("utf-8").encode("cp1252"))
    return paths


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--raw", default="data/raw/calls_2023.parquet")
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
        paths = write_formats(raw, Path(tmp))
        print(
            f"wrote CSV copies in {time.perf_counter() - t0:.1f} s; sizes (MB): "
            + ", ".join(f"{k} {p.stat().st_size / 1e6:.0f}" for k, p in paths.items()),
            flush=True,
        )
        print(f"{'format':8} {'rows':>9} {'kept':>9} {'read s':>7} {'total s':>8} {'peak MB':>8} {'imports MB':>10}")
        for kind, path in paths.items():
            out = subprocess.run(
                [sys.executable, __file__, "--one", str(path), str(Path(tmp) / kind)], capture_output=True, text=True
            )
            if out.returncode:
                sys.exit(f"{kind}: the run failed:\n{out.stderr.strip().splitlines()[-1]}")
            r = json.loads(out.stdout.strip().splitlines()[-1])
            print(
                f"{kind:8} {r['rows']:>9} {r['kept']:>9} {r['read_s']:>7} {r['clean_total_s']:>8} "
                f"{r['peak_rss_mb']:>8} {r['import_rss_mb']:>10}",
                flush=True,
            )


if __name__ == "__main__":
    main()
