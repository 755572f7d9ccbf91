"""Live chat as a queue of its own (issue 26 §2-3): the chat model in the concepts, the
staffing path, the break-even, and Table 1 under the chat model (small hand-made rates)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from frames import rates_frame

from lib.core.assumptions import Assumptions
from lib.model import chat as M
from lib.model import concepts
from lib.model.concepts import CHAT_POOL, board_hours, pool
from lib.model.staffing import run_all, staff
from lib.queues import chat as C
from lib.queues.models import chat_efficiency, chat_queue_patience_s
from lib.valuation import chat as V
from lib.valuation import sensitivity
from lib.valuation.table1 import table1
from lib.valuation.uncertainty import fixed

RATES = rates_frame(
    [[0, 3.5, 40, 250, 12.2, 0.4], [7, 0, 90, 20, 300, 1.0]],
    [[150, 200, 180, 240, 90, 300], [210, 100, 160, 200, 175, 120]],
)
A = Assumptions().replace(first_year=2026, last_year=2028)
DED = A.replace(chat_model="concurrency", chat_pool="dedicated")
BLEND = A.replace(chat_model="concurrency", chat_pool="blended")


def test_proxy_is_the_default_and_unchanged():
    assert Assumptions().chat_model == "proxy"
    for c in concepts.CONCEPTS:
        y = 2027 if concepts.get(c).year_dependent else None
        m = concepts.channel_mix(c, y, A)
        assert concepts.arrival_factor(c, y, A) == m.handled
        q = m.chat_share_handled
        assert concepts.aht_factor(c, y, A) == 1 - q + q * A.chat_handling_factor
        assert not concepts.has_chat_pool(c, A) and concepts.chat_arrival_factor(c, y, A) == 0.0


def test_dedicated_pool_takes_the_live_chats_off_the_phone_boards():
    for c in ("IIa", "IIb", "III", "IIb_livechat"):
        m = concepts.channel_mix(c, 2027, DED)
        assert concepts.has_chat_pool(c, DED)
        assert concepts.arrival_factor(c, 2027, DED) == m.phone
        assert concepts.aht_factor(c, 2027, DED) == 1.0
        assert concepts.chat_arrival_factor(c, 2027, DED) == m.live_chat
    # the chatbot alone: its transferred chats take a phone call's time, as under the proxy
    assert not concepts.has_chat_pool("IIb_chatbot", DED)
    assert concepts.arrival_factor("IIb_chatbot", 2027, DED) == concepts.arrival_factor("IIb_chatbot", 2027, A)


def test_efficiencies_and_patience():
    a = A.replace(
        chat_concurrency=3, chat_efficiency_decline=0.2, chat_patience_s=300.0, chat_silent_abandon_share=0.75
    )
    assert chat_efficiency(a) == pytest.approx((1.0, 0.8, 0.64))
    assert chat_queue_patience_s(a) == pytest.approx(1200.0)


def test_blended_is_the_proxy_with_the_chat_models_agent_time():
    a = BLEND.replace(chat_concurrency=2, chat_efficiency_decline=0.1, chat_aht_factor=0.9)
    assert concepts.chat_factor(a) == pytest.approx(0.9 / (2 * 0.9))
    same = A.replace(chat_handling_factor=0.5)
    assert run_all(RATES, a).by_year.equals(run_all(RATES, same).by_year)


def test_dedicated_staffing_is_the_phone_boards_plus_the_chat_pool():
    s = staff("IIa", RATES, 2027, DED)
    assert s.boards[-1] == CHAT_POOL and s.agents.shape == (3, 6)
    bh = board_hours(RATES)
    phone = staff(
        "IIa", RATES, 2027, DED.replace(chat_model="proxy", chat_share_first_year=0.0, chat_share_last_year=0.0)
    )
    mix = concepts.channel_mix("IIa", 2027, DED)
    # phone boards: the phone calls alone at the phone AHT, the phone queue's own model
    assert np.allclose(s.calls[:2], bh.calls * mix.phone) and np.allclose(s.aht_s[:2], bh.aht_s)
    assert phone.agents.sum() >= s.agents[:2].sum()
    # the chat pool: all districts' live chats, in the chat model
    calls, aht = pool(bh.calls, bh.aht_s)
    chats = calls[0] * mix.live_chat
    want = C.required_agents(
        chats,
        np.where(chats > 0, aht[0] * DED.chat_aht_factor, 1.0),
        chat_queue_patience_s(DED),
        DED.chat_service_level_target,
        DED.chat_service_time_s,
        max_chats=DED.chat_concurrency,
        efficiency=chat_efficiency(DED),
        max_occupancy=DED.max_occupancy,
        min_agents=DED.min_agents,
        basis=DED.service_level_basis,
    )
    assert s.agents[2].tolist() == np.where(chats > 0, want, 0).tolist()
    r = run_all(RATES, DED)
    row = r.by_year[(r.by_year.concept == "IIa") & (r.by_year.year == 2027)].iloc[0]
    assert row.agent_hours == s.agent_hours
    assert row.phone_calls == pytest.approx(s.calls[:2].sum())
    d = r.by_district[(r.by_district.concept == "IIa") & (r.by_district.year == 2027)]
    assert d.district.tolist()[-1] == CHAT_POOL and int(d.agent_hours.iloc[-1]) == int(s.agents[2].sum())


def test_k1_without_slowdown_is_erlang_a_on_the_chats():
    a = DED.replace(chat_concurrency=1)
    s = staff("IIb", RATES, 2026, a)
    assert s.agents[-1].sum() > 0
    from lib.queues import erlang_a

    bh = board_hours(RATES)
    calls, aht = pool(bh.calls, bh.aht_s)
    chats = calls[0] * concepts.chat_arrival_factor("IIb", 2026, a)
    busy = chats > 0
    want = erlang_a.required_agents(
        chats[busy],
        aht[0][busy],
        chat_queue_patience_s(a),
        a.chat_service_level_target,
        a.chat_service_time_s,
        max_occupancy=a.max_occupancy,
        min_agents=a.min_agents,
        basis=a.service_level_basis,
    )
    assert s.agents[-1][busy].tolist() == np.asarray(want).tolist()


def test_break_even_brackets_the_proxy():
    be = M.break_even(RATES, A, concept="IIa", max_chats=(1, 3), factors=(0.5,), iterations=14)
    assert list(be.columns) == M.BREAK_EVEN_COLUMNS and len(be) == 4
    e = M.Engine(board_hours(RATES), A)
    proxy = M.proxy_chat_agent_hours(e, "IIa", A).sum()
    for row in be.drop_duplicates("max_chats").itertuples():
        f = row.break_even_chat_aht_factor
        ak = A.replace(chat_concurrency=row.max_chats)
        assert M.chat_pool_agent_hours(e, "IIa", ak.replace(chat_aht_factor=f)).sum() >= proxy
        assert M.chat_pool_agent_hours(e, "IIa", ak.replace(chat_aht_factor=f * 0.99)).sum() < proxy or f < 0.03
    # more chats per agent never cost more agent time per chat
    one = be[be.chat_aht_factor == A.chat_aht_factor].set_index("max_chats")["agent_minutes_per_chat"]
    assert one[3] <= one[1]


def test_table1_chat_model_proxy_column_is_table1():
    staffed = V.runs(RATES, A)
    t = V.table1_chat_model(staffed, A, 40.0)
    assert list(t.columns) == V.TABLE1_CHAT_COLUMNS
    t1 = table1(run_all(RATES, A), A, 40.0).set_index("row")
    for r in t.itertuples():
        assert r.proxy == pytest.approx(t1.loc[r.row, r.concept], abs=1e-12)
        assert r.difference == pytest.approx(r.dedicated - r.proxy)
    # the chat model leaves the cells without live chat alone
    same = t[t.row.isin(["Spart tid politiet.no", "Investeringskostnader", "Spart tid chatbot"])]
    assert np.allclose(same.dedicated, same.proxy) and np.allclose(same.blended, same.proxy)


def test_chat_monte_carlo_at_fixed_values_is_the_point_value():
    staffed = V.runs(RATES, A)
    point = V.table1_chat_model(staffed, A, 40.0)
    mc = V.chat_monte_carlo(RATES, A, n=3, observed_wait_s=40.0, distributions=fixed(V.CHAT_DISTRIBUTIONS))
    u = V.chat_uncertainty(mc, point)
    assert len(u) and np.allclose(u["mean"], u["dedicated"], atol=1e-9) and np.allclose(u["p5"], u["p95"])
    drawn = V.chat_monte_carlo(RATES, A, n=4, seed=1, observed_wait_s=40.0)
    assert drawn.draws["chat_concurrency"].between(1, 6).all()
    assert pd.api.types.is_integer_dtype(drawn.draws["chat_concurrency"])


def test_chat_variations_are_known_and_move_the_chat_cells_only():
    for v in V.CHAT_VARIATIONS:
        for n in v.names:
            assert n in Assumptions.names() and Assumptions.stage(n) == "staffing"
    s = sensitivity.one_at_a_time(RATES, DED, run_all, V.CHAT_VARIATIONS[:1], observed_wait_s=40.0)
    i = s[s.concept == "I"].iloc[0]
    assert i.swing == 0.0  # concept I has no live chat


def test_a_batch_refuses_the_dedicated_chat_pool_it_cannot_carry():
    """The batch path (notebook 06's Monte Carlo) staffs the phone boards by (α, β) factors;
    a dedicated chat pool would silently drop out of it, so it refuses with a way forward."""
    from lib.model.engine import Engine
    from lib.valuation.batch import staffing_arrays

    a = Assumptions().replace(chat_model="concurrency", chat_pool="dedicated")
    with pytest.raises(ValueError, match="run_all per set"):
        staffing_arrays(Engine(board_hours(rates_frame([[20.0] * 24] * 2, [[180.0] * 24] * 2)), a), a)
