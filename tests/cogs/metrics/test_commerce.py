"""Commerce figures on hand-built orders: repeat purchases, 12-month revenue per customer, referral share,
community revenue and ROI, churn. Amounts are minor units (cents) of EUR unless said otherwise."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert

from bot.app import Hearth
from cogs.metrics import commerce
from cogs.metrics.figures import Rate
from cogs.metrics.health import feature_table
from cogs.metrics.periods import Period
from tests.support import insights as seed

UTC = ZoneInfo("UTC")
JANUARY = (seed.at("2026-01-01 00:00"), seed.at("2026-02-01 00:00"))
WEEK = Period(date(2026, 3, 2), date(2026, 3, 9), UTC)


@pytest.fixture
async def shop(hearth: Hearth) -> Hearth:
    async with hearth.database.session() as session, session.begin():
        for n in range(1, 5):
            seed.member(session, n)
        await session.flush()
        # A (member 1, order linked): first 5 Jan, again 20 Feb (46 days: a repeat); a year later doesn't count.
        seed.order(session, "2026-01-05 10:00", 10_000, member_id=1, customer="ka")
        seed.order(session, "2026-02-20 10:00", 5_000, member_id=1, customer="ka", status="partially_refunded",
                   refunded=1_000)
        seed.order(session, "2027-01-10 10:00", 9_999, member_id=1, customer="ka")
        # B (member 2 through a claimed customer key): 10 Jan, then 1 May (111 days: not a 90-day repeat).
        seed.link_customer(session, "kb", 2)
        seed.order(session, "2026-01-10 10:00", 8_000, customer="kb")
        seed.order(session, "2026-05-01 10:00", 2_000, customer="kb")
        # C (not a member): 15 Jan in EUR, 20 Jan in USD — a repeat, but only the EUR order is EUR revenue.
        seed.order(session, "2026-01-15 10:00", 3_000, customer="kc")
        seed.order(session, "2026-01-20 10:00", 3_000, customer="kc", currency="USD")
        # D (not a member): 25 Jan, and a refunded order (doesn't count).
        seed.order(session, "2026-01-25 10:00", 2_000, customer="kd")
        seed.order(session, "2026-01-28 10:00", 4_000, customer="kd", status="refunded", refunded=4_000)
        # E first bought in December (outside the cohort); F can't be followed; G's first order is 1 Feb (outside).
        seed.order(session, "2025-12-20 10:00", 1_000, customer="ke")
        seed.order(session, "2026-01-10 10:00", 1_000, customer="ke")
        seed.order(session, "2026-01-12 10:00", 7_000)
        seed.order(session, "2026-02-01 00:00", 1_000, customer="kg")
        # The week of 2 March: a member's order, a referred one, a self-referral, a plain one, a refunded one
        # and a member's USD order.
        seed.order(session, "2026-03-02 10:00", 10_000, member_id=3)
        referred = seed.order(session, "2026-03-03 10:00", 5_000, customer="kx")
        seed.referral(session, referred, 1, 5_000, "2026-03-03 10:00")
        own = seed.order(session, "2026-03-04 10:00", 3_000, customer="ky")
        seed.referral(session, own, 4, 3_000, "2026-03-04 10:00", status="self")
        seed.order(session, "2026-03-05 10:00", 2_000, customer="kz")
        seed.order(session, "2026-03-06 10:00", 7_000, member_id=3, status="refunded", refunded=7_000)
        seed.order(session, "2026-03-07 10:00", 4_000, member_id=3, currency="USD")
    return hearth


async def test_repeat_purchase_rate_members_vs_non_members(shop: Hearth) -> None:
    rates = await commerce.repeat_purchase_rates(shop.database, *JANUARY, days=90)
    # Members: A repeated, B didn't. Non-members: C repeated, D didn't (E, F, G aren't in the cohort).
    assert rates == {"members": Rate(1, 2), "non_members": Rate(1, 2)}
    # Over 120 days B's May order counts too.
    assert (await commerce.repeat_purchase_rates(shop.database, *JANUARY, days=120))["members"] == Rate(2, 2)


async def test_twelve_month_revenue_per_customer_by_cohort(shop: Hearth) -> None:
    revenue = await commerce.revenue_per_customer(shop.database, *JANUARY, "EUR")
    # Members: A 100.00 + (50.00 − 10.00 refunded) = 140.00, B 80.00 + 20.00 = 100.00 → 240.00 for 2.
    assert revenue["members"] == commerce.Revenue(2, 24_000) and revenue["members"].per_customer_minor == 12_000
    # Non-members: C 30.00 (its USD order isn't EUR revenue), D 20.00 (the refunded order doesn't count).
    assert revenue["non_members"] == commerce.Revenue(2, 5_000) and revenue["non_members"].per_customer_minor == 2_500


async def test_referral_share_community_revenue_and_roi(shop: Hearth) -> None:
    # EUR revenue in the week: 100 + 50 + 30 + 20 = 200.00; referred (not self-referred): 50.00.
    assert await commerce.referral_revenue_share(shop.database, WEEK, "EUR") == Rate(5_000, 20_000)
    # Members' orders (100.00) plus referred orders by anyone (50.00).
    revenue = await commerce.community_revenue(shop.database, WEEK, "EUR")
    assert revenue == 15_000
    # 1,500.00 a month over 7 days = 150,000 × 7 ÷ 30.4375 = 34,496.92 cents; ROI = (15,000 − 34,496.92) ÷ 34,496.92.
    costs = 150_000 * 7 / 30.4375
    assert commerce.community_roi(revenue, [1_000.0, 500.0], "EUR", 7) == pytest.approx((15_000 - costs) / costs)
    assert commerce.community_roi(revenue, [1_000.0, 500.0], "EUR", 7) == pytest.approx(-0.56518, abs=1e-5)
    # A 40% margin counts 60.00 of the 150.00; no costs: no ROI.
    assert commerce.community_roi(revenue, [1_000.0, 500.0], "EUR", 7, 40) == pytest.approx((6_000 - costs) / costs)
    assert commerce.community_roi(revenue, [], "EUR", 7) is None
    # JPY has no minor unit: 1,000 yen a month over 30.4375 days is 1,000 minor units.
    assert commerce.community_roi(3_000, [1_000.0], "JPY", 30) == pytest.approx((3_000 - 985.626) / 985.626, 1e-4)


async def test_main_currency_is_the_configured_one_or_the_most_used(shop: Hearth) -> None:
    assert await commerce.main_currency(shop.database, "GBP") == "GBP"
    assert await commerce.main_currency(shop.database) == "EUR"


async def test_churn_by_stage(hearth: Hearth) -> None:
    async with hearth.database.session() as session, session.begin():
        for n in range(1, 5):
            seed.member(session, n)
        await session.flush()
        # Active in the 30 days before the last 30 (8 Jan … 6 Feb): m2, m3, m4. Since 7 Feb: m2, m3.
        seed.day(session, 2, "2026-01-20", posts=1)
        seed.day(session, 2, "2026-03-03", posts=1)
        seed.day(session, 4, "2026-02-06", posts=1)
        seed.day(session, 4, "2026-03-09", posts=1)  # the day after the window: still churned
        seed.day(session, 3, "2026-01-08", posts=1)
        seed.day(session, 3, "2026-02-07", posts=1)
        seed.day(session, 1, "2026-01-07", posts=1)  # before both windows: not in the base
    # Base m2, m3, m4; only m4 wasn't back. Without the lifecycle feature everyone is under "members".
    lifecycle = feature_table(commerce.LIFECYCLE_TABLE)
    if lifecycle is None:
        assert await commerce.churn_by_stage(hearth.database, WEEK, days=30) == {"members": Rate(1, 3)}
        return
    async with hearth.database.session() as session, session.begin():
        await session.execute(insert(lifecycle).values(member_id=4, stage="power_user", joined_at=seed.EPOCH,
                                                       stage_since=seed.EPOCH))
    # With stages: m4 is a power user who left; m2 and m3 have no stage yet.
    assert await commerce.churn_by_stage(hearth.database, WEEK, days=30) == {"power_user": Rate(1, 1),
                                                                             "unstaged": Rate(0, 2)}
