"""What machine a benchmark ran on: printed first by every benchmark script, so a number in the
README can be traced to the CPU, the load and the library versions that produced it."""

from __future__ import annotations

import importlib
import os
import platform


def machine_info(*packages: str) -> str:
    """CPU model, logical cores, load average, the Python version and the versions of
    ``packages`` (import names, e.g. "numpy"), on two lines."""
    cpu = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    load = " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    versions = "".join(f", {p} {importlib.import_module(p).__version__}" for p in packages)
    return (
        f"CPU: {cpu}, {os.cpu_count()} logical cores; load average {load}\nPython {platform.python_version()}{versions}"
    )
