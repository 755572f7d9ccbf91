"""How many threads or processes a computation may use: the cores this process may run on, as
the operating system reports them (a container's or ``taskset``'s limit included)."""

from __future__ import annotations

import os
from numbers import Integral


def usable_cores() -> int:
    """The number of cores this process may run on (at least 1)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def workers(requested: int | None, tasks: int, name: str = "threads") -> int:
    """Workers for ``tasks`` independent tasks: ``requested`` (a whole number >= 1), or every
    usable core when None; never more than the tasks, never fewer than 1. ``name`` names the
    argument in the error for anything else."""
    if requested is None:
        n = usable_cores()
    elif isinstance(requested, bool) or not isinstance(requested, Integral) or requested < 1:
        raise ValueError(f"{name} must be a whole number >= 1 or None (every core); got {requested!r}")
    else:
        n = int(requested)
    return max(1, min(n, tasks))
