"""Templates are fed by their views (STYLE 15): what every template may reach without its
view passing it is a fixed list, so a context processor or template global that hands
templates a query or a business rule fails here; and the rules the pages used to decide
in their templates are service functions, tested as such."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import is_dataclass
from datetime import UTC, date, datetime, timedelta
from enum import EnumMeta

import jinja2.defaults

from grants.applications.calls import display as call_services
from grants.awards import reports, schedule
from grants.intermediaries import subgrants
from grants.models import (
    Application,
    ApplicationStatus,
    Award,
    AwardStatus,
    Call,
    CallStatus,
    Report,
    ReportRequirement,
    ReportStatus,
    SubGrant,
    Tranche,
    TrancheStatus,
)
from grants.review import services as review_services

# What every page needs: the user, the language and its direction, the language chooser,
# CSRF, and the policy templates ask (STYLE 7).
EVERY_PAGE = {"current_user", "csrf_token", "csrf_meta_tag", "can", "Permission", "lang",
              "text_dir", "languages"}

# Formatting only, for every page: money, names, references, countries, text in its
# language, and the main menu (on every page).
GLOBALS = {"format_money", "country_name", "role_label", "display_title", "group_name",
           "in_language", "other_language", "application_title", "main_menu",
           # Flask's, Flask-WTF's and the gettext callables installed by the factory.
           "url_for", "get_flashed_messages", "config", "request", "session", "g",
           "csrf_token", "csrf_meta_tag", "_", "gettext", "ngettext", "pgettext", "npgettext"}

# A blueprint's own pages may get formatting helpers (a figure, a percentage, a chart drawn
# from figures its view passed, which wording of a question to show).
FORMATTERS = {
    "calls": {"language_name", "native_language_name", "type_label", "status_label",
              "question_prompt", "question_wording", "rewordings", "share"},
    "applications": {"problem_text", "language_name", "percent", "share_bp"},
    "review": {"type_label"},
    "reporting": {"pct", "hours", "number", "year_span", "key_label", "money_chart",
                  "category_chart", "share_rows", "share_chart", "rapid_chart"},
    "voice": {"country_name"},
    # Whether a route exists (the link to it is shown only then); no query.
    "intermediaries": {"view_functions"},
}


def _label_like(name: str, value) -> bool:
    """A table of labels or figures, or an enum: data to look up, nothing to run."""
    if isinstance(value, EnumMeta):
        return True
    if callable(value) or isinstance(value, type(jinja2)):
        return False
    return isinstance(value, (Mapping, tuple, int, str)) or is_dataclass(value)


def _offered(app) -> dict:
    """{blueprint (None: every page): {name: value}} of the app's own context processors."""
    offered: dict = {}
    with app.test_request_context("/"):
        for scope, processors in app.template_context_processors.items():
            for processor in processors:
                if processor.__module__.startswith("flask."):
                    continue  # Flask's g and request
                offered.setdefault(scope, {}).update(processor())
    return offered


def test_every_page_gets_only_what_every_page_needs(app):
    """An app-wide processor feeds every template: only the page's frame goes there (labels
    live on their enums)."""
    extra = set(_offered(app)[None]) - EVERY_PAGE
    assert extra == set(), f"app-wide template names not every page needs: {extra}"


def test_a_blueprints_templates_get_labels_and_formatting_only(app):
    for scope, names in _offered(app).items():
        if scope is None:
            continue
        allowed = FORMATTERS.get(scope, set())
        extra = {n for n, v in names.items() if n not in allowed and not _label_like(n, v)}
        assert extra == set(), f"{scope}: templates given {extra}; pass it from the view"


def test_template_globals_are_formatting_only(app):
    names = set(app.jinja_env.globals) - set(jinja2.defaults.DEFAULT_NAMESPACE)
    extra = names - GLOBALS
    assert extra == set(), f"template globals {extra}: pass them from the views that use them"


# The rules the award and call pages show, as services ----------------------------------

TODAY = date(2026, 6, 1)


def _requirement(award_status: AwardStatus, due: date, *statuses: ReportStatus):
    award = Award(status=award_status)
    requirement = ReportRequirement(award=award, due_date=due)
    requirement.reports = [Report(id=n, status=s) for n, s in enumerate(statuses, 1)]
    return requirement


def test_a_report_is_overdue_only_past_its_date_on_an_active_award_and_unsettled():
    late = TODAY - timedelta(days=1)
    assert reports.is_overdue(_requirement(AwardStatus.ACTIVE, late), TODAY)
    assert reports.is_overdue(
        _requirement(AwardStatus.ACTIVE, late, ReportStatus.CHANGES_REQUESTED), TODAY)
    assert not reports.is_overdue(_requirement(AwardStatus.ACTIVE, TODAY), TODAY)
    assert not reports.is_overdue(_requirement(AwardStatus.SUSPENDED, late), TODAY)
    assert not reports.is_overdue(
        _requirement(AwardStatus.ACTIVE, late, ReportStatus.SUBMITTED), TODAY)


def test_a_report_is_settled_by_its_last_sending_waiting_or_accepted():
    assert not reports.is_settled(_requirement(AwardStatus.ACTIVE, TODAY))
    assert reports.is_settled(_requirement(AwardStatus.ACTIVE, TODAY, ReportStatus.SUBMITTED))
    assert reports.is_settled(_requirement(AwardStatus.ACTIVE, TODAY, ReportStatus.ACCEPTED))
    assert not reports.is_settled(_requirement(
        AwardStatus.ACTIVE, TODAY, ReportStatus.SUBMITTED, ReportStatus.CHANGES_REQUESTED))


def test_a_report_can_be_sent_while_the_award_is_active_and_nothing_settles_it():
    assert reports.can_send(_requirement(AwardStatus.ACTIVE, TODAY))
    assert reports.can_send(
        _requirement(AwardStatus.ACTIVE, TODAY, ReportStatus.CHANGES_REQUESTED))
    assert not reports.can_send(_requirement(AwardStatus.ACTIVE, TODAY, ReportStatus.ACCEPTED))
    assert not reports.can_send(_requirement(AwardStatus.CLOSED, TODAY))
    assert not reports.settles(None)


def test_a_planned_tranche_of_an_active_award_can_be_released():
    planned, released = Tranche(status=TrancheStatus.PLANNED), \
        Tranche(status=TrancheStatus.RELEASED)
    assert schedule.can_release(Award(status=AwardStatus.ACTIVE), planned)
    assert not schedule.can_release(Award(status=AwardStatus.ACTIVE), released)
    assert not schedule.can_release(Award(status=AwardStatus.SUSPENDED), planned)


NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
DAY = timedelta(days=1)


def test_a_call_is_closed_when_closed_or_past_its_deadline():
    assert call_services.closed(Call(status=CallStatus.CLOSED), NOW)
    assert call_services.closed(Call(status=CallStatus.OPEN, closes_at=NOW - DAY), NOW)
    assert not call_services.closed(Call(status=CallStatus.OPEN, closes_at=NOW + DAY), NOW)
    assert not call_services.closed(Call(status=CallStatus.OPEN), NOW)


def test_an_open_call_past_its_deadline_says_so():
    assert call_services.past_deadline(Call(status=CallStatus.OPEN, closes_at=NOW - DAY), NOW)
    assert not call_services.past_deadline(
        Call(status=CallStatus.CLOSED, closes_at=NOW - DAY), NOW)
    assert not call_services.past_deadline(
        Call(status=CallStatus.OPEN, closes_at=NOW + DAY), NOW)


def test_a_call_with_an_opening_date_still_ahead_opens_later():
    assert call_services.opens_later(Call(status=CallStatus.OPEN, opens_at=NOW + DAY), NOW)
    assert not call_services.opens_later(Call(status=CallStatus.OPEN, opens_at=NOW - DAY), NOW)
    assert not call_services.opens_later(Call(status=CallStatus.OPEN), NOW)


def test_an_application_is_open_for_review_from_sending_to_its_decision():
    open_ = {s for s in ApplicationStatus if review_services.open_for_review(Application(status=s))}
    assert open_ == {ApplicationStatus.SUBMITTED, ApplicationStatus.UNDER_REVIEW,
                     ApplicationStatus.MORE_INFO_REQUESTED}


def test_what_is_left_to_pay_of_a_sub_grant():
    assert subgrants.left_to_pay(SubGrant(amount_minor=50_000, paid_minor=20_000)) == 30_000
    assert subgrants.left_to_pay(SubGrant(amount_minor=50_000, paid_minor=50_000)) == 0
