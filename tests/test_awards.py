"""Awards after approval: the one page, tranches gated by reports, amendments that must add
up and are recorded, light reports (short form, a file, a conversation), reminders, lists."""

from __future__ import annotations

import html
import io
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from grants.extensions import db
from grants.models import (
    AmendmentKind,
    AuditEvent,
    Award,
    AwardAmendment,
    AwardStatus,
    Report,
    ReportRequirement,
    SupportType,
    Tranche,
    User,
)
from tests import factories
from tests.awards import Grant, make_grant, schedule_data, tranche_states
from tests.conftest import count_queries

# The smallest PDF a reader opens (uploads are parsed to strip their metadata).
PDF = (b"%PDF-1.7\n1 0 obj <</Type/Catalog/Pages 2 0 R>> endobj\n2 0 obj <</Type/Pages"
       b"/Kids[3 0 R]/Count 1>> endobj\n3 0 obj <</Type/Page/Parent 2 0 R/MediaBox[0 0 200 "
       b"200]>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n")
SECRET = "The militia came to our office in March"


@pytest.fixture
def grant(app, world) -> Grant:
    return make_grant(app, world)


def _get(app, model, id_):
    with app.app_context():
        obj = db.session.get(model, id_)
        db.session.expunge(obj)
        return obj


def _amendments(app, grant: Grant) -> list[AwardAmendment]:
    with app.app_context():
        rows = list(db.session.scalars(sa.select(AwardAmendment).where(
            AwardAmendment.award_id == grant.id).order_by(AwardAmendment.id)))
        for row in rows:
            db.session.expunge(row)
        return rows


def _reports(app, requirement_id: int) -> list[tuple[str, str]]:
    with app.app_context():
        return [(r.kind.value, r.status.value) for r in db.session.scalars(
            sa.select(Report).where(Report.requirement_id == requirement_id)
            .order_by(Report.id))]


def _page(client, url: str) -> str:
    r = client.get(url)
    assert r.status_code == 200, url
    return html.unescape(r.data.decode())


def _release(client, grant: Grant, n: int):
    return client.post(f"{grant.url}/tranches/{grant.tranches[n - 1]}/release",
                       follow_redirects=True)


def _answer(client, grant: Grant, index: int, answers: list[str], **extra):
    data = {f"answer_{i}": text for i, text in enumerate(answers, start=1)} | extra
    return client.post(f"{grant.url}/requirements/{grant.requirements[index]}/report",
                       data=data, content_type="multipart/form-data")


def _latest_report_id(app, requirement_id: int) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.max(Report.id)).where(
            Report.requirement_id == requirement_id))


def _review(client, grant: Grant, report_id: int, decision: str, note: str = ""):
    return client.post(f"{grant.url}/reports/{report_id}/review",
                       data={"decision": decision, "note": note})


# The journey -------------------------------------------------------------------------------

def test_a_report_gates_the_second_tranche_until_it_is_accepted(app, client, auth, world,
                                                                grant):
    auth.login(world.officer)
    page = _page(client, grant.url)
    assert "Core support (unrestricted)" in page and "$3,000.00" in page
    assert page.count("$1,000.00") >= 3
    assert "<bdi>Year 1 short report</bdi>: not accepted yet" in page
    r = _release(client, grant, 1)  # the first tranche waits for nothing
    assert "Tranche 1 is released for payment." in r.data.decode()
    r = _release(client, grant, 2)
    assert "waits for “Year 1 short report” to be accepted" in html.unescape(r.data.decode())
    assert tranche_states(app, grant) == [(100_000, "released"), (100_000, "planned"),
                                          (100_000, "planned")]

    auth.login(world.applicant)
    page = _page(client, grant.url)
    assert "Release tranche" not in page and "Send this report" in page
    form = _page(client, f"{grant.url}/requirements/{grant.requirements[0]}/report")
    assert "What changed this year because of your work?" in form
    r = _answer(client, grant, 0, [SECRET, "Travel was hard.", ""])
    assert r.status_code == 302
    assert _reports(app, grant.requirements[0]) == [("short_form", "submitted")]

    auth.login(world.officer)
    report_id = _latest_report_id(app, grant.requirements[0])
    assert SECRET in _page(client, f"{grant.url}/reports/{report_id}")
    assert _review(client, grant, report_id, "accept").status_code == 302
    r = _release(client, grant, 2)
    assert "Tranche 2 is released for payment." in r.data.decode()
    assert tranche_states(app, grant)[1] == (100_000, "released")
    assert "already released" in _release(client, grant, 2).data.decode()
    with app.app_context():
        events = db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.action.in_(["report.submitted", "report.reviewed",
                                   "award.tranche_released"]))).all()
        assert len(events) == 4 and all(SECRET not in str(e.details) for e in events)


def test_an_officer_records_a_conversation_and_accepts_it(app, client, auth, world, grant):
    auth.login(world.officer)
    url = f"{grant.url}/requirements/{grant.requirements[1]}/conversation"
    assert "Record the report" in _page(client, url)
    r = client.post(url, data={"notes": "  "})
    assert r.status_code == 200 and "Write what was said in the conversation." in r.data.decode()
    r = client.post(url, data={"notes": SECRET})
    assert r.status_code == 302
    report_id = _latest_report_id(app, grant.requirements[1])
    assert _review(client, grant, report_id, "accept").status_code == 302
    assert _reports(app, grant.requirements[1]) == [("conversation", "accepted")]
    with app.app_context():
        report = db.session.get(Report, report_id)
        assert report.recorded_by_id == world.officer.id and report.submitted_by_id is None
    assert SECRET in _page(client, f"{grant.url}/reports/{report_id}")

    auth.login(world.applicant)  # the group sees that it was recorded, not the notes
    page = _page(client, f"{grant.url}/reports/{report_id}")
    assert "kept notes of the conversation" in page and SECRET not in page
    assert SECRET not in _page(client, grant.url)


def test_asking_for_more_lets_the_group_send_again(app, client, auth, world, grant, outbox):
    auth.login(world.applicant)
    _answer(client, grant, 0, ["We met twice.", "", ""])
    again = _answer(client, grant, 0, ["Once more", "", ""])
    assert "waiting for the programme officer" in again.data.decode()
    with app.app_context():  # after log-in, which puts back the world's (address-less) user
        db.session.get(User, world.applicant.id).email = "group@example.org"
        db.session.commit()
    auth.login(world.officer)
    report_id = _latest_report_id(app, grant.requirements[0])
    r = _review(client, grant, report_id, "changes")
    assert r.status_code == 200 and "Say what more you need" in r.data.decode()
    r = _review(client, grant, report_id, "changes", "Please say how many people you met.")
    assert r.status_code == 302, r.data.decode()
    (mail,) = outbox
    assert "people you met" not in mail.get_content()

    auth.login(world.applicant)
    page = _page(client, grant.url)
    assert "Please say how many people you met." in page
    form = _page(client, f"{grant.url}/requirements/{grant.requirements[0]}/report")
    assert "We met twice." in form  # what they wrote before is there to add to
    assert _answer(client, grant, 0, ["We met twice, 40 people.", "", ""]).status_code == 302
    assert _reports(app, grant.requirements[0]) == [("short_form", "changes_requested"),
                                                    ("short_form", "submitted")]


def test_a_report_written_for_another_funder_can_be_uploaded(app, client, auth, world, grant):
    auth.login(world.applicant)
    r = _answer(client, grant, 0, ["", "", ""],
                upload=(io.BytesIO(PDF), "Informe anual para otro donante.pdf"))
    assert r.status_code == 302
    report_id = _latest_report_id(app, grant.requirements[0])
    auth.login(world.officer)
    page = _page(client, f"{grant.url}/reports/{report_id}")
    assert "Informe anual para otro donante.pdf" in page
    r = client.get(f"{grant.url}/reports/{report_id}/file")
    assert r.status_code == 200 and r.data == PDF
    assert r.headers["Content-Type"] == "application/pdf"
    assert r.headers["Content-Disposition"].startswith("attachment;")
    with app.app_context():
        details = [str(e.details) for e in db.session.scalars(sa.select(AuditEvent))]
        assert not any("Informe" in d for d in details)
    auth.login(world.stranger)
    assert client.get(f"{grant.url}/reports/{report_id}/file").status_code == 404


@pytest.mark.parametrize("content, name, message", [
    (b"", "empty.pdf", "That file is empty."),
    (PDF + b"x" * 2048, "big.pdf", "larger than"),
    (b"MZ\x90\x00" + b"\x00" * 100, "report.pdf", "Send a PDF, Word"),
])
def test_a_bad_upload_is_refused_and_the_answers_are_kept(app, client, auth, world, grant,
                                                          monkeypatch, content, name, message):
    monkeypatch.setitem(app.config, "UPLOAD_MAX_BYTES", 1024)
    auth.login(world.applicant)
    r = _answer(client, grant, 0, ["Our answer stays here", "", ""],
                upload=(io.BytesIO(content), name))
    page = html.unescape(r.data.decode())
    assert r.status_code == 200 and message in page and "Our answer stays here" in page
    assert _reports(app, grant.requirements[0]) == []


def test_an_empty_short_report_is_refused(app, client, auth, world, grant):
    auth.login(world.applicant)
    r = _answer(client, grant, 0, ["", " ", ""])
    assert r.status_code == 200 and "Answer at least one question" in r.data.decode()
    assert _reports(app, grant.requirements[0]) == []


def test_a_report_cannot_be_accepted_once_the_award_is_closed(app, client, auth, world, grant):
    auth.login(world.applicant)
    _answer(client, grant, 0, ["We met.", "", ""])
    report_id = _latest_report_id(app, grant.requirements[0])
    with app.app_context():
        db.session.get(Award, grant.id).status = AwardStatus.CLOSED
        db.session.commit()
    auth.login(world.officer)
    r = _review(client, grant, report_id, "changes", "I kept this note")
    page = html.unescape(r.data.decode())
    assert r.status_code == 200 and "This award is closed" in page and "I kept this note" in page
    assert _reports(app, grant.requirements[0]) == [("short_form", "submitted")]


# Amendments --------------------------------------------------------------------------------

def test_a_schedule_that_does_not_add_up_is_refused_then_a_good_one_is_recorded(
        app, client, auth, world, grant):
    auth.login(world.officer)
    url = f"{grant.url}/schedule"
    assert 'value="1000.00"' in _page(client, url)
    dates = ["2026-01-15", "2027-02-01", "2028-02-01"]
    gates = ["", str(grant.requirements[0]), str(grant.requirements[1])]
    r = client.post(url, data=schedule_data(grant, ["1500", "1000", "1000"], dates, gates))
    page = html.unescape(r.data.decode())
    assert r.status_code == 200 and "The tranches add up to $3,500.00, but the award is " \
        "$3,000.00" in page
    assert 'value="1500"' in page and 'value="2027-02-01"' in page  # nothing typed is lost
    assert tranche_states(app, grant) == [(100_000, "planned")] * 3  # nothing changed
    r = client.post(url, data=schedule_data(grant, ["abc", "1000", "1000"], dates, gates))
    assert "Enter an amount in numbers" in r.data.decode()

    r = client.post(url, data=schedule_data(grant, ["1500", "1000", "500"], dates, gates,
                                            reason="Rent is due early"))
    assert r.status_code == 302
    assert [a for a, _ in tranche_states(app, grant)] == [150_000, 100_000, 50_000]
    (amendment,) = _amendments(app, grant)
    assert amendment.kind == AmendmentKind.SCHEDULE_CHANGE
    assert amendment.actor_id == world.officer.id and amendment.reason == "Rent is due early"
    assert amendment.details["before"][0]["amount_minor"] == 100_000
    assert amendment.details["after"][0] == {"sequence": 1, "amount_minor": 150_000,
                                             "due_date": "2026-01-15", "gate": None}
    page = _page(client, grant.url)
    assert "Schedule changed" in page and "Rent is due early" in page
    auth.login(world.applicant)
    page = _page(client, grant.url)
    assert "Schedule changed" in page and "Rent is due early" not in page


def test_a_released_tranche_stays_out_of_the_schedule(app, client, auth, world, grant):
    auth.login(world.officer)
    _release(client, grant, 1)
    data = {f"amount_{t}": a for t, a in zip(grant.tranches[1:], ["1500", "500"],
                                                strict=True)}
    data |= {f"due_{t}": "2027-06-01" for t in grant.tranches[1:]}
    data |= {f"gate_{t}": "" for t in grant.tranches[1:]}
    r = client.post(f"{grant.url}/schedule", data=data)
    assert r.status_code == 302
    assert tranche_states(app, grant) == [(100_000, "released"), (150_000, "planned"),
                                          (50_000, "planned")]
    r = _release(client, grant, 2)  # no longer gated: the officer removed the gate
    assert "Tranche 2 is released" in r.data.decode()


def test_a_no_cost_extension_moves_the_end_later_only(app, client, auth, world, grant):
    auth.login(world.officer)
    url = f"{grant.url}/extend"
    for day, message in (("2025-06-01", "cannot be before the award starts"),
                         ("2028-06-01", "later than it is now (2028-12-31)"),
                         ("", "Enter a date like")):
        r = client.post(url, data={"end_date": day, "reason": "Elections"})
        page = html.unescape(r.data.decode())
        assert r.status_code == 200 and message in page and "Elections" in page
    assert _amendments(app, grant) == []
    assert client.post(url, data={"end_date": "2029-06-30"}).status_code == 302
    assert _get(app, Award, grant.id).end_date == date(2029, 6, 30)
    assert _get(app, Award, grant.id).amount_minor == 300_000
    (amendment,) = _amendments(app, grant)
    assert amendment.kind == AmendmentKind.NO_COST_EXTENSION
    assert amendment.details == {"before": {"end_date": "2028-12-31"},
                                 "after": {"end_date": "2029-06-30"}}
    assert "End date 2028-12-31 → 2029-06-30" in _page(client, grant.url)


def _budget(app, grant) -> dict[int, int]:
    """The award's budget lines as {id: amount in minor units}, in id order."""
    with app.app_context():
        return {line.id: line.amount_minor for line in sorted(
            db.session.get(Award, grant.id).budget_lines, key=lambda b: b.id)}


def _typed(lines: dict[int, int], **changed: str) -> dict[str, str]:
    """The reallocation form as an officer fills it in: every line, a few changed."""
    return {f"line_{i}": changed.get(f"line_{i}", f"{amount / 100:.2f}")
            for i, amount in lines.items()}


def test_money_moves_between_budget_lines_only_when_the_total_stays(app, client, auth, world,
                                                                    grant):
    lines = _budget(app, grant)
    ids = list(lines)
    # The application's one-year budget (70/20/10 %) spread over the award's three years.
    assert list(lines.values()) == [70_000] * 3 + [20_000] * 3 + [10_000] * 3
    auth.login(world.officer)
    url = f"{grant.url}/budget"
    r = client.post(url, data=_typed(lines, **{f"line_{ids[0]}": "600"}))
    page = html.unescape(r.data.decode())
    assert r.status_code == 200 and "add up to $2,900.00, but the budget is $3,000.00" in page
    assert 'value="600"' in page
    r = client.post(url, data={**_typed(lines, **{f"line_{ids[0]}": "600",
                                                  f"line_{ids[3]}": "300"}),
                               "reason": "More for safety"})
    assert r.status_code == 302
    (amendment,) = _amendments(app, grant)
    assert amendment.kind == AmendmentKind.BUDGET_REALLOCATION
    assert amendment.details == {"before": {str(ids[0]): 70_000, str(ids[3]): 20_000},
                                 "after": {str(ids[0]): 60_000, str(ids[3]): 30_000}}
    page = _page(client, grant.url)
    assert "year 1, Protection and security: $200.00 → $300.00" in page


def test_a_reallocation_can_move_money_into_a_later_year(app, client, auth, world, grant):
    lines = _budget(app, grant)
    ids = list(lines)
    auth.login(world.officer)
    less = _typed(lines, **{f"line_{ids[0]}": "200"})
    new = {"new_category": "programme", "new_year": "2", "new_description": "Radio, year 2"}
    r = client.post(f"{grant.url}/budget", data={**less, **new, "new_amount": "400"})
    assert "but the budget is $3,000.00" in html.unescape(r.data.decode())
    r = client.post(f"{grant.url}/budget", data={**less, **new, "new_amount": "500",
                                                 "new_year": "4"})
    assert "Choose a year from 1 to 3." in r.data.decode()
    for typed in ("\u00b2", "99999999999999999999", "-1"):  # "²" passes str.isdigit()
        r = client.post(f"{grant.url}/budget", data={**less, **new, "new_amount": "500",
                                                     "new_year": typed})
        assert "Choose a year from 1 to 3." in r.data.decode(), typed
    r = client.post(f"{grant.url}/budget", data={**less, **new, "new_amount": "500"})
    assert r.status_code == 302
    after = _budget(app, grant)
    assert after[ids[0]] == 20_000 and sum(after.values()) == 300_000
    with app.app_context():
        (added,) = [b for b in db.session.get(Award, grant.id).budget_lines if b.id not in lines]
        assert (added.year, added.amount_minor, added.description) == (2, 50_000,
                                                                       "Radio, year 2")
    page = _page(client, grant.url)
    assert "Radio, year 2" in page and "year 2, Activities: $0.00 → $500.00" in page


def test_a_short_report_asks_at_most_three_questions(app, client, auth, world, grant):
    auth.login(world.officer)
    url = f"{grant.url}/requirements/{grant.requirements[0]}/edit"
    four = "What changed?\nWhat was hard?\nWhat next?\nAnything else?"
    r = client.post(url, data={"title": "Year 1", "due_date": "2026-11-01", "questions": four})
    page = r.data.decode()
    assert r.status_code == 200 and "at most 3 questions; this has 4" in page
    assert "Anything else?" in page
    r = client.post(url, data={"title": "Year 1 report", "due_date": "2026-11-01",
                               "questions": "What changed?\n\nWhat next?"})
    assert r.status_code == 302
    requirement = _get(app, ReportRequirement, grant.requirements[0])
    assert requirement.questions == ["What changed?", "What next?"]
    assert requirement.due_date == date(2026, 11, 1)
    (amendment,) = _amendments(app, grant)
    assert amendment.kind == AmendmentKind.REPORTING_CHANGE


def test_changes_are_refused_on_a_closed_award(app, client, auth, world, grant):
    with app.app_context():
        db.session.get(Award, grant.id).status = AwardStatus.CLOSED
        db.session.commit()
    auth.login(world.officer)
    r = client.post(f"{grant.url}/extend", data={"end_date": "2030-01-01"})
    assert "can no longer be changed" in r.data.decode()
    assert "Only a tranche of an active award" in _release(client, grant, 1).data.decode()
    assert _amendments(app, grant) == []


# Who sees what -----------------------------------------------------------------------------

def test_the_group_sees_its_award_without_officer_tools(app, client, auth, world, grant):
    auth.login(world.applicant)
    page = _page(client, grant.url)
    for section in ('id="budget"', 'id="tranches"', 'id="reports"', 'id="history"',
                    'id="messages"'):
        assert section in page
    for tool in ("/schedule", "/extend", "/budget", "/conversation", "/release", "/edit"):
        assert f'{grant.url}{tool}' not in page
    assert "Fund " not in page.split('id="budget"')[0]
    auth.login(world.stranger)
    assert client.get(grant.url).status_code == 404


def test_a_pending_award_is_for_officers_only(app, client, auth, world):
    url = f"/awards/{world.pending_award.id}"
    auth.login(world.stranger)  # the group learns of it once it is active
    assert client.get(url).status_code == 404
    auth.login(world.officer)
    page = _page(client, url)
    assert "Waiting for a second approval" in page
    confirm = "review.confirm_approval" in app.view_functions
    assert ("Confirm the approval" in page) == confirm  # officer did not make the first one


def test_the_lists(app, client, auth, world):
    project = make_grant(app, world, years=1, support=SupportType.PROJECT)
    other = make_grant(app, world, years=2, org_id=world.other_org.id)
    auth.login(world.officer)
    page = _page(client, "/awards/")
    for award_id in (project.id, other.id, world.award.id, world.pending_award.id):
        assert f'href="/awards/{award_id}"' in page
    page = _page(client, "/awards/?support=project")
    assert f'href="/awards/{project.id}"' in page and f'href="/awards/{other.id}"' not in page
    page = _page(client, "/awards/?status=pending_approval")
    assert f'href="/awards/{world.pending_award.id}"' in page
    assert f'href="/awards/{project.id}"' not in page

    auth.login(world.applicant)
    page = _page(client, "/awards/")
    assert "Your awards" in page and f'href="/awards/{project.id}"' in page
    assert f'href="/awards/{other.id}"' not in page
    assert f'href="/awards/{world.pending_award.id}"' not in page
    auth.login(world.reviewer)
    assert "no awards yet" in _page(client, "/awards/")


def test_the_officer_list_is_paginated(app, client, auth, world, monkeypatch):
    from grants.awards import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    make_grant(app, world, years=1)
    make_grant(app, world, years=2)  # with the world's, three active awards
    auth.login(world.officer)
    first = _page(client, "/awards/?status=active")
    assert "Page 1 of 2" in first and 'rel="next"' in first
    assert "Page 2 of 2" in _page(client, "/awards/?status=active&page=2")


def test_changes_lock_the_award_row(app, client, auth, world, grant):
    auth.login(world.officer)
    with count_queries(app) as statements:
        client.post(f"{grant.url}/extend", data={"end_date": "2029-06-30"})
        _release(client, grant, 1)
    with app.app_context():
        dialect = db.session.get_bind().dialect.name
    locks = [s for s in statements if s.startswith("SELECT awards.") and "FOR UPDATE" in s]
    assert len(locks) == (2 if dialect == "postgresql" else 0)  # SQLite: a single writer


def test_the_award_page_reads_a_fixed_number_of_times(app, client, auth, world):
    small = make_grant(app, world, years=1)
    large = make_grant(app, world, years=3)
    with app.app_context():
        for requirement_id in large.requirements:
            requirement = db.session.get(ReportRequirement, requirement_id)
            factories.report(requirement, db.session.get(User, world.applicant.id))
        db.session.commit()
    auth.login(world.officer)
    client.get(small.url)  # warm up whatever a first request loads once
    with count_queries(app) as one_year:
        _page(client, small.url)
    with count_queries(app) as three_years:
        _page(client, large.url)
    assert len(three_years) == len(one_year)


# Reminders ---------------------------------------------------------------------------------

def test_a_reminder_goes_once_per_report_near_its_due_date(app, world, outbox, grant):
    from grants.awards import reports

    with app.test_request_context():  # a notice links to the portal
        db.session.get(User, world.applicant.id).email = "group@example.org"
        db.session.commit()
        # Year 1 reports fall due on 2 December 2026: 14 days before, the reminders go out.
        early = reports.remind(datetime(2026, 11, 1, tzinfo=UTC), 14)
        assert early == 0 and outbox == []
        sent = reports.remind(datetime(2026, 11, 20, tzinfo=UTC), 14)
        db.session.commit()
    # The world's award already has its year 1 report sent: only this grant's is reminded.
    assert sent == 1 and len(outbox) == 1
    assert "Year 1" not in outbox[0].get_content()
    with app.app_context():
        assert db.session.get(ReportRequirement, grant.requirements[0]).reminded_at
        assert reports.remind(datetime(2026, 11, 21, tzinfo=UTC), 14) == 0
    assert len(outbox) == 1


def test_the_remind_reports_command(app, runner, world, outbox, grant, monkeypatch):
    with app.app_context():
        db.session.get(User, world.applicant.id).email = "group@example.org"
        db.session.execute(sa.update(ReportRequirement).values(due_date=date(2099, 1, 1)))
        db.session.get(ReportRequirement, grant.requirements[0]).due_date = \
            datetime.now(UTC).date() + timedelta(days=3)
        db.session.commit()
    monkeypatch.setitem(app.config, "PORTAL_URL", None)  # as in production, unset
    assert "PORTAL_URL" in runner.invoke(args=["remind-reports"]).output
    assert outbox == []
    monkeypatch.setitem(app.config, "PORTAL_URL", "https://portal.example/")
    result = runner.invoke(args=["remind-reports"])
    assert result.output.strip() == "Reminders sent for 1 report(s)."
    assert len(outbox) == 1 and "https://portal.example/" in outbox[0].get_content()
    again = runner.invoke(args=["remind-reports"])
    assert again.output.strip() == "Reminders sent for 0 report(s)." and len(outbox) == 1


def test_reports_are_only_taken_on_an_active_award(app, client, auth, world, grant):
    with app.app_context():
        db.session.get(Award, grant.id).status = AwardStatus.SUSPENDED
        db.session.commit()
    auth.login(world.applicant)
    assert _answer(client, grant, 0, ["We met.", "", ""]).status_code == 403
    assert "Send this report" not in _page(client, grant.url)
    assert _reports(app, grant.requirements[0]) == []


def test_an_officer_who_declared_a_conflict_does_not_see_the_award(app, client, auth, world,
                                                                   grant):
    with app.app_context():
        award = db.session.get(Award, grant.id)
        factories.assign(award.application, db.session.get(User, world.officer.id),
                         conflict=True)
        db.session.commit()
    auth.login(world.officer)
    assert client.get(grant.url).status_code == 404
    assert client.post(f"{grant.url}/tranches/{grant.tranches[0]}/release").status_code == 404
    assert f"/awards/{grant.id}\"" not in _page(client, "/awards/")


def test_the_group_never_sees_an_award_that_was_not_approved(app, client, auth, world):
    with app.app_context():
        pending = db.session.get(Award, world.pending_award.id)
        pending.status = AwardStatus.CANCELLED  # e.g. declined while it waited
        db.session.commit()
    auth.login(world.stranger)
    assert client.get(f"/awards/{world.pending_award.id}").status_code == 404
    assert world.pending_award.reference not in _page(client, "/awards/")


# Suspend, resume, close --------------------------------------------------------------------

def test_suspend_resume_and_close_an_award(app, client, auth, world, grant, outbox):
    with app.app_context():
        db.session.get(User, world.applicant.id).email = "group@example.org"
        db.session.commit()
    auth.login(world.officer)
    url = f"{grant.url}/status"
    page = _page(client, url)
    assert "Suspend it" in page and "Resume it" not in page
    r = client.post(url, data={"action": "suspend", "reason": ""})
    assert r.status_code == 200 and "Write why" in html.unescape(r.data.decode())
    assert _get(app, Award, grant.id).status == AwardStatus.ACTIVE
    assert client.post(url, data={"action": "resume", "reason": "x"}).status_code == 200
    assert client.post(url, data={"action": "suspend",
                                  "reason": SECRET}).status_code == 302
    assert _get(app, Award, grant.id).status == AwardStatus.SUSPENDED
    assert "Only a tranche of an active award" in html.unescape(
        _release(client, grant, 1).data.decode())
    assert _get(app, Tranche, grant.tranches[0]).status.value == "planned"
    assert client.post(url, data={"action": "resume"}).status_code == 302
    _release(client, grant, 1)
    assert _get(app, Tranche, grant.tranches[0]).status.value == "released"

    # Closing cancels what was not released and says how much.
    assert "$2,000.00 will not be paid" in _page(client, url)
    assert client.post(url, data={"action": "close", "reason": "Ended early"}).status_code == 302
    award = _get(app, Award, grant.id)
    assert award.status == AwardStatus.CLOSED and award.closed_at is not None
    assert [_get(app, Tranche, t).status.value for t in grant.tranches] == [
        "released", "cancelled", "cancelled"]
    with app.app_context():
        amendment = db.session.scalars(sa.select(AwardAmendment).where(
            AwardAmendment.award_id == grant.id).order_by(AwardAmendment.id.desc())).first()
        assert amendment.kind == AmendmentKind.STATUS_CHANGE
        assert amendment.details["after"] == {"status": "closed", "cancelled_tranches": [2, 3],
                                              "unreleased_minor": 200_000}
        events = db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.action == "award.status_change")).all()
        assert len(events) == 3 and all(SECRET not in str(e.details) for e in events)
    history = _page(client, grant.url)
    assert "Active → Suspended" in history and "Suspended → Closed" not in history
    assert "Active → Closed" in history and "not released and cancelled" in history
    assert "A closed or cancelled award does not change" in _page(client, url)
    assert client.post(url, data={"action": "resume"}).status_code == 200
    # The group heard three times that there is news, and nothing else.
    assert len(outbox) == 3 and all(SECRET not in m.get_content() for m in outbox)
    auth.login(world.applicant)
    assert client.get(url).status_code == 403
    assert SECRET not in _page(client, grant.url)
