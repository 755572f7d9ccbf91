"""The worker count every parallel computation uses (lib/core/parallel.py)."""

from __future__ import annotations

import numpy as np
import pytest

from lib.core import parallel


def test_workers_are_the_request_or_every_core_never_more_than_the_tasks():
    assert parallel.usable_cores() >= 1
    assert parallel.workers(None, 1000) == parallel.usable_cores()
    assert parallel.workers(3, 2) == 2 and parallel.workers(np.int64(2), 10) == 2 and parallel.workers(1, 0) == 1


@pytest.mark.parametrize("bad", [0, -1, 1.5, 2.0, True, "2"])
def test_anything_but_a_whole_number_of_workers_is_refused(bad):
    with pytest.raises(ValueError, match="threads must be a whole number >= 1"):
        parallel.workers(bad, 4)
