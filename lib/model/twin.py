"""The queue-consistent twin: a synthetic 2023 call log made the way a contact centre makes it,
with its hidden truth written beside it (issue 23).

``python -m lib.model.twin --out data/raw/calls_2023.parquet [--seed N]`` writes a log in the
contract of ``docs/call_log_contract.md`` (the log ``make report`` and ``make test`` generate)
and, beside it, ``calls_2023.truth.json``: the hidden staffing plan, the callers' patience
and the after-call work, marked like the log (:func:`lib.calllog.synthetic.write_truth`) so
that ``make clean`` removes it. **The analysis never reads the truth**: only the recovery
check (:func:`recovery`, notebook 05's last section and the tests) sets it beside what the
chain estimates.

Unlike :mod:`lib.calllog.synthetic` (which draws who is answered from a logit, independent of
the wait), here a caller's wait and whether they are answered follow from a queue:

1. **Arrivals** as :mod:`lib.calllog.synthetic` makes them (volume by district from
   population; intraday, weekday, monthly and holiday patterns; routing to switchboard or
   operations centre by Tabell A.1's opening hours; exact counts per queue; Trøndelag's
   switchboard calls are not in the log).
2. **Talk times** as there (lognormal, mean 147.5 s); an agent is busy for talk +
   ``after_call_work_s`` (30 s, appendix B).
3. **Patience**, hidden, per queue: exponential with mean ``patience_mean_s`` (default), or
   Weibull with shape ``patience_shape`` and the same mean (the documented variant).
4. **The hidden plan**: whole agents per district board and hour, set the way a planner
   would. The planner's forecast is the expected calls per hour by district × day type ×
   local hour × season (:data:`lib.core.oslo_calendar.SEASONS`), each queue's share of them,
   the true mean handling time and the queues' patience. Its quality of service is a target
   answered share by queue and period (:data:`lib.calllog.synthetic.PERIODS`), the share that
   hangs up scaled per district (``district_abandonment_factor``). For each cell it finds the
   fractional agents whose Erlang A answered share meets the target (linear between whole
   agents), and staffs the cell's hours with whole agents: floor(x) in every hour and one more
   in a share frac(x) of them (chosen at random, seeded): an operations centre that has a
   fraction of an operator's hour for 02800 at night answers 02800 in some nights' hours and
   not in others.
5. **The replay**: one FCFS board per district (the switchboard by day, the operations centre
   at other times: a district's calls go to one of them at a time), the compiled simulator
   (:func:`lib.queues.simulator.simulate`) with every caller's own arrival, handling time and
   patience. Each caller's wait, and whether they are answered, follow from the queue.
6. **Defects** as :mod:`lib.calllog.synthetic` plants them (exact duplicates, 0-second calls,
   calls over 30 minutes of talk or access time, id conflicts), as extra rows outside the
   queue: the cleaning removes them, and the cleaned log is exactly the replayed calls.

Calibrated (by hand, the targets and patience in :class:`TwinParams`) only to appendix A's
facts, :func:`lib.calllog.synthetic.calibration_table`; the switchboard's hidden agent-hours
are set beside today's 55 switchboard person-years at 1 400 h (A.1.1): the 55 include
Trøndelag's switchboard, whose calls are not in the log, so the log's switchboards are
compared with 55 × 1 400 × (logged switchboard calls / (those + Trøndelag's ≈ 90 000 of fn 21)).

Units: seconds, calls per hour, agents, agent-hours.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from lib.calllog import synthetic as syn
from lib.core.assumptions import Assumptions
from lib.core.districts import DISTRICTS, OPS, SWITCHBOARD
from lib.core.oslo_calendar import DAY_TYPES, SEASONS, hour_grid, hour_starts
from lib.core.paths import display_path
from lib.queues import erlang_a
from lib.queues.simulator import ANSWERED, simulate

_REPORT = Assumptions()
GENERATOR = syn.TWIN_GENERATOR
#: Season code (index into SEASONS) of each calendar month 1..12 (index 0 unused).
_SEASON_OF_MONTH = np.zeros(13, dtype=np.int64)
for _k, _months in enumerate(SEASONS.values()):
    _SEASON_OF_MONTH[list(_months)] = _k
#: Independent streams of one twin (SeedSequence(seed).spawn): per queue 6, then plan, duplicates, conflicts.
_N_STREAMS = 15


@dataclass(frozen=True)
class TwinParams:
    """The twin's hidden truth and how it is set (every number documented; see the module docstring).

    The volume, talk times and defects are :class:`lib.calllog.synthetic.SyntheticParams`
    (``volume``). The targets are the planner's answered share by period
    (:data:`lib.calllog.synthetic.PERIODS`: weekday day 07-16, weekday evening 16-20, night,
    weekend/holiday morning 07-13, weekend/holiday day 13-21), tuned by hand so the replayed
    log meets appendix A's facts.
    """

    volume: syn.SyntheticParams = field(default_factory=syn.SyntheticParams)
    #: Planner's target answered share of switchboard calls by period.
    sb_answered_target: tuple[float, ...] = (0.907, 0.51, 0.66, 0.43, 0.43)
    #: Planner's target answered share of operations-centre calls by period.
    ops_answered_target: tuple[float, ...] = (0.95, 0.93, 0.642, 0.637, 0.745)
    #: Per district (order of DISTRICTS): the planner's share that hangs up, relative
    #: (0.25: a quarter of the others' hang-ups, much better service).
    district_abandonment_factor: tuple[float, ...] = (1.0,) * len(DISTRICTS)
    #: Contrast of the service between periods: the hang-up targets become
    #: m · (h / m)^contrast, m their call-weighted geometric mean; < 1 flatter, > 1 peakier.
    service_contrast: float = 1.0
    #: Hidden mean patience (s), switchboard and operations-centre callers.
    patience_mean_s: tuple[float, float] = (289.5, 551.0)
    #: Weibull shape of the patience (1: exponential, the default; the variant has another
    #: shape and the same mean).
    patience_shape: float = 1.0
    #: Agents are busy for talk + this (s; appendix B's 30 s).
    after_call_work_s: float = _REPORT.after_call_work_s

    def __post_init__(self) -> None:
        for name, n in (("sb_answered_target", 5), ("ops_answered_target", 5)):
            v = np.asarray(getattr(self, name), dtype=float)
            if v.shape != (n,) or not ((v > 0) & (v < 1)).all():
                raise ValueError(f"TwinParams.{name}: {n} shares in (0, 1)")
        f = np.asarray(self.district_abandonment_factor, dtype=float)
        if f.shape != (len(DISTRICTS),) or (f <= 0).any():
            raise ValueError(f"TwinParams.district_abandonment_factor: {len(DISTRICTS)} numbers > 0")
        if not (self.service_contrast >= 0 and min(self.patience_mean_s) > 0 and self.patience_shape > 0):
            raise ValueError("TwinParams: service_contrast >= 0, patience_mean_s > 0, patience_shape > 0")
        if len(self.patience_mean_s) != 2 or self.after_call_work_s < 0:
            raise ValueError("TwinParams: two patience means (switchboard, OPS); after_call_work_s >= 0")

    def truth(self) -> dict[str, Any]:
        """The parameters as JSON-able values."""
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Twin:
    """A generated twin: ``log`` (the contract's columns; ``kind`` when asked), ``plan``
    (agents, districts × hours of the data year), ``switchboard_share`` (share of each
    board-hour's expected calls that go to the switchboard), ``params`` and ``seed``."""

    log: pd.DataFrame
    plan: np.ndarray
    switchboard_share: np.ndarray
    params: TwinParams
    seed: int

    def truth(self) -> dict[str, Any]:
        """The hidden truth written beside the log (:func:`write`)."""
        p = self.params
        hours = self.plan.sum(axis=1).astype(float)
        sb = (self.plan * self.switchboard_share).sum(axis=1)
        v = p.volume
        mu = syn._lognormal_mu(v.talk_mean_s, v.talk_sigma, syn.OUTLIER_LIMIT_S)
        return {
            "year": v.year,
            "hour0_utc": str(hour_starts(v.year)[0].tz_convert("UTC")),
            "districts": list(DISTRICTS),
            "patience_mean_s": {SWITCHBOARD: p.patience_mean_s[0], OPS: p.patience_mean_s[1]},
            "patience_shape": p.patience_shape,
            "after_call_work_s": p.after_call_work_s,
            "talk_mean_s": v.talk_mean_s,
            "talk_lognormal": {"mu": mu, "sigma": v.talk_sigma, "truncated_at_s": syn.OUTLIER_LIMIT_S},
            "handling_mean_s": v.talk_mean_s + p.after_call_work_s,
            "agent_hours": {
                "total": float(hours.sum()),
                "switchboard": float(sb.sum()),
                "ops": float(hours.sum() - sb.sum()),
                "by_district": dict(zip(DISTRICTS, hours.tolist(), strict=True)),
            },
            "params": p.truth(),
            "plan": self.plan.astype(int).tolist(),
        }


# --- The planner -------------------------------------------------------------------------------


def _fractional_agents(calls: np.ndarray, aht: np.ndarray, patience: np.ndarray, share: np.ndarray) -> np.ndarray:
    """Agents whose Erlang A answered share meets ``share`` (fractional: linear between the
    whole n - 1 and n around it); 0 where there are no calls. Vectorised bisection."""
    load = calls * aht / 3600.0
    out = np.zeros(calls.shape)
    busy = load > 0
    a, h, p, s = load[busy], aht[busy], patience[busy], share[busy]

    def answered(n: np.ndarray) -> np.ndarray:
        return 1.0 - np.asarray(erlang_a.abandon_probability(n, a, h, p), dtype=float)

    lo = np.zeros(a.shape, dtype=np.int64)
    hi = np.maximum(np.ceil(a).astype(np.int64), 1)
    while not (ok := answered(hi) >= s).all():
        hi = np.where(ok, hi, 2 * hi)
    while (gap := hi - lo > 1).any():
        mid = np.where(gap, (lo + hi) // 2, hi)
        ok = answered(mid) >= s
        hi = np.where(gap & ok, mid, hi)
        lo = np.where(gap & ~ok, mid, lo)
    s_hi, s_lo = answered(hi), answered(hi - 1)
    out[busy] = hi - 1 + np.clip((s - s_lo) / np.where(s_hi > s_lo, s_hi - s_lo, 1.0), 0.0, 1.0)
    return out


def cell_codes(grid: pd.DataFrame) -> np.ndarray:
    """Code of each hour of ``grid`` (:func:`lib.core.oslo_calendar.hour_grid`) in day type ×
    local hour × season: (day type · 24 + hour) · 4 + season."""
    day = pd.Categorical(grid["day_type"], categories=list(DAY_TYPES)).codes.astype(np.int64)
    season = _SEASON_OF_MONTH[grid["month"].to_numpy()]
    return (day * 24 + grid["hour"].to_numpy()) * len(SEASONS) + season


def expected_calls(p: TwinParams, n_sim: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Expected replayed calls per district × hour of the year, by queue (switchboard, OPS):
    the arrival intensity of :func:`lib.calllog.synthetic.cells` scaled to each queue's count."""
    c = syn.cells(p.volume)
    n_d = len(DISTRICTS)
    lam = c["intensity"].to_numpy()
    open_ = c["open"].to_numpy()
    logged_sb = open_ & (c["district"].to_numpy() != DISTRICTS.index(syn.TRONDELAG))
    out = []
    for q, mask in enumerate((logged_sb, ~open_)):
        w = np.where(mask, lam, 0.0)
        per_quarter = w / w.sum() * n_sim[q]
        out.append(per_quarter.reshape(n_d, -1, 4).sum(axis=2))
    return out[0], out[1]


def plan(p: TwinParams, n_sim: tuple[int, int], rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The hidden plan (whole agents, districts × hours) and each board-hour's switchboard
    share of the expected calls, set as the module docstring's step 4 says."""
    v = p.volume
    sb, ops = expected_calls(p, n_sim)
    grid = hour_grid(v.year)
    code = cell_codes(grid)
    n_cells = len(DAY_TYPES) * 24 * len(SEASONS)
    n_d, n_h = sb.shape
    hours_in = np.bincount(code, minlength=n_cells).astype(float)
    # the planner's forecast: mean calls per hour of each district × cell, and its switchboard share
    f_sb = np.stack([np.bincount(code, weights=sb[d], minlength=n_cells) for d in range(n_d)]) / hours_in
    f_ops = np.stack([np.bincount(code, weights=ops[d], minlength=n_cells) for d in range(n_d)]) / hours_in
    calls = f_sb + f_ops
    w_sb = np.divide(f_sb, calls, out=np.zeros_like(calls), where=calls > 0)
    # period of each cell, the queues' targets and the rate-mixed patience
    day_code = np.repeat(np.arange(len(DAY_TYPES)), 24 * len(SEASONS))
    hour = np.tile(np.repeat(np.arange(24), len(SEASONS)), len(DAY_TYPES))
    period = syn.period_code(hour, day_code, v.period_start_hours)
    hang_sb = 1.0 - np.asarray(p.sb_answered_target)[period]
    hang_ops = 1.0 - np.asarray(p.ops_answered_target)[period]
    hang = w_sb * hang_sb + (1 - w_sb) * hang_ops
    if p.service_contrast != 1.0:
        weights = calls * hours_in
        m = np.exp((weights * np.log(hang)).sum() / weights.sum())
        hang = m * (hang / m) ** p.service_contrast
    hang = hang * np.asarray(p.district_abandonment_factor)[:, None]
    target = np.clip(1.0 - hang, 0.01, 0.999)
    rate = w_sb / p.patience_mean_s[0] + (1 - w_sb) / p.patience_mean_s[1]
    aht = np.full(calls.shape, v.talk_mean_s + p.after_call_work_s)
    x = _fractional_agents(calls.ravel(), aht.ravel(), 1.0 / rate.ravel(), target.ravel()).reshape(calls.shape)
    # whole agents hour by hour: floor(x), and one more in a share frac(x) of the cell's hours
    x_h = x[:, code]
    extra = rng.random((n_d, n_h)) < (x_h - np.floor(x_h))
    agents = (np.floor(x_h) + extra).astype(np.int64)
    total = sb + ops
    share = np.divide(sb, total, out=np.zeros_like(total), where=total > 0)
    return agents, share


# --- The log -----------------------------------------------------------------------------------


def _patience(rng: np.random.Generator, mean: np.ndarray, shape: float) -> np.ndarray:
    """Patience draws (s): exponential with ``mean`` (shape 1) or Weibull with that shape and mean."""
    if shape == 1.0:
        return rng.standard_exponential(mean.shape) * mean
    return rng.weibull(shape, mean.shape) * mean / math.gamma(1.0 + 1.0 / shape)


def generate(
    seed: int = 2023, params: TwinParams | None = None, keep_kind: bool = False, progress: bool = False
) -> Twin:
    """The twin of the data year (see the module docstring): the log in the contract's columns
    (rows in arrival order, duplicates right after their original; ``kind`` says which rows
    are planted defects when ``keep_kind``), its hidden plan and parameters. Deterministic
    from ``seed``."""

    def step(k: int, what: str) -> None:
        if progress:
            print(f"  [{k}/5] {what}", file=sys.stderr, flush=True)

    p = params or TwinParams()
    v = p.volume
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(_N_STREAMS)]
    step(1, "arrivals of every district and quarter-hour, routing, planted defects")
    c = syn.cells(v)
    parts = []
    n_sim = []
    for q, n_q in ((0, v.switchboard_calls), (1, v.ops_calls)):
        r_alloc, r_time, r_kind, r_talk, r_pat, r_out = streams[6 * q : 6 * q + 6]
        counts = syn._defect_counts(n_q, v)
        n = n_q - counts["duplicate"]
        cell, start = syn._allocate(q, n, c, r_alloc, r_time)
        kind = syn._plant_kinds(n, counts, r_kind)
        mu = syn._lognormal_mu(v.talk_mean_s, v.talk_sigma, syn.OUTLIER_LIMIT_S)
        talk = np.maximum(1.0, np.round(syn._trunc_lognormal(r_talk, n, mu, v.talk_sigma, syn.OUTLIER_LIMIT_S)))
        patience = _patience(r_pat, np.full(n, p.patience_mean_s[q]), p.patience_shape)
        too_long = r_out.integers(int(syn.OUTLIER_LIMIT_S) + 1, int(v.outlier_max_s) + 1, n).astype(float)
        parts.append(
            {
                "start_s": start,
                "district": c["district"].to_numpy()[cell],
                "queue": np.full(n, q, np.int8),
                "talk_s": talk,
                "patience": patience,
                "too_long": too_long,
                "kind": kind,
            }
        )
        n_sim.append(int((kind == 0).sum()))
    cols = {k: np.concatenate([part[k] for part in parts]) for k in parts[0]}

    step(2, "the hidden plan: forecast by district × day type × hour × season, the planner's targets")
    agents, sb_share = plan(p, (n_sim[0], n_sim[1]), streams[12])

    step(3, f"replaying {sum(n_sim):,} calls on {len(DISTRICTS)} district boards (FCFS, compiled simulator)")
    t0 = int(hour_starts(v.year)[0].tz_convert("UTC").timestamp())
    sim = np.flatnonzero(cols["kind"] == 0)
    sim = sim[np.lexsort((cols["start_s"][sim], cols["district"][sim]))]
    district = cols["district"][sim]
    bounds = np.searchsorted(district, np.arange(len(DISTRICTS) + 1))
    arrival = (cols["start_s"][sim] - t0).astype(float)
    handling = cols["talk_s"][sim] + p.after_call_work_s
    per_board = [slice(bounds[b], bounds[b + 1]) for b in range(len(DISTRICTS))]
    result = simulate(
        agents,
        0.0,
        arrival_times_s=[arrival[s] for s in per_board],
        handling_times_s=[handling[s] for s in per_board],
        patience_times_s=[cols["patience"][sim][s] for s in per_board],
        target_s=_REPORT.service_time_today_s,
        records=True,
        seed=seed,
    )
    rec = result.calls
    assert rec is not None and rec.wait_s.size == sim.size
    answered = np.zeros(len(cols["kind"]), dtype=bool)
    wait = np.zeros(len(cols["kind"]))
    answered[sim] = rec.outcome == ANSWERED
    wait[sim] = np.where(answered[sim], np.round(rec.wait_s), np.maximum(1.0, np.round(rec.wait_s)))

    step(4, "defects outside the queue: 0-second calls, calls over 30 minutes")
    kind = cols["kind"]
    talk = np.where(answered, cols["talk_s"], 0.0)
    # talk outliers wait like an answered caller of their queue; wait outliers talk as usual
    for q in (0, 1):
        mine = (cols["queue"] == q) & (kind == 2)
        pool = wait[sim][answered[sim] & (cols["queue"][sim] == q)]
        wait[mine] = pool[streams[6 * q + 5].integers(0, pool.size, mine.sum())]
    answered[(kind == 2) | (kind == 3)] = True
    talk = np.where(kind == 2, cols["too_long"], np.where(kind == 3, cols["talk_s"], talk))
    wait = np.where(kind == 3, cols["too_long"], wait)
    wait[kind == 1] = talk[kind == 1] = 0.0
    answered[kind == 1] = False
    out = {
        "start_s": cols["start_s"],
        "district": cols["district"],
        "queue": cols["queue"],
        "wait_s": wait,
        "talk_s": talk,
        "answered": answered,
        "kind": kind,
    }
    step(5, "call ids, id conflicts and duplicates")
    log = syn.assemble(out, v, streams[13], streams[14], keep_kind=keep_kind)
    return Twin(log=log, plan=agents, switchboard_share=sb_share, params=p, seed=seed)


def write(twin: Twin, path: str | Path) -> tuple[Path, Path]:
    """Write the log (marked, :func:`lib.calllog.synthetic.write_log`) and its truth beside it
    (:func:`lib.calllog.synthetic.truth_path`); the two paths."""
    log = twin.log.drop(columns=["kind"], errors="ignore")
    out = syn.write_log(log, path, seed=twin.seed, generator=GENERATOR)
    truth = syn.write_truth(twin.truth(), syn.truth_path(out), seed=twin.seed)
    return out, truth


def read_truth(log_path: str | Path) -> dict[str, Any]:
    """The hidden truth beside a twin's log (for the recovery check only, never the analysis)."""
    import json

    path = syn.truth_path(log_path)
    if not syn.is_synthetic_truth(path):
        raise FileNotFoundError(f"no twin truth beside {display_path(log_path)} ({display_path(path)})")
    return json.loads(path.read_text(encoding="utf-8"))


# --- Calibration ---------------------------------------------------------------------------------


def switchboard_hours_target(a: Assumptions = _REPORT, params: TwinParams | None = None) -> float:
    """Today's switchboard staffed hours that the log's switchboards stand for: the
    ``switchboard_person_years`` × ``hours_per_person_year`` (A.1.1), less Trøndelag's part by
    calls (its ≈ ``trondelag_switchboard_calls_2023`` switchboard calls are not in the log)."""
    v = (params or TwinParams()).volume
    logged = v.switchboard_calls
    return a.switchboard_person_years * a.hours_per_person_year * logged / (logged + a.trondelag_switchboard_calls_2023)


def calibration_table(twin: Twin) -> pd.DataFrame:
    """:func:`lib.calllog.synthetic.calibration_table` of the twin's log (appendix A's facts,
    raw and cleaned) and the hidden switchboard hours beside :func:`switchboard_hours_target`
    (rule ``report``: shown, not checked)."""
    t = syn.calibration_table(twin.log)
    sb = float((twin.plan * twin.switchboard_share).sum())
    row = {
        "fact": "switchboard_agent_hours",
        "log": "raw",
        "target": switchboard_hours_target(params=twin.params),
        "achieved": sb,
        "tolerance": np.nan,
        "rule": "report",
        "ok": pd.NA,
        "source": "A.1.1: 55 person-years × 1 400 h, less Trøndelag's share (fn 21)",
    }
    return pd.concat([t, pd.DataFrame([row])], ignore_index=True).astype({"ok": "boolean"})


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m lib.model.twin", description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True, help="Parquet file to write (relative to the project root)")
    ap.add_argument("--seed", type=int, default=2023, help="root seed (default 2023)")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    print(f"generating the queue-consistent twin of {_REPORT.data_year} (seed {args.seed})", file=sys.stderr)
    twin = generate(seed=args.seed, progress=True)
    out, truth = write(twin, args.out)
    table = calibration_table(twin)
    with pd.option_context("display.width", 160, "display.max_columns", 20, "display.max_rows", 60):
        print(table.to_string(index=False, float_format=lambda x: f"{x:.4f}"))
    print(
        f"wrote {len(twin.log):,} rows to {display_path(out)} and the hidden truth to {display_path(truth)} "
        f"in {time.perf_counter() - t0:.1f} s"
    )
    failed = table[table["ok"].fillna(True).eq(False)]
    if len(failed):
        print(f"warning: {len(failed)} calibration check(s) outside tolerance", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())


__all__ = ["GENERATOR", "Twin", "TwinParams", "calibration_table", "generate", "read_truth", "write"]


# --- Recovery: what the chain estimates beside the hidden truth ----------------------------------

#: Columns of :func:`recovery` (and twin_recovery.csv).
RECOVERY_COLUMNS = ["quantity", "group", "hidden", "recovered", "difference", "relative_difference", "unit"]


def recovery(
    truth: dict[str, Any],
    patience_by_queue: pd.DataFrame,
    rates: pd.DataFrame,
    calls: pd.DataFrame,
    implied_agent_hours: pd.Series,
    a: Assumptions,
) -> pd.DataFrame:
    """The chain's estimates beside the twin's hidden truth (columns :data:`RECOVERY_COLUMNS`;
    ``relative_difference`` = recovered / hidden − 1).

    ``truth``: :func:`read_truth`; ``patience_by_queue``: :func:`lib.traffic.patience.fit_patience`
    by queue; ``rates``: the arrival rates (interface 3); ``calls``: the cleaned log's in-scope
    calls; ``implied_agent_hours``: the implied staffing's agent-hours by district (index) with
    the total under :data:`lib.core.districts.TOTAL`. Rows: ``patience_s`` per queue,
    ``handling_time_s`` (call-weighted AHT of the rates against talk + after-call work),
    ``agent_hours`` per district and in total (the modelled districts), and the hidden plan's
    service predicted by the queue model (Erlang A with the fitted patience, pooled by rate, on
    the plan and the rates' traffic) in ``hidden`` against the log's observed service in
    ``recovered``: ``answered_share`` and ``mean_wait_s`` (answered calls), in total.
    """
    from lib.core.districts import TOTAL
    from lib.model.concepts import board_hours
    from lib.queues.models import queue_model
    from lib.traffic.patience import model_patience_s

    rows: list[dict[str, Any]] = []

    def add(quantity: str, group: str, hidden: float, recovered: float, unit: str) -> None:
        rows.append(
            {
                "quantity": quantity,
                "group": group,
                "hidden": float(hidden),
                "recovered": float(recovered),
                "difference": float(recovered - hidden),
                "relative_difference": float(recovered / hidden - 1.0) if hidden else np.nan,
                "unit": unit,
            }
        )

    fitted = patience_by_queue.set_index("queue")["patience_s"]
    for q in (SWITCHBOARD, OPS):
        add("patience_s", q, truth["patience_mean_s"][q], fitted[q], "s")
    bh = board_hours(rates)
    add("handling_time_s", TOTAL, truth["handling_mean_s"], (bh.calls * bh.aht_s).sum() / bh.calls.sum(), "s")
    hidden = truth["agent_hours"]["by_district"]
    for d in bh.boards:
        add("agent_hours", d, hidden[d], implied_agent_hours[d], "agent-hours")
    add("agent_hours", TOTAL, sum(hidden[d] for d in bh.boards), implied_agent_hours[TOTAL], "agent-hours")
    plan = np.asarray(truth["plan"])[[truth["districts"].index(d) for d in bh.boards]]
    ea = a.replace(queue_model="erlang_a", patience_s=model_patience_s(patience_by_queue))
    model = queue_model(ea)
    busy = bh.calls > 0
    share = np.ones(bh.calls.shape)
    wait = np.zeros(bh.calls.shape)
    share[busy] = model.answered_share(plan[busy], bh.calls[busy], bh.aht_s[busy], ea)
    staffed = busy & (plan > 0)
    wait[staffed] = model.mean_wait_s(plan[staffed], bh.calls[staffed], bh.aht_s[staffed], ea)
    answered = bh.calls * share
    ans = calls["answered"].to_numpy(dtype=bool)
    add("answered_share", TOTAL, answered.sum() / bh.calls.sum(), ans.mean(), "share")
    add("mean_wait_s", TOTAL, (answered * wait).sum() / answered.sum(), calls["wait_s"].to_numpy()[ans].mean(), "s")
    return pd.DataFrame(rows, columns=RECOVERY_COLUMNS)


def recover_from_log(log_path: str | Path, a: Assumptions = _REPORT) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The chain's estimators on a twin's log at ``log_path``, in memory (cleaning, arrival
    rates, patience by queue with the long waits, implied staffing by the simulation fit), and
    :func:`recovery` against its truth; also the intermediate results (for tests and the notebook)."""
    from lib.calllog.clean import clean_call_log
    from lib.model.implied import implied_by_simulation
    from lib.traffic.arrivals import build_rates
    from lib.traffic.patience import fit_patience

    res = clean_call_log(
        log_path,
        year=a.data_year,
        outlier_threshold_s=a.outlier_threshold_s,
        excluded_districts=a.excluded_districts,
        write=False,
    )
    rates = build_rates(
        res.clean,
        year=a.data_year,
        excluded_districts=a.excluded_districts,
        arrival_model=a.arrival_model,
        after_call_work_s=a.after_call_work_s,
        min_answered=a.min_answered_per_cell,
    ).rates
    fit = fit_patience(res.clean, ["queue"], long_waits=res.long_waits, wait_limit_s=a.outlier_threshold_s)
    calls = res.clean[res.clean["in_scope"]]
    today = implied_by_simulation(rates, calls, a, dict(zip(fit["queue"], fit["patience_s"], strict=True)))
    hours = today.by_district.set_index("district")["agent_hours"]
    table = recovery(read_truth(log_path), fit, rates, calls, hours, a)
    return table, {"clean": res, "rates": rates, "patience": fit, "implied": today}
