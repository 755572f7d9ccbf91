"""Small hand-made input tables shared by the tests (imported as ``from frames import ...``)."""

from __future__ import annotations

import pandas as pd


def rates_frame(calls, aht, districts=("Oslo", "Agder"), start="2023-01-02 08:00"):
    """A hand-made interface-3 table: calls[b][h] calls per hour, aht[b][h] seconds."""
    hours = pd.date_range(start, periods=len(calls[0]), freq="h", tz="Europe/Oslo")
    rows = [
        {
            "district": d,
            "hour_start": t,
            "hour": t.hour,
            "day_type": "weekday",
            "rate_per_hour": float(calls[i][j]),
            "aht_s": float(aht[i][j]),
        }
        for i, d in enumerate(districts)
        for j, t in enumerate(hours)
    ]
    return pd.DataFrame(rows)


def notebook(path, params_src: str, body: str):
    """A two-cell notebook at ``path``: a tagged ``parameters`` cell and a body cell."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    p = nbformat.v4.new_code_cell(params_src)
    p.metadata["tags"] = ["parameters"]
    nb.cells = [p, nbformat.v4.new_code_cell(body)]
    nbformat.write(nb, path)
    return path


#: The report's year, outlier threshold (seconds) and excluded districts, as plain values
#: for lib.calllog.clean_call_log.
CLEANING_SETTINGS = {"year": 2023, "outlier_threshold_s": 1800.0, "excluded_districts": ("Trøndelag",)}


def call_row(
    call_id="C1",
    district="Oslo",
    queue="sentralbord",
    arrived_at="2023-02-01 10:00:00",
    wait_s="10",
    talk_s="120",
    answered="true",
):
    """One call of the contract as text fields, in the contract's column order."""
    return [call_id, district, queue, arrived_at, wait_s, talk_s, answered]
