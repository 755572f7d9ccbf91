"""The chain from notebook 01 to 07 on interval statistics (issue 20, part 4), end to end.

The synthetic year written as a system's 15-minute interval export (every call, the defects
the call-level cleaning removes included) runs through every notebook, with the slow parts
cut short (no sensitivity re-runs, 200 Monte Carlo draws, two simulated replications): notebook
01 detects it and accounts for it, 02 builds the rates, 05 fits patience without Kaplan–Meier,
and Table 1 comes out within 4 % of the call-level run's (the 936 calls over 30 minutes stay in
the sums; tests/test_intervals.py).
"""

from __future__ import annotations

import nbformat
import numpy as np
import pandas as pd
import papermill as pm
import pytest

from lib.calllog import forms
from lib.core.paths import NOTEBOOKS, PROJ_ROOT

SHORT = {
    "04_report_tables": {"run_sensitivity": False},
    "05_abandonment": {"simulation_replications": 2, "isa_replications": 1},
    "06_uncertainty": {"draws": 200, "exact_check_draws": 0},
}


def _outputs(path) -> str:
    nb = nbformat.read(path, as_version=4)
    return "\n".join(
        "".join(o.get("text", "")) for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
    )


#: Real notebooks on interval statistics: the chain's kind.
pytestmark = pytest.mark.chain


@pytest.fixture(scope="module")
def interval_run(synthetic_year, tmp_path_factory):
    root = tmp_path_factory.mktemp("interval_chain")
    export = forms.write_form(synthetic_year, "intervals", root / "raw")
    out, processed = root / "outputs", root / "processed"
    for nb in sorted(NOTEBOOKS.glob("0[1-7]_*.ipynb")):
        params = {"processed_dir": str(processed), "outputs_dir": str(out), **SHORT.get(nb.stem, {})}
        if nb.stem.startswith("01"):
            params["raw_path"] = str(export)
        pm.execute_notebook(
            str(nb),
            str(root / nb.name),
            parameters=params,
            kernel_name="python3",
            cwd=str(NOTEBOOKS),
            progress_bar=False,
            log_output=False,
        )
    return root


def test_every_notebook_runs_on_interval_statistics(interval_run):
    text = _outputs(interval_run / "01_clean_call_log.ipynb")
    assert ": 1 file(s), interval statistics" in text and "identity: rows_read 322333" in text
    assert "not possible from interval statistics" in text
    assert "Kaplan–Meier needs each call's waiting time" in _outputs(interval_run / "05_abandonment.ipynb")
    assert (interval_run / "processed" / "intervals_clean.parquet").exists()
    assert not (interval_run / "processed" / "calls_clean.parquet").exists()
    report = pd.read_csv(interval_run / "outputs" / "tables" / "cleaning_report.csv").set_index("item")
    assert report.loc["calls_offered", "count"] == 1_765_909 and pd.isna(report.loc["outlier", "count"])


def test_table1_from_intervals_is_within_4_percent_of_the_call_level_run(interval_run):
    got = pd.read_csv(interval_run / "outputs" / "tables" / "table1.csv").set_index("row")
    want = pd.read_csv(PROJ_ROOT / "tests" / "golden" / "table1.csv").set_index("row")
    rel = ((got - want).abs() / want.abs()).to_numpy(dtype=float)
    assert np.nanmax(rel) <= 0.04
