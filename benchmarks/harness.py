"""What the benchmark scripts share: the best of a few timed runs, the 50-digit references the
tests keep (one source for tests and benchmarks), and the minimality count of a staffing."""

from __future__ import annotations

import importlib.util
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

T = TypeVar("T")


def best_of(fn: Callable[[], T], repeats: int = 3) -> tuple[T, float, float]:
    """(the last result, the best wall seconds, the best CPU seconds) of ``repeats`` calls of ``fn``."""
    out: Any = None
    best_wall, best_cpu = math.inf, math.inf
    for _ in range(repeats):
        w0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        best_wall = min(best_wall, time.perf_counter() - w0)
        best_cpu = min(best_cpu, time.process_time() - c0)
    return out, best_wall, best_cpu


def test_reference(test_file: str) -> Callable[..., Any]:
    """The ``_reference`` function (50 digits, mpmath) of ``tests/<test_file>``."""
    path = Path(__file__).resolve().parents[1] / "tests" / test_file
    spec = importlib.util.spec_from_file_location(f"_reference_of_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module._reference


def minimality(n, busy, sl_n, sl_m, cap_n, cap_m, level: float) -> tuple[int, float]:
    """For a staffing ``n`` (every hour; ``busy`` those with traffic) and, per busy hour, the
    service levels and occupancy-cap verdicts at n (``sl_n``, ``cap_n``) and at n − 1 (``sl_m``,
    ``cap_m``): (hours failing the minimality check, smallest |service level − target| at n or
    n − 1). An hour fails when n does not meet the target, n − 1 does, or it has no traffic and
    agents."""
    nb = n[busy]
    meets_n = (sl_n >= level) & cap_n
    meets_m = (nb > 1) & (sl_m >= level) & cap_m  # n − 1 = 0 never meets a target
    bad = int((~meets_n).sum() + meets_m.sum() + (n[~busy] != 0).sum())
    margin = float(min(np.abs(sl_n - level).min(), np.abs(sl_m[nb > 1] - level).min()))
    return bad, margin
