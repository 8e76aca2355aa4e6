"""Small-cell suppression elsewhere in the portal has the upward report's
hole: a figure shown for a whole minus the figures shown for its other parts gives away
a part kept hidden. The portfolio's focus populations are counted per fund and year and
shown for one fund or all, for any years; the survey is counted per quarter and shown for
any run of quarters. Each test reads two pages a reader may open and checks that the
hidden part cannot be worked out from them."""

from __future__ import annotations

import html
import re

from grants import disclosure
from grants.extensions import db
from grants.models import FocusTally, SurveyResponse
from tests import factories


def _focus_row(page: str, label: str) -> list[str]:
    section = html.unescape(page[page.index('id="focus"'):])
    row = re.search(rf'<th scope="row">{label}</th>(.*?)</tr>', section).group(1)
    return re.findall(r'<td class="num">(.*?)</td>', row)


def test_all_funds_minus_one_fund_gives_no_small_fund_away(app, client, auth, world):
    with app.app_context():
        other = factories.fund()
        db.session.add_all([
            FocusTally(fund_id=world.fund.id, year=2026, population="women", count=7),
            FocusTally(fund_id=other.id, year=2026, population="women", count=2)])
        db.session.commit()
    auth.login(world.officer)
    period = "/portfolio/?start=2026-01-01&end=2026-12-31"
    one = _focus_row(client.get(f"{period}&fund={world.fund.id}").data.decode(), "Women")
    everyone = _focus_row(client.get(period).data.decode(), "Women")
    assert one[0] == "7"  # the fund's own figure stands
    assert everyone[0] == "not shown", everyone  # 9 - 7 would be the other fund's 2


def test_a_run_of_quarters_minus_one_quarter_gives_no_small_quarter_away(
        app, client, auth, world):
    with app.app_context():
        db.session.add_all(
            [SurveyResponse(period="2026-Q1", respectful=1, burden=5, useful=1)
               for _ in range(2)]
            + [SurveyResponse(period="2026-Q2", respectful=5, burden=1, useful=5)
               for _ in range(6)])
        db.session.commit()
    auth.login(world.officer)

    def voice(start: str, end: str) -> str:
        page = client.get(f"/portfolio/?start={start}&end={end}").data.decode()
        return page[page.index('id="voice"'):]

    assert "Fewer than 5 answers" not in voice("2026-04-01", "2026-06-30")  # Q2's 6
    # Q1 + Q2 would show 8 answers and averages; minus Q2's, Q1's two answers
    assert "Fewer than 5 answers" in voice("2026-01-01", "2026-06-30")


def test_a_sum_is_shown_only_when_every_part_could_be():
    assert disclosure.sum_of_parts([7, 5, 0], 5) == 12
    assert disclosure.sum_of_parts([7, 2], 5) is None
    assert disclosure.sum_of_parts([], 5) == 0
    assert disclosure.sum_of_parts([3], 5) is None
