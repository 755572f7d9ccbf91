"""Shared fixtures, the test kinds, and a sandbox: nothing a test (or nbval) writes reaches
outputs/ or data/processed/.

Before ``lib`` is imported, ``KONTAKT_WRITE_ROOT`` is pointed at a temporary folder
(unless set already), so relative ``outputs/`` and ``data/processed/`` paths of the
notebooks nbval executes, and of the library, resolve there (:mod:`lib.core.paths`). The
kernels nbval starts, and pytest-xdist's workers, inherit the variable: one sandbox.

**Kinds** (markers, given here by what a test uses): ``nbval`` (a notebook's cells),
``chain`` (a test that reads the chain's run, ``chain_run``, or runs real notebooks on a log of
its own), ``full_year`` (a test that reads the full synthetic year), and ``unit`` (the rest:
``make test-fast``). nbval's cells and the tests of the chain's run (tests/test_chain_*.py) are
one unit of work for pytest-xdist (:func:`pytest_xdist_make_scheduler`), so they run in one
worker, nbval first.

**The notebooks run once.** ``chain_run`` is the chain's run on the synthetic log: when nbval
has just executed every notebook in this session without a failure, it is that execution
(its tables, figures and processed data in the sandbox, with the run information and the
workbook made from them as the pipeline makes them); otherwise (a test run on its own) the
pipeline runs the chain.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

_SANDBOX = None
if not os.environ.get("KONTAKT_WRITE_ROOT"):
    _SANDBOX = tempfile.mkdtemp(prefix="kontakt-test-")
    os.environ["KONTAKT_WRITE_ROOT"] = _SANDBOX

import pytest  # noqa: E402

from lib.chain import pipeline  # noqa: E402
from lib.core.paths import DATA_RAW  # noqa: E402

RAW = DATA_RAW / "calls_2023.parquet"


def pytest_sessionfinish(session, exitstatus):
    if _SANDBOX is not None:
        shutil.rmtree(_SANDBOX, ignore_errors=True)


#: The test files of the chain's run, which run in one xdist worker after nbval's cells.
CHAIN_FILES = ("notebooks/", "tests/test_chain_")
#: Fixtures that read the full synthetic year.
FULL_YEAR_FIXTURES = {"synthetic_year", "synthetic_cleaning", "raw_ids", "full"}
#: nbval's cells collected and passed in this session, per notebook.
_NBVAL: dict[str, list[int]] = {}


def _notebook_of(nodeid: str) -> str | None:
    """The notebook (``NN_name``) an nbval cell's node id names, or None for a test. (A worker of
    pytest-xdist reports ``notebooks/NN_name::ipynb::Cell k``, the collection
    ``notebooks/NN_name.ipynb::Cell k``.)"""
    m = re.match(r"notebooks/(\d\d_[A-Za-z0-9_]+)(?:\.ipynb|::ipynb)::", nodeid)
    return m.group(1) if m else None


def pytest_collection_modifyitems(config, items):
    """Mark every test by its kind (module docstring)."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        notebook = _notebook_of(item.nodeid)
        if notebook is not None:
            item.add_marker(pytest.mark.nbval)
            _NBVAL.setdefault(notebook, [0, 0])[0] += 1
        elif "chain_run" in fixtures:
            item.add_marker(pytest.mark.chain)
        if fixtures & FULL_YEAR_FIXTURES:
            item.add_marker(pytest.mark.full_year)
        if not any(item.get_closest_marker(m) for m in ("nbval", "chain", "full_year")):
            item.add_marker(pytest.mark.unit)


def pytest_xdist_make_scheduler(config, log):
    """pytest-xdist's scheduling by file (every file's tests in one worker, in order), but nbval's
    notebooks and the tests of the chain's run (tests/test_chain_*.py) as one unit, in
    collection order: the notebooks in number order, then the tests that read their run
    (``chain_run``). (xdist's own ``loadgroup`` does not group under pytest 9.)"""
    from xdist.scheduler import LoadScopeScheduling

    class ChainThenFiles(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return "chain" if nodeid.startswith(CHAIN_FILES) else super()._split_scope(nodeid)

    return ChainThenFiles(config, log)


class _NbvalTracker:
    """Counts nbval's passed cells per notebook. A plugin of its own (registered at start): a
    conftest's run-time hooks reach only the items below its folder, and the notebooks are not."""

    @staticmethod
    def pytest_runtest_logreport(report):
        notebook = _notebook_of(report.nodeid)
        if notebook in _NBVAL and report.when == "call" and report.passed:
            _NBVAL[notebook][1] += 1


def pytest_configure(config):
    config.pluginmanager.register(_NbvalTracker(), "kontakt-nbval-tracker")


def _nbval_ran_every_notebook() -> bool:
    """Whether nbval executed every numbered notebook in this process and every cell passed."""
    from lib.chain.notebooks import notebooks

    done = {name for name, (collected, passed) in _NBVAL.items() if collected and passed == collected}
    return {nb.stem for nb in notebooks()} <= done


@pytest.fixture(scope="session")
def chain_run(tmp_path_factory) -> Path:
    """The chain's run on the synthetic log (every notebook, 00-07): a folder with ``outputs``
    (tables, figures, run_info.csv, tables/results.xlsx) and ``processed``.

    nbval's execution of this session when it covered every notebook (see the module
    docstring); otherwise a pipeline run into a temporary folder. Either way the golden tests
    check what this session built, never what an earlier run left in outputs/.
    """
    if not RAW.exists():
        pytest.fail(f"{RAW.name} is missing: `make test` generates it (python -m lib.calllog.synthetic --out {RAW})")
    root = tmp_path_factory.mktemp("chain")
    if _nbval_ran_every_notebook():
        from lib.core.paths import DATA_PROCESSED, OUTPUTS
        from lib.report import run_info, workbook

        (root / "outputs").symlink_to(OUTPUTS, target_is_directory=True)
        (root / "processed").symlink_to(DATA_PROCESSED, target_is_directory=True)
        tables = OUTPUTS / "tables"
        info = run_info.run_info(str(RAW), [RAW], tables, {}, "00_erlang_c_primer", 0.0)
        info.to_csv(OUTPUTS / run_info.RUN_INFO, index=False)
        workbook.write_workbook(tables, tables / "results.xlsx", info)
        return root
    pipeline.run({"raw_path": str(RAW)}, root / "outputs", root / "processed", html=False)
    return root


@pytest.fixture(scope="session")
def synthetic_year():
    """The synthetic log's rows as the Parquet file holds them (1 765 909 calls)."""
    import pandas as pd

    if not RAW.exists():
        pytest.fail(f"{RAW.name} is missing: `make test` generates it (python -m lib.calllog.synthetic --out {RAW})")
    return pd.read_parquet(RAW)


@pytest.fixture(scope="session")
def synthetic_cleaning(synthetic_year, tmp_path_factory):
    """The Parquet file's cleaning at the report's settings (nothing written): the log every
    other form of the year must give."""
    from frames import CLEANING_SETTINGS

    from lib.calllog import clean_call_log

    work = tmp_path_factory.mktemp("reference")
    return clean_call_log(RAW, work / "p", work / "o", write=False, **CLEANING_SETTINGS)


@pytest.fixture
def notebooks_in_process(monkeypatch):
    """For the tests of the run machinery (locks, staging, manifests, failures): their two-cell
    notebooks run in this process (:func:`frames.in_process_execute`), not in a kernel;
    tests/test_pipeline.py runs them through papermill."""
    from frames import in_process_execute

    from lib.chain import notebooks

    monkeypatch.setattr(notebooks, "execute", in_process_execute)


@pytest.fixture
def raw(tmp_path):
    """A tiny export file (a header and one call) for the tests of the run machinery, whose
    stand-in notebooks do not read it."""
    path = tmp_path / "export.csv"
    path.write_text("call_id;district\n1;Oslo\n")
    return path
