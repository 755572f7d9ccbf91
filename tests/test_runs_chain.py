"""The real notebooks on small logs, as a new user's export would run: warnings and failures."""

from __future__ import annotations

import pandas as pd
import pytest

from lib.chain import notebooks, pipeline, runs
from lib.core.paths import DATA_RAW, NOTEBOOKS

RAW = DATA_RAW / "calls_2023.parquet"
#: Real notebooks on logs of their own: the chain's kind (not grouped with nbval: they need no run of it).
pytestmark = pytest.mark.chain


@pytest.fixture(scope="module")
def small_log(tmp_path_factory):
    """About 4 000 rows of the synthetic year, written as a plain export (no synthetic marker)."""
    if not RAW.exists():
        pytest.fail(f"{RAW.name} is missing: `make test` generates it")
    path = tmp_path_factory.mktemp("export") / "export.parquet"
    pd.read_parquet(RAW).iloc[::440].to_parquet(path, index=False)
    return path


def test_a_small_log_runs_to_the_end_but_every_result_says_it_is_implausible(tmp_path, small_log):
    out = tmp_path / "out"
    # notebooks 00-04 are the machinery this test is about (warnings on every result, HTML banner)
    pipeline.run(
        {"raw_path": str(small_log), "run_sensitivity": False},
        out,
        tmp_path / "proc",
        nbs=notebooks.notebooks()[:5],
        html=True,
    )
    info = pd.read_csv(out / "run_info.csv").set_index("item")["value"]
    assert info["rows_read"] == "4014" and info["synthetic_log"] == "no"
    assert info["plausibility"].endswith("FAILED") and "volume_plausible" in info["warning 1"]
    nb04 = (out / "notebooks" / "04_report_tables.ipynb").read_text()
    assert "ADVARSEL" in nb04 and "USIKKERT GRUNNLAG" in nb04
    assert "ADVARSEL" in (out / "html" / "04_report_tables.html").read_text()


def test_a_log_with_every_row_quarantined_stops_notebook_01_naming_the_cause(tmp_path, small_log):
    late = tmp_path / "all_2024.parquet"
    df = pd.read_parquet(small_log)
    df["arrived_at"] = df["arrived_at"] + pd.DateOffset(years=1)
    df.to_parquet(late, index=False)
    nbs = [NOTEBOOKS / "01_clean_call_log.ipynb", NOTEBOOKS / "02_arrival_rates.ipynb"]
    with pytest.raises(pipeline.PipelineError) as err:
        pipeline.run(
            {"raw_path": str(late), "on_invalid": "quarantine"},
            tmp_path / "out",
            tmp_path / "proc",
            nbs=nbs,
            html=False,
        )
    msg = str(err.value)
    assert "01_clean_call_log.ipynb" in msg and "NoRowsLeftError" in msg and "quarantined" in msg
    assert "outside 2023" in msg and "02_arrival_rates" not in msg.split("\n")[0]
    assert (tmp_path / "proc" / runs.FAILED / "rejected_rows.parquet").exists()
    assert runs.STAGING not in msg and f"{runs.FAILED}/rejected_rows.parquet" in msg  # where the rows are now
    assert not (tmp_path / "proc" / "calls_clean.parquet").exists()
