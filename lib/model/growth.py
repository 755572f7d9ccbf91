"""What one growth factor for every board leaves out: the staffing effects of a year under the
option ``population_growth="on"`` (every board's arrivals x the modelled districts' growth)
against each district's own growth (its arrivals x its own population's growth, SSB table 14288).

The option scales all boards alike because the staffing engine moves a concept's traffic by one
factor per year (:mod:`lib.model.engine`); the districts grow unequally (Øst +10.7 %, Nordland
+1.6 % from 2023 to 2033), and a board's staffing is not proportional to its traffic, so the two
differ a little. :func:`district_growth_check` measures by how much, exactly, for one year.

Units: agent-hours per year.
"""

from __future__ import annotations

import pandas as pd

from lib.core.assumptions import Assumptions
from lib.model.concepts import BoardHours, board_hours, effects_for
from lib.model.staffing import run_all
from lib.traffic import population

#: Columns of :func:`district_growth_check`.
CHECK_COLUMNS = ["effect", "flat", "uniform", "by_district", "difference", "relative_difference"]


def district_growth_check(rates: pd.DataFrame | BoardHours, a: Assumptions, year: int) -> pd.DataFrame:
    """Agent-hours saved by each staffing effect in ``year``: with the data year's volume
    (``flat``), under ``population_growth="on"`` (``uniform``: one factor on every board), and with
    each district's arrivals scaled by its own growth (``by_district``, at ``a``'s
    ``population_growth_scale``); ``difference`` = uniform - by_district, ``relative_difference``
    its share of by_district. Columns :data:`CHECK_COLUMNS`."""
    bh = board_hours(rates)
    on = a.replace(population_growth="on")
    off = a.replace(population_growth="off")
    own = population.growth(int(a.data_year), [int(year)])[int(year)]
    factor = 1.0 + float(on.population_growth_scale) * (own.loc[list(bh.boards)].to_numpy() - 1.0)
    scaled = BoardHours(bh.boards, bh.hours, bh.calls * factor[:, None], bh.aht_s)

    def saved(r: BoardHours, b: Assumptions) -> dict[str, float]:
        s = run_all(r, b, years=[year]).by_year.set_index("concept")["agent_hours"]
        return {name: float(s[e.before] - s[e.after]) for name, e in effects_for(b.iib_split).items()}

    flat, uniform, by_district = saved(bh, off), saved(bh, on), saved(scaled, off)
    out = pd.DataFrame({"flat": flat, "uniform": uniform, "by_district": by_district})
    out["difference"] = out["uniform"] - out["by_district"]
    out["relative_difference"] = out["difference"] / out["by_district"]
    return out.rename_axis("effect").reset_index()[CHECK_COLUMNS]
