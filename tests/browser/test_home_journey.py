"""A group's member on a small phone: the home lists its work, an officer's question first,
and the application's page opens on that question; both fit a 320 px screen."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import assert_fits

QUESTION = "Which two towns will the trainings be held in?"


def _ask(live_app) -> int:
    """An officer asks a question about a new application of Voices for Land (the ngo's)."""
    import sqlalchemy as sa

    from grants.extensions import db
    from grants.models import ApplicationStatus, Call, CallType, Organisation, User
    from grants.review import decisions
    from tests import factories

    with live_app.app_context():
        call = db.session.scalar(sa.select(Call).where(Call.call_type == CallType.OPEN))
        voices = next(o for o in db.session.scalars(sa.select(Organisation))
                      if o.name == "Voices for Land")
        officer = db.session.scalar(sa.select(User).where(User.username == "officer"))
        application = factories.application(call, voices, status=ApplicationStatus.SUBMITTED,
                                            code_name="GR-ASK-BRWS")
        decisions.request_more_info(officer, application, QUESTION)
        db.session.commit()
        return application.id


def test_the_home_and_the_question_fit_a_small_phone(live_app, new_context, axe, screenshot):
    from demo.data import DEMO_PASSWORD

    application_id = _ask(live_app)
    page = new_context(viewport={"width": 320, "height": 640}).new_page()
    page.goto("/auth/login")
    page.locator("[name=username]").fill("ngo")
    page.locator("[name=password]").fill(DEMO_PASSWORD)
    page.locator("main form button[type=submit]").last.click()
    page.goto("/")
    first = page.locator("#work ol.work > li").first
    expect(first).to_have_class("action")
    expect(first).to_contain_text(QUESTION)
    expect(page.locator("header")).to_contain_text("1 question to answer")
    assert page.locator("#work ol.work > li").count() > 3  # the demo's awards, reports...
    assert_fits(page)
    axe.check(page)
    screenshot(page, "home_work_320")
    first.locator("a.button").click()
    expect(page).to_have_url(f"{page.url.split('/applications/')[0]}"
                             f"/applications/{application_id}#question")
    expect(page.locator("main section").first).to_have_id("question")
    expect(page.locator("#question")).to_contain_text(QUESTION)
    assert_fits(page)
    axe.check(page)
    screenshot(page)
    assert not axe.violations, axe.report()
