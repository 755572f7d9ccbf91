"""Concepts as data: shares over the years, scaling factors, blended AHT, pooling, rate arrays."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from frames import rates_frame
from hypothesis import given, settings
from hypothesis import strategies as st

from lib.core.assumptions import Assumptions
from lib.model import concepts as cc
from lib.model.concepts import CONCEPTS, BoardHours, Concept


def params(**kw):
    """The report's values, typed here from the brief (2026 25 %/30 %, 2033 50 %/20 %)."""
    base = {
        "first_year": 2026,
        "last_year": 2033,
        "call_reduction_politiet_no": 0.10,
        "chat_share_first_year": 0.25,
        "chat_share_last_year": 0.50,
        "transfer_share_first_year": 0.30,
        "transfer_share_last_year": 0.20,
        "chat_handling_factor": 0.51,
        "service_time_today_s": 95.0,
        "service_time_centre_s": 20.0,
    }
    base.update(kw)
    return Assumptions(**base)


P = params()


# --- the concepts table ---------------------------------------------------------------------


def test_concepts_are_the_reports():
    assert list(CONCEPTS) == ["base", "I", "IIa", "IIb_chatbot", "IIb_livechat", "IIb", "III"]
    assert {n: c.previous for n, c in CONCEPTS.items()} == {
        "base": None,
        "I": "base",
        "IIa": "I",
        "IIb_chatbot": "I",
        "IIb_livechat": "I",
        "IIb": "I",
        "III": "IIb",
    }
    assert [CONCEPTS[n].label for n in ("base", "I", "IIa", "IIb", "III")] == [
        "Basemodell",
        "Konsept I",
        "Konsept IIa",
        "Konsept IIb",
        "Konsept III",
    ]
    assert [n for n, c in CONCEPTS.items() if c.pooled] == ["III"]
    assert [n for n, c in CONCEPTS.items() if c.service_time == "centre"] == ["III"]
    assert [n for n, c in CONCEPTS.items() if not c.year_dependent] == ["base", "I"]
    # III differs from IIb only by pooling and the service level
    iib, iii = CONCEPTS["IIb"], CONCEPTS["III"]
    assert (iib.call_reduction, iib.chatbot, iib.chat_efficiency) == (
        iii.call_reduction,
        iii.chatbot,
        iii.chat_efficiency,
    )


def test_effects_chain_the_concepts():
    effects = cc.effects_for("chatbot_first")
    assert {e: (x.before, x.after) for e, x in effects.items()} == {
        "politiet_no": ("base", "I"),
        "livechat_IIa": ("I", "IIa"),
        "chatbot": ("I", "IIb_chatbot"),
        "livechat_IIb": ("IIb_chatbot", "IIb"),
        "kontaktsenter": ("IIb", "III"),
    }
    other = cc.effects_for("livechat_first")
    assert (other["livechat_IIb"].before, other["livechat_IIb"].after) == ("I", "IIb_livechat")
    assert (other["chatbot"].before, other["chatbot"].after) == ("IIb_livechat", "IIb")
    with pytest.raises(ValueError, match="iib_split"):
        cc.effects_for("bot_last")


def test_live_chat_for_the_transferred_share_without_a_chatbot():
    # 2026: s = 0.25, r = 0.30 -> 0.075 of the 0.9 remaining contacts are live chats, none vanish
    mix = cc.channel_mix("IIb_livechat", 2026, P)
    assert (mix.phone, mix.chatbot_answered, mix.live_chat) == pytest.approx((0.9 * 0.925, 0.0, 0.9 * 0.075))
    assert cc.arrival_factor("IIb_livechat", 2026, P) == pytest.approx(0.9)
    assert cc.aht_factor("IIb_livechat", 2026, P) == pytest.approx(1 - 0.075 * 0.49)


def test_invalid_concepts_are_refused():
    with pytest.raises(ValueError, match="chat_efficiency"):
        Concept("x", "X", None, chat_efficiency="some")
    with pytest.raises(ValueError, match="service_time"):
        Concept("x", "X", None, service_time="tomorrow")
    with pytest.raises(ValueError, match="chatbot"):
        Concept("x", "X", None, chatbot=True, chat_efficiency="all_chat")
    with pytest.raises(KeyError, match="IV"):
        cc.get("IV")


def test_a_new_concept_is_data():
    # e.g. a national centre at today's service level: no new code needed
    c = Concept(
        "III_95",
        "Konsept III (80/95)",
        "IIb",
        call_reduction=True,
        chatbot=True,
        chat_efficiency="transferred",
        pooled=True,
        service_time="today",
    )
    assert cc.service_time_s(c, P) == 95.0
    assert cc.arrival_factor(c, 2026, P) == pytest.approx(0.7425)


# --- shares over the years --------------------------------------------------------------------


def test_shares_are_linear_between_first_and_last_year():
    assert cc.chat_share(2026, P) == pytest.approx(0.25)
    assert cc.chat_share(2033, P) == pytest.approx(0.50)
    assert cc.transfer_share(2026, P) == pytest.approx(0.30)
    assert cc.transfer_share(2033, P) == pytest.approx(0.20)
    # 2029 is 3/7 of the way: 0.25 + 0.25 * 3/7 = 2.5/7; 0.30 - 0.10 * 3/7 = 1.8/7
    assert cc.chat_share(2029, P) == pytest.approx(2.5 / 7, abs=1e-12)
    assert cc.transfer_share(2029, P) == pytest.approx(1.8 / 7, abs=1e-12)
    steps = np.diff([cc.chat_share(y, P) for y in range(2026, 2034)])
    assert steps == pytest.approx(np.full(7, 0.25 / 7))


def test_shares_outside_the_period_or_without_a_year_are_refused():
    with pytest.raises(ValueError, match="2025"):
        cc.chat_share(2025, P)
    with pytest.raises(ValueError, match="year"):
        cc.transfer_share(None, P)
    with pytest.raises(ValueError, match="year"):
        cc.traffic("IIa", rates_frame([[1]], [[100]], ("Oslo",)), None, P)


# --- scaling factors ------------------------------------------------------------------------


def test_arrival_factors():
    assert cc.arrival_factor("base", None, P) == 1.0
    assert cc.arrival_factor("I", None, P) == pytest.approx(0.9)
    assert cc.arrival_factor("IIa", 2026, P) == pytest.approx(0.9)  # live chat keeps the contacts
    # 0.9 x (1 - 0.25 + 0.25 x 0.30) = 0.7425; 2033: 0.9 x (1 - 0.5 + 0.5 x 0.2) = 0.54
    for name in ("IIb_chatbot", "IIb", "III"):
        assert cc.arrival_factor(name, 2026, P) == pytest.approx(0.7425)
        assert cc.arrival_factor(name, 2033, P) == pytest.approx(0.54)


def test_aht_factors_blend_chat_handling_time():
    assert cc.aht_factor("base", None, P) == 1.0
    assert cc.aht_factor("I", None, P) == 1.0
    assert cc.aht_factor("IIb_chatbot", 2026, P) == 1.0  # chatbot only: no chat efficiency
    # IIa 2026: a quarter of the contacts at 0.51: 0.75 + 0.25 x 0.51 = 0.8775
    assert cc.aht_factor("IIa", 2026, P) == pytest.approx(0.8775)
    assert cc.aht_factor("IIa", 2033, P) == pytest.approx(0.755)
    # IIb 2026: transferred 0.075 of 0.825 handled -> 1 - (1/11) x 0.49
    assert cc.aht_factor("IIb", 2026, P) == pytest.approx(1 - 0.49 / 11)
    # IIb 2033: 0.1 of 0.6 handled -> 1 - 0.49 / 6
    assert cc.aht_factor("IIb", 2033, P) == pytest.approx(1 - 0.49 / 6)
    assert cc.aht_factor("III", 2033, P) == cc.aht_factor("IIb", 2033, P)


def test_channel_mix_figures_6_1_and_6_2():
    m = cc.channel_mix("IIa", 2026, P)
    assert (m.phone, m.live_chat, m.chatbot_answered) == pytest.approx((0.675, 0.225, 0.0))
    m = cc.channel_mix("IIb", 2026, P)
    # phone 0.9 x 0.75, chatbot answers 0.9 x 0.25 x 0.7, transferred 0.9 x 0.25 x 0.3
    assert (m.phone, m.chatbot_answered, m.live_chat) == pytest.approx((0.675, 0.1575, 0.0675))
    assert m.chat_share_handled == pytest.approx(0.0675 / 0.7425)
    assert cc.phone_share_handled("IIb", 2026, P) == pytest.approx(0.675 / 0.7425)
    assert cc.phone_share_handled("I", None, P) == 1.0
    assert cc.channel_mix("IIb_chatbot", 2026, P).chat_share_handled == 0.0


@settings(max_examples=60, deadline=None)
@given(
    s0=st.floats(0, 1),
    s1=st.floats(0, 1),
    r0=st.floats(0, 1),
    r1=st.floats(0, 1),
    red=st.floats(0, 0.9),
    f=st.floats(0.1, 1.5),
    year=st.integers(2026, 2033),
    name=st.sampled_from(list(CONCEPTS)),
)
def test_channels_add_up(s0, s1, r0, r1, red, f, year, name):
    p = params(
        chat_share_first_year=s0,
        chat_share_last_year=s1,
        transfer_share_first_year=r0,
        transfer_share_last_year=r1,
        call_reduction_politiet_no=red,
        chat_handling_factor=f,
    )
    m = cc.channel_mix(name, year, p)
    assert min(m.phone, m.chatbot_answered, m.live_chat) >= 0
    assert m.phone + m.chatbot_answered + m.live_chat == pytest.approx(m.remaining)
    assert 0 <= m.chat_share_handled <= 1
    assert m.handled == pytest.approx(cc.arrival_factor(name, year, p))
    # the blended AHT factor lies between 1 and f
    a = cc.aht_factor(name, year, p)
    assert min(1, f) - 1e-12 <= a <= max(1, f) + 1e-12


# --- board-hour traffic ----------------------------------------------------------------------


def test_traffic_scales_and_blends_by_hand():
    rates = rates_frame([[100, 0, 40], [20, 10, 0]], [[200, 300, 150], [100, 100, 100]])
    calls, aht = cc.traffic("IIa", rates, 2026, P)
    assert calls == pytest.approx(0.9 * np.array([[100, 0, 40], [20, 10, 0]]))
    # 100 calls at 200 s: 75 % phone at 200 s, 25 % chat at 102 s -> mean 175.5 s
    assert aht[0, 0] == pytest.approx(0.75 * 200 + 0.25 * 0.51 * 200)
    assert aht[0, 1] == 0.0  # no traffic: no handling time
    calls, aht = cc.traffic("base", rates, None, P)
    assert calls.tolist() == [[100, 0, 40], [20, 10, 0]]


def test_pooled_traffic_keeps_the_load():
    rates = rates_frame([[100, 0, 40], [20, 10, 0]], [[200, 300, 150], [100, 100, 100]])
    calls, aht = cc.traffic("III", rates, 2033, P)
    sep_calls, sep_aht = cc.traffic("IIb", rates, 2033, P)
    assert calls.shape == (1, 3)
    assert calls[0] == pytest.approx(0.54 * np.array([120, 10, 40]))
    # hour 0: (100 x 200 + 20 x 100) / 120 = 183.33 s, times the IIb chat factor
    assert aht[0, 0] == pytest.approx(22000 / 120 * (1 - 0.49 / 6))
    assert (calls * aht).sum(axis=1) == pytest.approx((sep_calls * sep_aht).sum())
    assert (calls * aht)[0] == pytest.approx((sep_calls * sep_aht).sum(axis=0))


def test_pool_of_an_empty_hour_is_empty():
    calls, aht = cc.pool(np.array([[0.0, 1.0], [0.0, 3.0]]), np.array([[0.0, 100.0], [0.0, 200.0]]))
    assert calls.tolist() == [[0.0, 4.0]] and aht.tolist() == [[0.0, 175.0]]


def test_board_hours_ignores_row_order_and_orders_districts():
    rates = rates_frame([[1, 2], [3, 4]], [[100, 110], [120, 130]], districts=("Agder", "Oslo"))
    bh = BoardHours.from_rates(rates.sample(frac=1, random_state=3))
    assert bh.boards == ("Oslo", "Agder")  # DISTRICTS order
    assert bh.calls.tolist() == [[3, 4], [1, 2]]
    assert bh.aht_s.tolist() == [[120, 130], [100, 110]]
    assert list(bh.hours["hour_start"]) == sorted(rates["hour_start"].unique())
    assert list(bh.hours.columns) == ["hour_start", "hour", "day_type"]


def test_board_hours_refuses_bad_tables():
    rates = rates_frame([[1, 2], [3, 4]], [[100, 110], [120, 130]])
    with pytest.raises(ValueError, match="one row per district and hour"):
        BoardHours.from_rates(rates.iloc[:3])
    with pytest.raises(ValueError, match="one row per district and hour"):
        BoardHours.from_rates(pd.concat([rates, rates.iloc[:1]]))
    with pytest.raises(ValueError, match="rate_per_hour"):
        BoardHours.from_rates(rates.assign(rate_per_hour=[1, -1, 2, 2]))
    with pytest.raises(ValueError, match="aht_s"):
        BoardHours.from_rates(rates.assign(aht_s=[np.nan, 1, 2, 2]))
    with pytest.raises(ValueError, match="missing"):
        BoardHours.from_rates(rates.drop(columns="aht_s"))
    # no traffic: the handling time does not matter
    ok = BoardHours.from_rates(rates.assign(rate_per_hour=[0, 1, 1, 1], aht_s=[np.nan, 1, 2, 2]))
    assert ok.aht_s[0, 0] == 0.0


def test_the_share_path_ends_exactly_at_its_ends():
    # found by hypothesis: 0.9069... + (0 - 0.9069...) x 1 rounds to -1.1e-16, a negative live-chat share
    p = params(chat_share_first_year=0.9069411524252122, chat_share_last_year=0.0)
    assert cc.chat_share(2033, p) == 0.0 and cc.chat_share(2026, p) == 0.9069411524252122
    assert cc.channel_mix("IIa", 2033, p).live_chat == 0.0
