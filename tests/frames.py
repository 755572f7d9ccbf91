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
