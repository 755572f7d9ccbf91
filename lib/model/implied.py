"""What today's staffing delivers: the agents that reproduce the observed service under Erlang A.

The report's Erlang C model needs 151 person-years (S_base) for what 90 actual person-years
deliver, and bridges the gap by scaling every result by 90 / S_base. Erlang A (callers hang
up after an exponential patience) can say instead how many agents today's answered share
implies. For every board-hour of the data year this module finds the fewest agents whose
Erlang A answered share, ``1 - abandon_probability``, reaches the share of calls observed
answered in that hour's cell, and sums them (agent-hours per year).

Agents are whole in a plan, but today's staffing is not a whole number of agents on one
board in every hour (people move between tasks, the operations centre takes calls beside
its other work), and whole agents would overshoot every quiet hour. So the implied
staffing of an hour is fractional: between the whole numbers n - 1 and n around the
target, the answered share is taken as linear in the agents, and the hour gets the
fraction that meets the target exactly (0.4 agents: a board staffed 40 % of the hour).
The model's answered share then equals the observed one hour by hour.

The observed share of a single district-hour rests on a handful of calls, so each
board-hour takes the share of its **cell**: district × day type × local hour of day over
the year (11 × 3 × 24 cells), smoothed as ``(answered + 0.5) / (offered + 1)`` so a cell
where every call was answered asks for a finite number of agents. The hour's traffic is
the arrival model's expected rate and handling time (interface 3), the same traffic the
staffing model uses. As a check the model's mean wait of answered calls at those agents is
set beside the observed mean wait, per district.

Units: calls per hour, seconds, agents, agent-hours per year, person-years.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from lib.core import output_tables
from lib.core.assumptions import Assumptions
from lib.core.districts import TOTAL
from lib.core.oslo_calendar import DAY_TYPES, SEASONS, hour_grid, hour_index
from lib.model.concepts import BoardHours, board_hours
from lib.queues.erlang import offered_load
from lib.queues.models import queue_model

#: Columns of :attr:`ImpliedStaffing.by_district` (and implied_staffing.csv).
COLUMNS = [
    "district",
    "offered_calls",
    "answered_share_observed",
    "answered_share_model",
    "mean_wait_observed_s",
    "mean_wait_model_s",
    "agent_hours",
    "person_years",
]


def observed_cells(calls: pd.DataFrame, districts: tuple[str, ...], year: int) -> pd.DataFrame:
    """Offered and answered calls and the mean wait of answered calls per district, day type
    and local hour of day. ``calls``: the cleaned log's calls of ``districts`` (columns
    district, arrived_at, answered, wait_s), or an interval table's rows of them (sums per
    interval; the answered calls' waiting time is NaN where the export did not give it)."""
    grid = hour_grid(year)
    if "offered" in calls.columns:
        return _interval_cells(calls, districts, year, grid)
    h = hour_index(calls["arrived_at"], year)
    d = pd.Categorical(calls["district"], categories=list(districts)).codes.astype(np.int64)
    if (d < 0).any():
        raise ValueError("observed_cells: calls of a district outside `districts`")
    day = pd.Categorical(grid["day_type"].to_numpy()[h], categories=list(DAY_TYPES)).codes.astype(np.int64)
    cell = (d * len(DAY_TYPES) + day) * 24 + grid["hour"].to_numpy()[h]
    size = len(districts) * len(DAY_TYPES) * 24
    answered = calls["answered"].to_numpy(dtype=bool)
    wait = calls["wait_s"].to_numpy(dtype=float)
    offered = np.bincount(cell, minlength=size)
    n_ans = np.bincount(cell[answered], minlength=size)
    wait_ans = np.bincount(cell[answered], weights=wait[answered], minlength=size)
    idx = pd.MultiIndex.from_product(
        [list(districts), list(DAY_TYPES), range(24)], names=["district", "day_type", "hour"]
    )
    return pd.DataFrame({"offered": offered, "answered": n_ans, "wait_answered_s": wait_ans}, index=idx).reset_index()


def _interval_cells(intervals: pd.DataFrame, districts: tuple[str, ...], year: int, grid: pd.DataFrame) -> pd.DataFrame:
    h = hour_index(intervals["interval_start"], year)
    d = pd.Categorical(intervals["district"], categories=list(districts)).codes.astype(np.int64)
    if (d < 0).any():
        raise ValueError("observed_cells: intervals of a district outside `districts`")
    day = pd.Categorical(grid["day_type"].to_numpy()[h], categories=list(DAY_TYPES)).codes.astype(np.int64)
    cell = (d * len(DAY_TYPES) + day) * 24 + grid["hour"].to_numpy()[h]
    size = len(districts) * len(DAY_TYPES) * 24

    def total(column: str) -> np.ndarray:
        return np.bincount(cell, weights=intervals[column].to_numpy(dtype=float), minlength=size)

    idx = pd.MultiIndex.from_product(
        [list(districts), list(DAY_TYPES), range(24)], names=["district", "day_type", "hour"]
    )
    frame = {
        "offered": np.rint(total("offered")).astype(np.int64),
        "answered": np.rint(total("answered")).astype(np.int64),
        "wait_answered_s": total("wait_answered_s"),  # NaN throughout when the export lacks it
    }
    return pd.DataFrame(frame, index=idx).reset_index()


def implied_agents(
    calls_per_hour: np.ndarray, aht_s: np.ndarray, answered_share: np.ndarray, a: Assumptions
) -> np.ndarray:
    """Agents per hour whose answered share under ``a``'s queue model (one where callers hang
    up: Erlang A with ``a.patience_s``) equals ``answered_share`` (float, same shape; 0 in hours
    without traffic): the whole number n that first reaches it, found by a vectorised
    bisection (the answered share rises with every agent added), less the fraction of the
    last agent not needed when the share is taken as linear between n - 1 and n (see the
    module docstring). Through the queue-model seam (:mod:`lib.queues.models`)."""
    model = _abandoning(a)
    load = offered_load(calls_per_hour, aht_s)
    busy = load > 0
    out = np.zeros(load.shape)
    c, h, target = calls_per_hour[busy], aht_s[busy], np.clip(answered_share[busy], 0.0, 1.0 - 1e-9)

    def answered(n: np.ndarray) -> np.ndarray:
        return model.answered_share(n, c, h, a)

    def meets(n: np.ndarray) -> np.ndarray:
        return answered(n) >= target

    lo = np.zeros(c.shape, dtype=np.int64)  # fails (0 agents answer nobody)
    hi = np.maximum(np.ceil(load[busy]).astype(np.int64), 1)
    while not (ok := meets(hi)).all():  # double the upper bound where it still fails
        hi = np.where(ok, hi, 2 * hi)
    while (gap := hi - lo > 1).any():
        mid = np.where(gap, (lo + hi) // 2, hi)
        ok = meets(mid)
        hi = np.where(gap & ok, mid, hi)
        lo = np.where(gap & ~ok, mid, lo)
    s_hi, s_lo = answered(hi), answered(hi - 1)
    out[busy] = hi - 1 + np.clip((target - s_lo) / np.where(s_hi > s_lo, s_hi - s_lo, 1.0), 0.0, 1.0)
    return out


def _abandoning(a: Assumptions):
    """``a``'s queue model, refused unless callers hang up in it (an answered share below 1)."""
    if a.queue_model != "erlang_a":
        raise ValueError(
            f"implied staffing inverts the answered share, which needs a queue model where callers hang up "
            f"(queue_model='erlang_a' with patience_s), not {a.queue_model!r}"
        )
    return queue_model(a)


def read_agent_hours(outputs_dir: str | Path) -> float:
    """Today's implied staffing (agent-hours per year, all modelled districts) as notebook 05
    estimated it: the total row of the run's ``implied_staffing`` table (the assumption
    ``implied_agent_hours`` of the absolute scaling reading)."""
    t = output_tables.read("implied_staffing", outputs_dir)
    total = t.loc[t["district"] == TOTAL, "agent_hours"]
    if len(total) != 1:
        raise ValueError(f"the implied_staffing table has {len(total)} total rows ('{TOTAL}'), expected 1")
    return float(total.iloc[0])


@dataclass(frozen=True)
class ImpliedStaffing:
    """Today's implied staffing: ``by_district`` (columns :data:`COLUMNS`, a total row last),
    ``agents`` (boards, hours; fractional) and ``agent_hours`` (the year's total)."""

    by_district: pd.DataFrame
    agents: np.ndarray
    agent_hours: float


def implied_staffing(rates: pd.DataFrame | BoardHours, calls: pd.DataFrame, a: Assumptions) -> ImpliedStaffing:
    """Agents per board-hour that reproduce the observed answered share under ``a``'s queue
    model (Erlang A with the callers' mean patience ``a.patience_s``, from
    :func:`lib.traffic.patience.model_patience_s`), in the data year ``a.data_year``;
    person-years at ``a.hours_per_person_year``.

    ``rates``: the arrival rates (interface 3, with day_type and hour); ``calls``: the
    cleaned log's in-scope calls (district, arrived_at, answered, wait_s), or the in-scope
    rows of a cleaned interval table.
    """
    model = _abandoning(a)
    year, hours_per_person_year = a.data_year, a.hours_per_person_year
    bh = board_hours(rates)
    if not {"day_type", "hour"} <= set(bh.hours.columns):
        raise ValueError("rates: need the columns day_type and hour (interface 3)")
    cells = observed_cells(calls, bh.boards, year)
    share = ((cells["answered"] + 0.5) / (cells["offered"] + 1)).to_numpy().reshape(len(bh.boards), len(DAY_TYPES), 24)
    day = pd.Categorical(bh.hours["day_type"], categories=list(DAY_TYPES)).codes
    hour = bh.hours["hour"].to_numpy()
    target = share[:, day, hour]
    agents = implied_agents(bh.calls, bh.aht_s, target, a)

    load = offered_load(bh.calls, bh.aht_s)
    busy = load > 0
    answered_model = np.ones(load.shape)
    wait_model = np.zeros(load.shape)
    # The fractional agents' service: the share and the wait interpolated between n - 1 and n.
    n = agents[busy]
    lo, frac = np.floor(n), n - np.floor(n)
    hi = np.where(frac > 0, lo + 1, lo)
    args = (bh.calls[busy], bh.aht_s[busy], a)
    ans_lo, ans_hi = (model.answered_share(k, *args) for k in (lo, hi))
    answered_model[busy] = ans_lo + frac * (ans_hi - ans_lo)
    w_lo = np.where(lo > 0, model.mean_wait_s(np.maximum(lo, 1), *args), 0.0)
    w_hi = model.mean_wait_s(np.maximum(hi, 1), *args)
    wait_model[busy] = np.where(lo > 0, w_lo + frac * (w_hi - w_lo), w_hi)
    # min_count: an interval export without the answered calls' wait gives NaN, not 0 s
    by_cell = cells.groupby("district", sort=False)[["offered", "answered", "wait_answered_s"]].sum(min_count=1)
    answered_calls = bh.calls * answered_model
    rows = []
    for i, board in enumerate(bh.boards):
        o = by_cell.loc[board]
        rows.append(
            {
                "district": board,
                "offered_calls": int(o["offered"]),
                "answered_share_observed": o["answered"] / o["offered"] if o["offered"] else np.nan,
                "answered_share_model": answered_calls[i].sum() / bh.calls[i].sum(),
                "mean_wait_observed_s": o["wait_answered_s"] / o["answered"] if o["answered"] else np.nan,
                "mean_wait_model_s": (answered_calls[i] * wait_model[i]).sum() / answered_calls[i].sum(),
                "agent_hours": float(agents[i].sum()),
            }
        )
    tot = by_cell.sum(min_count=1)
    rows.append(
        {
            "district": TOTAL,
            "offered_calls": int(tot["offered"]),
            "answered_share_observed": tot["answered"] / tot["offered"],
            "answered_share_model": answered_calls.sum() / bh.calls.sum(),
            "mean_wait_observed_s": tot["wait_answered_s"] / tot["answered"],
            "mean_wait_model_s": (answered_calls * wait_model).sum() / answered_calls.sum(),
            "agent_hours": float(agents.sum()),
        }
    )
    table = pd.DataFrame(rows)
    table["person_years"] = table["agent_hours"] / hours_per_person_year
    return ImpliedStaffing(by_district=table[COLUMNS], agents=agents, agent_hours=float(agents.sum()))


# --- The simulation fit: the plan that, replayed on the log's own calls, gives back its waits ----

#: Cells of the simulation fit: day type × local hour × season (per district).
N_FIT_CELLS = len(DAY_TYPES) * 24 * len(SEASONS)
#: Bisection steps of the simulation fit (each one replay of the year).
FIT_STEPS = 16


def fit_cell_codes(grid: pd.DataFrame) -> np.ndarray:
    """Code of each hour of ``grid`` (:func:`lib.core.oslo_calendar.hour_grid`) in day type ×
    local hour × season: (day type · 24 + hour) · 4 + season (:data:`SEASONS` order)."""
    day = pd.Categorical(grid["day_type"], categories=list(DAY_TYPES)).codes.astype(np.int64)
    season = _SEASON_OF_MONTH[grid["month"].to_numpy()]
    return (day * 24 + grid["hour"].to_numpy()) * len(SEASONS) + season


_SEASON_OF_MONTH = np.zeros(13, dtype=np.int64)
for _k, _months in enumerate(SEASONS.values()):
    _SEASON_OF_MONTH[list(_months)] = _k


def whole_plan(x: np.ndarray, code: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Whole agents per board-hour from fractional agents per board × cell ``x``: floor(x) in
    every hour of the cell and one more where ``u`` (a uniform per board-hour) < frac(x)."""
    xh = x[:, code]
    return (np.floor(xh) + (u < xh - np.floor(xh))).astype(np.int64)


@dataclass(frozen=True)
class _Replay:
    """The log's in-scope calls as the simulator takes them, per board (arrival order)."""

    arrivals: list[np.ndarray]
    handling: list[np.ndarray]
    patience: list[np.ndarray]
    hour: list[np.ndarray]
    wait_observed: np.ndarray  # (boards, cells): summed waits of all calls
    offered: np.ndarray  # (boards, cells)


def _replay(calls: pd.DataFrame, boards: tuple[str, ...], code: np.ndarray, a: Assumptions, patience_s, seed: int):
    year = a.data_year
    h = hour_index(calls["arrived_at"], year)
    t0 = hour_grid(year)["hour_start"].iloc[0]
    since = (calls["arrived_at"].dt.tz_convert("UTC") - t0.tz_convert("UTC")).dt.total_seconds().to_numpy()
    d = pd.Categorical(calls["district"], categories=list(boards)).codes.astype(np.int64)
    if (d < 0).any():
        raise ValueError("implied staffing: calls of a district outside the rates' boards")
    answered = calls["answered"].to_numpy(dtype=bool)
    wait = calls["wait_s"].to_numpy(dtype=float)
    talk = calls["talk_s"].to_numpy(dtype=float)
    queue = calls["queue"].to_numpy(dtype=object) if "queue" in calls else np.full(len(calls), None)
    means = {q: float(patience_s.get(q, patience_s.get(None, np.inf))) for q in pd.unique(queue)}
    mean = pd.Series(queue).map(means).to_numpy(dtype=float)
    rng = np.random.default_rng(seed)
    # answered: patience beyond the wait (memoryless, the fitted mean); abandoned: the wait itself
    patience = np.where(answered, wait + rng.standard_exponential(len(calls)) * mean, wait)
    handling = talk + a.after_call_work_s
    # callers who hung up never showed their handling time: a draw from their board's answered calls
    for b in range(len(boards)):
        mine = np.flatnonzero((d == b) & ~answered)
        pool = handling[(d == b) & answered]
        if mine.size:
            handling[mine] = pool[rng.integers(0, pool.size, mine.size)] if pool.size else a.after_call_work_s
    order = np.lexsort((since, d))
    bounds = np.searchsorted(d[order], np.arange(len(boards) + 1))
    parts = [order[bounds[b] : bounds[b + 1]] for b in range(len(boards))]
    cell = d * N_FIT_CELLS + code[h]
    size = len(boards) * N_FIT_CELLS
    return _Replay(
        arrivals=[since[p] for p in parts],
        handling=[handling[p] for p in parts],
        patience=[patience[p] for p in parts],
        hour=[h[p] for p in parts],
        wait_observed=np.bincount(cell, weights=wait, minlength=size).reshape(len(boards), N_FIT_CELLS),
        offered=np.bincount(cell, minlength=size).reshape(len(boards), N_FIT_CELLS),
    )


def implied_by_simulation(
    rates: pd.DataFrame | BoardHours,
    calls: pd.DataFrame,
    a: Assumptions,
    patience_s: dict,
    *,
    seed: int = 0,
    steps: int = FIT_STEPS,
) -> ImpliedStaffing:
    """Today's implied staffing by a simulation fit: the plan that, replayed on the compiled
    simulator with the log's own calls, gives back the log's waits cell by cell.

    The plan has one level of (fractional) agents per board and cell, district × day type ×
    local hour × season (:func:`fit_cell_codes`), staffed as whole agents hour by hour
    (:func:`whole_plan`: one agent more in a share frac(x) of the cell's hours, chosen at random
    with ``seed``). The replay takes each in-scope call of ``calls`` (the cleaned log: district,
    queue, arrived_at, wait_s, talk_s, answered) as it was: its arrival, its handling time
    (talk + ``a.after_call_work_s``; a caller who hung up gets the handling time of a random
    answered call of their board), its patience (an abandoned caller's wait; an answered
    caller's wait plus an exponential draw with their queue's mean, ``patience_s`` by queue
    name, None for every queue: exponential patience is memoryless). At the true plan the
    replay gives every call its logged outcome and wait. Each cell's level is found by
    bisection, all cells at once (``steps`` replays of the year): the smallest level at which
    the summed waits of the cell's callers, answered or not, are no longer than the log's (the
    waits fall with every agent added, also where almost everyone is answered, unlike the
    answered share). ``agents`` holds the fitted levels hour by hour (fractional);
    ``by_district`` the replay's answered share and mean wait at the whole-agent plan.
    """
    from lib.queues.simulator import simulate  # the compiled kernel, loaded only here

    bh = board_hours(rates)
    grid = hour_grid(a.data_year)
    if len(grid) != bh.calls.shape[1]:
        raise ValueError("implied_by_simulation: the rates must cover every hour of the data year")
    code = fit_cell_codes(grid)
    rp = _replay(calls, bh.boards, code, a, patience_s, seed)
    n_b, n_h = bh.calls.shape
    u = np.random.default_rng([seed, 1]).random((n_b, n_h))
    load = offered_load(bh.calls, bh.aht_s)
    peak = np.zeros((n_b, N_FIT_CELLS))
    np.maximum.at(peak, (np.arange(n_b)[:, None], code[None, :]), load)
    lo = np.zeros((n_b, N_FIT_CELLS))
    hi = np.where(rp.offered > 0, 2.0 * peak + 3.0, 0.0)

    def replay(x: np.ndarray):
        return simulate(
            whole_plan(x, code, u),
            0.0,
            arrival_times_s=rp.arrivals,
            handling_times_s=rp.handling,
            patience_times_s=rp.patience,
            target_s=a.service_time_today_s,
            seed=seed,
        )

    def cell_waits(r) -> np.ndarray:
        w = r.wait_answered_s[0] + r.wait_abandoned_s[0] + r.wait_unresolved_s[0]  # (boards, hours)
        return np.stack([np.bincount(code, weights=w[b], minlength=N_FIT_CELLS) for b in range(n_b)])

    for _ in range(steps):
        mid = (lo + hi) / 2
        too_slow = cell_waits(replay(mid)) > rp.wait_observed
        lo = np.where(too_slow, mid, lo)
        hi = np.where(too_slow, hi, mid)
    x = hi
    r = replay(x)
    agents = x[:, code]
    answered = r.answered[0]
    wait_ans = r.wait_answered_s[0]
    offered = r.offered[0]
    obs = calls.assign(_d=pd.Categorical(calls["district"], categories=list(bh.boards)))
    by = obs.groupby("_d", observed=False).agg(offered=("answered", "size"), answered=("answered", "sum"))
    wait_obs = obs[obs["answered"]].groupby("_d", observed=False)["wait_s"].sum()
    rows = []
    for i, board in enumerate(bh.boards):
        rows.append(
            {
                "district": board,
                "offered_calls": int(by["offered"].iloc[i]),
                "answered_share_observed": by["answered"].iloc[i] / by["offered"].iloc[i],
                "answered_share_model": answered[i].sum() / offered[i].sum(),
                "mean_wait_observed_s": wait_obs.iloc[i] / by["answered"].iloc[i],
                "mean_wait_model_s": wait_ans[i].sum() / answered[i].sum(),
                "agent_hours": float(agents[i].sum()),
            }
        )
    rows.append(
        {
            "district": TOTAL,
            "offered_calls": int(by["offered"].sum()),
            "answered_share_observed": by["answered"].sum() / by["offered"].sum(),
            "answered_share_model": answered.sum() / offered.sum(),
            "mean_wait_observed_s": wait_obs.sum() / by["answered"].sum(),
            "mean_wait_model_s": wait_ans.sum() / answered.sum(),
            "agent_hours": float(agents.sum()),
        }
    )
    table = pd.DataFrame(rows)
    table["person_years"] = table["agent_hours"] / a.hours_per_person_year
    return ImpliedStaffing(by_district=table[COLUMNS], agents=agents, agent_hours=float(agents.sum()))


def todays_hours(agents: np.ndarray, calls: pd.DataFrame, boards: tuple[str, ...], a: Assumptions) -> pd.DataFrame:
    """Today's staffing in hours, like for like (issue 23): the implied agent-hours split between
    the switchboards and the operations centres by each board-hour's share of the log's calls,
    beside the report's hours of each part (A.1.1). The switchboards' 55 person-years are
    staffed time (× ``hours_per_person_year``), less Trøndelag's part by calls (its switchboard
    calls are not in the log); the operations centres' 37.6 person-years are workload (answered
    calls × 5 minutes / ``ops_hours_per_person_year``), so they are set beside the implied
    busy hours (answered calls × their talk + after-call work) as well as the staffed hours.

    ``agents``: implied agents (boards, hours of ``a.data_year``); ``calls``: the in-scope
    cleaned calls (district, queue, arrived_at, talk_s, answered). Columns: part, implied
    staffed hours, implied busy hours, report hours, report basis."""
    from lib.core.districts import OPS, SWITCHBOARD

    h = hour_index(calls["arrived_at"], a.data_year)
    d = pd.Categorical(calls["district"], categories=list(boards)).codes.astype(np.int64)
    sb = (calls["queue"] == SWITCHBOARD).to_numpy()
    size = len(boards) * agents.shape[1]
    n_all = np.bincount(d * agents.shape[1] + h, minlength=size).reshape(agents.shape)
    n_sb = np.bincount(d[sb] * agents.shape[1] + h[sb], minlength=size).reshape(agents.shape)
    share = np.divide(n_sb, n_all, out=np.zeros(agents.shape), where=n_all > 0)
    staffed_sb = float((agents * share).sum())
    answered = calls["answered"].to_numpy(dtype=bool)
    busy = (calls["talk_s"].to_numpy(dtype=float) + a.after_call_work_s) * answered / 3600.0
    logged_sb = float(sb.sum())
    sb_hours = a.switchboard_person_years * a.hours_per_person_year
    sb_logged = sb_hours * logged_sb / (logged_sb + a.trondelag_switchboard_calls_2023)
    return pd.DataFrame(
        {
            "part": [SWITCHBOARD, OPS],
            "implied_staffed_hours": [staffed_sb, float(agents.sum()) - staffed_sb],
            "implied_busy_hours": [float(busy[sb].sum()), float(busy[~sb].sum())],
            "report_hours": [sb_logged, a.ops_person_years * a.ops_hours_per_person_year],
            "report_basis": [
                f"staffed: {a.switchboard_person_years:g} person-years × {a.hours_per_person_year} h, "
                "less Trøndelag's switchboard by calls",
                f"workload: {a.ops_person_years:g} person-years × {a.ops_hours_per_person_year:g} h "
                f"(answered calls × {a.police_minutes_per_answered_call:g} min)",
            ],
        }
    )
