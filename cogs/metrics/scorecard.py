"""The scorecard: every health and commerce figure for one period, and the daily snapshots kept of it.

``compute`` calls the metric functions (``health.py``, ``commerce.py``) for a period; the report compares two
periods, the Prometheus gauges show the latest rolling week, and ``store`` keeps each day's figures for
``hearth export metrics``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete

from cogs.metrics import commerce, health
from cogs.metrics.config import MetricsConfig
from cogs.metrics.figures import Figure, Rate
from cogs.metrics.periods import Period
from storage.database import Database
from storage.locks import hold
from storage.models import MetricSnapshot

REPEAT_DAYS = 90
SEGMENT_NAMES = {"members": "members", "non_members": "non-members"}


@dataclass(frozen=True)
class Scorecard:
    period: Period
    currency: str | None
    figures: list[Figure] = field(default_factory=list)

    def values(self) -> dict[str, float | None]:
        return {figure.key: figure.value for figure in self.figures}

    def get(self, key: str) -> Figure | None:
        return next((figure for figure in self.figures if figure.key == key), None)


def _rate(key: str, label: str, rate: Rate | None, gauge: str = "", labels: tuple[tuple[str, str], ...] = ()
          ) -> Figure:
    if rate is None:
        return Figure(key, label, None, "rate", "needs the onboarding feature", gauge, labels)
    return Figure(key, label, rate.value, "rate", rate.describe(), gauge, labels)


async def compute(database: Database, period: Period, config: MetricsConfig) -> Scorecard:
    """Every figure for ``period``. Commerce cohorts end where the period ends, minus the window they need."""
    active = await health.active_members(database, period)
    figures = [
        Figure("active_members", "Active members", active, gauge="hearth_active_members"),
        Figure("monthly_active_members", "Monthly active members",
               await health.monthly_active_members(database, period), gauge="hearth_monthly_active_members"),
        Figure("posts", "Posts", await health.posts(database, period), gauge="hearth_posts"),
        Figure("posts_per_week", "Posts per week", await health.posts_per_week(database, period), "ratio",
               gauge="hearth_posts_per_week"),
        _rate("ritual_attendance_rate", "Ritual attendance", await health.ritual_attendance_rate(database, period),
              "hearth_ritual_attendance_ratio"),
        Figure("median_response_hours", "Median time to a first answer",
               await health.median_response_hours(database, period), "hours",
               gauge="hearth_median_response_hours"),
        _rate("activation_rate", "New members activated within 7 days",
              await health.activation_rate(database, period), "hearth_activation_ratio"),
        _rate("peer_interaction_rate", "Members interacting with others",
              await health.peer_interaction_rate(database, period), "hearth_peer_interaction_ratio"),
    ]
    ugc = await health.ugc_per_active_member(database, period)
    figures.append(Figure("ugc_per_active_member", "Approved UGC per active member", ugc.value, "ratio",
                          f"{ugc.part:,.0f} items", "hearth_ugc_per_active_member"))
    # Both customer figures read every buyer's orders up to the period's end: one pass serves both.
    histories = await commerce.buyer_histories(database, period.until)
    cohort_end = period.until - timedelta(days=REPEAT_DAYS)
    repeat = await commerce.repeat_purchase_rates(database, cohort_end - timedelta(days=REPEAT_DAYS), cohort_end,
                                                  REPEAT_DAYS, histories)
    for segment, rate in repeat.items():
        figures.append(_rate(f"repeat_rate_{segment}", f"90-day repeat purchase rate, {SEGMENT_NAMES[segment]}",
                             rate, "hearth_repeat_purchase_ratio", (("segment", segment),)))
    currency = await commerce.main_currency(database, config.currency)
    figures += await _money(database, period, config, currency, histories)
    churn = await commerce.churn_by_stage(database, period, config.churn_days)
    for stage, rate in churn.items():
        figures.append(_rate(f"churn_{stage}", f"{config.churn_days}-day churn, {stage.replace('_', ' ')}", rate,
                             "hearth_churn_ratio", (("stage", stage),)))
    return Scorecard(period, currency, figures)


async def _money(database: Database, period: Period, config: MetricsConfig, currency: str | None,
                 histories: commerce.Histories) -> list[Figure]:
    if currency is None:
        return [Figure("community_revenue", "Community revenue", None, "money", "no orders yet")]
    money = (("currency", currency),)
    year_end = period.until - commerce.YEAR
    figures = []
    for segment, revenue in (await commerce.revenue_per_customer(database, year_end - commerce.YEAR, year_end,
                                                                 currency, histories=histories)).items():
        figures.append(Figure(f"revenue_12m_{segment}", f"12-month revenue per customer, {SEGMENT_NAMES[segment]}",
                              revenue.per_customer_minor, "money", f"{revenue.customers:,} customers",
                              "hearth_revenue_per_customer_12m_minor", (("segment", segment), *money)))
    share = await commerce.referral_revenue_share(database, period, currency)
    figures.append(Figure("referral_revenue_share", "Referral share of revenue", share.value, "rate",
                          gauge="hearth_referral_revenue_share_ratio"))
    revenue = await commerce.community_revenue(database, period, currency)
    figures.append(Figure("community_revenue", "Community revenue (members' and referred orders)", revenue,
                          "money", gauge="hearth_community_revenue_minor", labels=money))
    roi = commerce.community_roi(revenue, list(config.monthly_costs.values()), currency, period.days,
                                 config.gross_margin_percent)
    figures.append(Figure("community_roi", "Community ROI", roi, "ratio",
                          "set [metrics] monthly_costs" if roi is None else "", "hearth_community_roi_ratio"))
    return figures


async def store(database: Database, card: Scorecard, at: datetime) -> int:
    """Keep the figures under the period's end day and length (replacing a same-day snapshot)."""
    period = f"{card.period.days}d"
    async with database.session() as session, session.begin():
        # Two processes refreshing at once would both delete nothing and insert the same keys: the second fails.
        await hold(session, "metrics:snapshots")
        await session.execute(delete(MetricSnapshot).where(MetricSnapshot.day == card.period.end_key,
                                                           MetricSnapshot.period == period))
        session.add_all(MetricSnapshot(day=card.period.end_key, period=period, metric=figure.key,
                                       value=figure.value, computed_at=at) for figure in card.figures)
    return len(card.figures)
