"""Spanish pages as a Spanish reader reads them: a draft's last step reads "intermediaria.
Elija cómo" with its space, and its budget shares are written "61,21 %" as Spanish writes
them. (A module of its own: tests/test_reading.py shares one world that this one would
write beside.)"""

from __future__ import annotations

from types import SimpleNamespace

from grants.extensions import db
from tests.reading import misformatted_percentages, read


def _spanish_draft(app, auth, amounts):
    """A group's draft in a call that offers the intermediary route, with budget lines of
    `amounts` (programme, protection, psychosocial), its owner signed in, pages in Spanish."""
    from grants.models import BudgetCategory, BudgetLine
    from tests import factories

    with app.app_context():
        owner = factories.user()
        org = factories.organisation(owner)
        call = factories.call(allow_intermediary_route=True)
        draft = factories.application(call, org, by=owner, budget=False)
        draft.budget_lines = [BudgetLine(category=cat, amount_minor=amount, currency=call.currency)
                              for cat, amount in zip((BudgetCategory.PROGRAMME,
                                                      BudgetCategory.PROTECTION_SECURITY,
                                                      BudgetCategory.PSYCHOSOCIAL), amounts,
                                                     strict=True)]
        db.session.commit()
        draft_id, owner_id = draft.id, owner.id
    auth.login(SimpleNamespace(id=owner_id))
    auth.client.set_cookie("lang", "es")
    return draft_id


def test_the_issues_spanish_review_page_reads_with_its_spaces(app, client, auth):
    draft_id = _spanish_draft(app, auth, (30_000, 61_210, 8_790))
    page = client.get(f"/applications/{draft_id}/step/5").get_data(as_text=True)
    text = read(page).text
    assert "intermediaria. Elija cómo" in " ".join(text.split())
    budget = read(client.get(f"/applications/{draft_id}/step/3").get_data(as_text=True)).text
    assert "61,21\u00a0%" in budget and "100\u00a0%" in budget
    assert misformatted_percentages(budget, "es") == []
