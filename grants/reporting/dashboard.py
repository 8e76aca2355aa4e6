"""The portfolio page's figures, gathered from the modules that compute them (money,
rapid response, burden, focus): this module sits above them, so none imports it back."""

from __future__ import annotations

from grants.reporting import focus, portfolio_burden, portfolio_money, portfolio_rapid
from grants.reporting.portfolio import Period


def dashboard(period: Period, fund_id: int | None = None) -> dict:
    """Every figure of the portfolio page for `period` (and the one before it)."""
    previous = period.previous()
    return {
        "period": period, "previous": previous, "fund_id": fund_id,
        "money": portfolio_money.breakdowns(period, fund_id),
        **portfolio_money.awards_and_lines(period, fund_id),
        "rapid": portfolio_rapid.summary(period, fund_id),
        "burden": portfolio_burden.calls(period, fund_id),
        "reports": portfolio_burden.reports(period, fund_id),
        "focus": focus.tallies(period.years, previous.years, fund_id),
    }
