"""The applicant's journey: start, steps that never lose a draft, budget rules, files,
review and submission, withdraw and delete, and what officers may (not) see."""

from __future__ import annotations

import gzip
import io
import re
import zipfile
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from grants.applications import budget, documents, services
from grants.extensions import db
from grants.models import (
    Application,
    ApplicationAnswer,
    ApplicationDocument,
    ApplicationStatus,
    AuditEvent,
    Call,
    CallQuestion,
    CallStatus,
    Organisation,
    UserSession,
)
from grants.models.types import utcnow
from tests import factories
from tests.factories import PASSWORD


def _zip(entries: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in entries.items():
            archive.writestr(name, text)
    return buf.getvalue()


# The smallest PDF a reader opens (uploads are parsed to strip their metadata).
PDF = (b"%PDF-1.7\n1 0 obj <</Type/Catalog/Pages 2 0 R>> endobj\n2 0 obj <</Type/Pages"
       b"/Kids[3 0 R]/Count 1>> endobj\n3 0 obj <</Type/Page/Parent 2 0 R/MediaBox[0 0 200 "
       b"200]>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n")
DOCX = _zip({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>"})
ODT = _zip({"mimetype": "application/vnd.oasis.opendocument.text", "content.xml": "<o/>"})
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 200
SECRET = "Police came to the office on 3 May"


def _rows(*rows) -> dict[str, str]:
    """Budget rows as the form posts them: (category, description, amount[, year])."""
    data = {}
    for i, row in enumerate(rows):
        category, description, amount, *year = row
        data.update({f"rows-{i}-category": category, f"rows-{i}-description": description,
                     f"rows-{i}-amount": amount, f"rows-{i}-year": str(year[0] if year else 1)})
    return data


GOOD_BUDGET = _rows(("programme", "Radio shows", "700"), ("protection_security", "Locks", "200"),
                    ("psychosocial", "Counselling", "100"))


def _step(client, application_id: int, number: int, data=None, **kwargs):
    return client.post(f"/applications/{application_id}/step/{number}", data=data or {},
                       **kwargs)


def _get(app, application_id: int) -> Application:
    return db.session.get(Application, application_id)


def _answers(app, world) -> dict[str, str]:
    return {f"q{q}": "We keep each other safe." for q in _questions(app, world)}


def _configure_call(app, world, **fields) -> None:
    with app.app_context():
        call = db.session.get(Call, world.call.id)
        for key, value in fields.items():
            setattr(call, key, value)
        db.session.commit()


def _questions(app, world) -> list[int]:
    with app.app_context():
        return [q.id for q in db.session.get(Call, world.call.id).questions]


# The journey ------------------------------------------------------------------------------

def test_the_journey_from_a_call_to_an_officer(app, client, auth, world):
    auth.login(world.applicant)
    page = client.get(f"/applications/new/{world.call.id}").data.decode()
    assert "Protection 2027" in page and "You already started" in page  # world.application
    r = client.post(f"/applications/new/{world.call.id}", data={
        "organisation": "new", "name": "River Keepers", "kind": "unregistered_group",
        "country": "PE", "language": "es"})
    assert r.status_code == 302
    app_id = int(re.search(r"/applications/(\d+)/step/1$", r.headers["Location"])[1])
    with app.app_context():
        a = _get(app, app_id)
        assert re.fullmatch(r"GR-[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}", a.code_name)
        assert (a.language, a.currency, a.country) == ("es", "USD", "PE")
        assert a.organisation.name == "River Keepers" and a.status == ApplicationStatus.DRAFT
        code = a.code_name
    r = _step(client, app_id, 1, {"title": "Safe radio", "language": "es", "risk_level": "high",
                                  "threat_description": SECRET, "safe_contact": "Signal"})
    assert r.headers["Location"].endswith(f"/applications/{app_id}/step/2")
    r = _step(client, app_id, 2, {f"q{q}": "Nuestra respuesta." for q in _questions(app, world)})
    assert r.headers["Location"].endswith("/step/3")
    no_protection = _rows(("programme", "Radio", "900"), ("psychosocial", "Rest", "100"))
    r = _step(client, app_id, 3, no_protection)
    assert r.status_code == 200 and "Add a protection or security line" in r.data.decode()
    assert 'value="Radio"' in r.data.decode()
    r = _step(client, app_id, 3, GOOD_BUDGET)
    assert r.headers["Location"].endswith("/step/4")
    r = _step(client, app_id, 4, {})
    assert r.headers["Location"].endswith("/step/5")
    review = client.get(f"/applications/{app_id}/step/5").data.decode()
    assert "Everything needed is here" in review and "Safe radio" in review
    r = client.post(f"/applications/{app_id}/submit")
    assert r.headers["Location"].endswith(f"/applications/{app_id}/sent")
    assert code in client.get(r.headers["Location"]).data.decode()
    with app.app_context():
        a = _get(app, app_id)
        assert a.status == ApplicationStatus.SUBMITTED and a.submitted_at is not None
        assert a.amount_requested_minor == 100_000
        assert [h.to_status for h in a.history] == [ApplicationStatus.DRAFT,
                                                    ApplicationStatus.SUBMITTED]
        event = db.session.scalar(sa.select(AuditEvent).where(
            AuditEvent.action == "application.submitted", AuditEvent.object_id == app_id))
        assert event.actor_id == world.applicant.id
        assert "Safe radio" not in repr(event.details) and "Police" not in repr(event.details)
    auth.login(world.officer)
    assert code in client.get("/applications/").data.decode()
    page = client.get(f"/applications/{app_id}").data.decode()
    assert "Nuestra respuesta." in page and "Protection and security" in page
    assert "español" in page  # the officer sees the language it is written in
    # At high risk, the threats (and what each budget line pays for) stay hidden until the
    # officer says why they need them.
    assert SECRET not in page and "Locks" not in page and "Sensitive details are hidden" in page
    r = client.post(f"/applications/{app_id}/reveal", data={})
    assert SECRET not in client.get(r.headers["Location"]).data.decode()
    client.post(f"/applications/{app_id}/reveal", data={"reason": "decide"})
    page = client.get(f"/applications/{app_id}").data.decode()
    assert SECRET in page and "Locks" in page
    with app.app_context():
        event = db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.action == "application.revealed")).one()
        assert (event.actor_id, event.object_id, event.details) == (
            world.officer.id, app_id, {"reason": "decide"})


def test_anonymous_visitors_log_in_and_come_back_to_the_call(client, world):
    r = client.get(f"/applications/new/{world.call.id}")
    assert r.status_code == 302
    assert parse_qs(urlsplit(r.headers["Location"]).query)["next"] == [
        f"/applications/new/{world.call.id}"]


def test_starting_again_goes_to_the_groups_existing_draft(app, client, auth, world):
    auth.login(world.applicant)
    r = client.post(f"/applications/new/{world.call.id}",
                    data={"organisation": str(world.org.id), "language": "en"})
    assert r.headers["Location"].endswith(f"/applications/{world.application.id}/step/1")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Application).where(
            Application.organisation_id == world.org.id,
            Application.status == ApplicationStatus.DRAFT)) == 1


def test_draft_and_unknown_calls_are_not_found(client, auth, world):
    auth.login(world.applicant)
    assert client.get(f"/applications/new/{world.draft_call.id}").status_code == 404
    assert client.get("/applications/new/999999").status_code == 404


@pytest.mark.parametrize("change", [{"status": CallStatus.CLOSED},
                                    {"closes_at": utcnow() - timedelta(minutes=1)}])
def test_a_closed_call_or_a_passed_deadline_gets_a_clear_page(app, client, auth, world, change):
    _configure_call(app, world, **change)
    auth.login(world.applicant)
    for r in (client.get(f"/applications/new/{world.call.id}"),
              client.post(f"/applications/new/{world.call.id}",
                          data={"organisation": str(world.org.id), "language": "en"})):
        assert r.status_code == 200 and "This call is closed" in r.data.decode()


def test_a_call_that_has_not_opened_yet_says_when_it_opens(app, client, auth, world):
    _configure_call(app, world, opens_at=utcnow() + timedelta(days=2))
    auth.login(world.applicant)
    r = client.get(f"/applications/new/{world.call.id}")
    assert r.status_code == 200 and "This call is not open yet" in r.data.decode()


def test_only_groups_of_an_allowed_kind_may_apply(app, client, auth, world):
    _configure_call(app, world, allow_unregistered=False)
    auth.login(world.applicant)
    page = client.get(f"/applications/new/{world.call.id}").data.decode()
    assert f'name="organisation" type="radio" value="{world.org.id}"' not in page
    assert 'value="unregistered_group"' not in page and 'value="registered_ngo"' in page
    r = client.post(f"/applications/new/{world.call.id}",
                    data={"organisation": str(world.org.id), "language": "en"})
    assert r.status_code == 200 and "Not a valid choice" in r.data.decode()


def test_a_new_registered_organisation_needs_its_legal_name(app, client, auth, world):
    auth.login(world.applicant)
    r = client.post(f"/applications/new/{world.call.id}", data={
        "organisation": "new", "name": "Lawyers Guild", "kind": "registered_ngo",
        "country": "KE", "language": "en"})
    assert r.status_code == 200 and "needs its legal name" in r.data.decode()
    assert 'value="Lawyers Guild"' in r.data.decode()
    r = client.post(f"/applications/new/{world.call.id}", data={"organisation": "new",
                                                                "language": "en"})
    assert "Give the group a name." in r.data.decode()
    with app.app_context():
        assert "Lawyers Guild" not in {
            o.name for o in db.session.scalars(sa.select(Organisation))}


def test_only_applicants_may_start(client, auth, world):
    for user in (world.officer, world.reviewer, world.intermediary, world.admin):
        auth.login(user)
        assert client.get(f"/applications/new/{world.call.id}").status_code == 403


def test_reference_codes_are_retried_on_collision(app, world, monkeypatch):
    picks = iter("22222222" + "33333333")
    monkeypatch.setattr(services.secrets, "choice", lambda alphabet: next(picks))
    with app.app_context():
        factories.application(db.session.get(Call, world.call.id),
                              db.session.get(Organisation, world.org.id), code_name="GR-2222-2222")
        assert services.new_code_name() == "GR-3333-3333"


# Steps keep everything typed ------------------------------------------------------------------

def test_steps_without_javascript_save_and_move_on(app, client, auth, world):
    auth.login(world.applicant)
    a = world.application.id
    assert _step(client, a, 1, {"title": "T", "language": "fr", "risk_level": "medium",
                                "go": "save"}).headers["Location"].endswith("/step/1")
    assert _step(client, a, 2, {"go": "back"}).headers["Location"].endswith("/step/1")
    page = client.get(f"/applications/{a}/step/1").data.decode()
    assert "Your draft is saved." in page and "Step 1 of 5" in page
    assert 'aria-current="step"' in page and '<script src="/static/autosave.js" defer>' in page
    with app.app_context():
        assert _get(app, a).language == "fr" and _get(app, a).current_step == 2


def test_an_invalid_field_does_not_stop_the_others_being_saved(app, client, auth, world):
    auth.login(world.applicant)
    r = _step(client, world.application.id, 1, {
        "title": "New title", "language": "xx", "risk_level": "high",
        "threat_description": SECRET})
    assert r.status_code == 200 and "Not a valid choice" in r.data.decode()
    with app.app_context():
        a = _get(app, world.application.id)
        assert a.title == "New title" and a.threat_description == SECRET
        assert a.language == "en"


def test_over_long_answers_are_saved_flagged_and_refused_at_submission(app, client, auth,
                                                                       world):
    auth.login(world.applicant)
    q1, q2 = _questions(app, world)
    long_text = " ".join(["word"] * 130)
    r = _step(client, world.application.id, 2, {f"q{q1}": long_text, f"q{q2}": "Short."})
    page = r.data.decode()
    assert r.status_code == 200 and "130 words, the limit is 100." in page
    assert long_text in page and "Your draft is saved" in page
    with app.app_context():
        texts = {x.question_id: x.text for x in _get(app, world.application.id).answers}
        assert texts == {q1: long_text, q2: "Short."}
    r = client.post(f"/applications/{world.application.id}/submit")
    assert r.status_code == 200 and "Question 1: 130 words, the limit is 100." in r.data.decode()
    with app.app_context():
        assert _get(app, world.application.id).status == ApplicationStatus.DRAFT


def test_word_counts_are_shown_from_the_server(client, auth, world, app):
    auth.login(world.applicant)
    q1, _q2 = _questions(app, world)
    _step(client, world.application.id, 2, {f"q{q1}": "one two three", "go": "save"})
    page = client.get(f"/applications/{world.application.id}/step/2").data.decode()
    assert "Up to 100 words. You have written 3." in page


def test_count_words_handles_spaces_and_chinese():
    assert services.count_words("  one\ntwo\t three ") == 3
    assert services.count_words("我们保护河流") == 6
    assert services.count_words("") == 0 and services.count_words(None) == 0


def test_required_answers_are_needed_to_send(app, client, auth, world):
    auth.login(world.applicant)
    r = client.post(f"/applications/{world.application.id}/submit")
    page = r.data.decode()
    assert "Question 1 needs an answer." in page and "Question 2 needs an answer." in page
    assert f'/applications/{world.application.id}/step/2#q' in page


# Budget ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("amount", "message"), [
    ("-50", "Enter an amount of zero or more."),
    ("fifty", "Enter an amount in numbers"),
    ("10.5555", "at most 2 decimal places"),
    ("0", "Enter an amount above zero"),
    ("", "Enter the amount."),
])
def test_bad_amounts_are_kept_as_typed_with_a_message(app, client, auth, world, amount,
                                                      message):
    auth.login(world.applicant)
    data = {**GOOD_BUDGET, **_rows(("programme", "Radio shows", "700"),
                                   ("protection_security", "Locks", "200"),
                                   ("psychosocial", "Counselling", "100"),
                                   ("convening", "Meeting", amount))}
    r = _step(client, world.application.id, 3, data)
    page = r.data.decode()
    assert r.status_code == 200 and message in page and "Line 4" in page
    assert 'value="Meeting"' in page
    with app.app_context():
        a = _get(app, world.application.id)
        assert len(a.budget_lines) == 3 and a.amount_requested_minor == 100_000  # untouched
        assert a.budget_draft[3] == {"category": "convening", "year": "1",
                                     "description": "Meeting", "amount": amount}
    again = client.get(f"/applications/{world.application.id}/step/3").data.decode()
    assert 'value="Meeting"' in again and message in again
    r = client.post(f"/applications/{world.application.id}/submit")
    assert "Some budget lines need fixing." in r.data.decode()


def test_a_budget_without_a_psychosocial_line_is_refused(app, client, auth, world):
    auth.login(world.applicant)
    r = _step(client, world.application.id, 3, _rows(("programme", "Radio", "900"),
                                                      ("digital_security", "VPN", "100")))
    assert "Add a psychosocial or well-being line" in r.data.decode()
    r = client.post(f"/applications/{world.application.id}/submit")
    assert "Add a psychosocial or well-being line" in r.data.decode()


def test_minimum_shares_are_checked(app, client, auth, world):
    _configure_call(app, world, min_protection_share_bp=2500, min_psychosocial_share_bp=500)
    auth.login(world.applicant)
    r = _step(client, world.application.id, 3, GOOD_BUDGET)
    page = r.data.decode()
    assert r.status_code == 200
    assert "Protection and security lines are 20% of the total; this call asks for at least " \
           "25%." in page
    assert "This call asks for at least 25% of the total." in page  # the rule, up front
    r = _step(client, world.application.id, 3, _rows(
        ("programme", "Radio", "650"), ("in_country_protection", "Safe house", "250"),
        ("psychosocial", "Rest", "100")))
    assert r.status_code == 302


def test_the_total_must_be_within_the_calls_range(app, client, auth, world):
    auth.login(world.applicant)
    r = _step(client, world.application.id, 3, _rows(
        ("programme", "Radio", "20000"), ("protection_security", "Locks", "1000"),
        ("psychosocial", "Rest", "1000")))
    assert "must be between $100.00 and $10,000.00" in r.data.decode()
    with app.app_context():
        assert _get(app, world.application.id).amount_requested_minor == 2_200_000


def test_totals_and_years_are_computed_on_the_server(app, client, auth, world):
    _configure_call(app, world, max_years=2)
    auth.login(world.applicant)
    _step(client, world.application.id, 3, _rows(
        ("programme", "Radio", "1,000.50", 1), ("programme", "Radio", "500", 2),
        ("protection_security", "Locks", "300", 2), ("psychosocial", "Rest", "199.50", 1)),
        )
    page = client.get(f"/applications/{world.application.id}/step/3").data.decode()
    assert "$1,500.50" in page and "$2,000.00" in page
    assert "Year 1: $1,200.00; Year 2: $800.00" in page
    with app.app_context():
        a = _get(app, world.application.id)
        assert a.amount_requested_minor == 200_000 and {x.year for x in a.budget_lines} == {1, 2}
    r = _step(client, world.application.id, 3, _rows(("programme", "Radio", "10", 3)))
    assert "Choose a year from 1 to 2." in r.data.decode()
    for typed in ("\u00b2", "99999999999999999999"):  # "²" passes str.isdigit(), not int()
        r = _step(client, world.application.id, 3, _rows(("programme", "Radio", "10", typed)))
        assert "Choose a year from 1 to 2." in r.data.decode(), typed


def test_more_rows_without_javascript(client, auth, world):
    auth.login(world.applicant)
    r = _step(client, world.application.id, 3, {**GOOD_BUDGET, "go": "more"})
    assert r.headers["Location"].endswith("/step/3?more=5")
    page = client.get(r.headers["Location"]).data.decode()
    assert page.count("<legend>Line ") == 3 + 3 + 5


def test_a_post_without_rows_does_not_wipe_the_budget(app, client, auth, world):
    auth.login(world.applicant)
    _step(client, world.application.id, 3, {"go": "save"})
    with app.app_context():
        assert len(_get(app, world.application.id).budget_lines) == 3


def test_budget_helpers():
    assert budget.share_bp(20_000, 100_000) == 2000 and budget.share_bp(1, 0) == 0
    assert budget.percent(1250) == "12.5%" and budget.percent(2000) == "20%"


# Files -------------------------------------------------------------------------------------

def _upload(client, application_id, field="proposal", content=PDF, name="plan.pdf", **data):
    return _step(client, application_id, 2, {**data, field: (io.BytesIO(content), name)},
                 content_type="multipart/form-data")


@pytest.mark.parametrize(("content", "name", "stored", "media"), [
    (PDF, "plan.pdf", "plan.pdf", "application/pdf"),
    (DOCX, "plan.docx", "plan.docx", documents.MEDIA_TYPES["docx"]),
    (ODT, "Plán «2027».odt", "Plán «2027».odt", documents.MEDIA_TYPES["odt"]),
    (PDF, "../../etc/plan.docx", "plan.pdf", "application/pdf"),
])
def test_a_reused_proposal_is_accepted_by_content(app, client, auth, world, content, name,
                                                  stored, media):
    auth.login(world.applicant)
    assert _upload(client, world.application.id, content=content, name=name).status_code == 302
    with app.app_context():
        a = _get(app, world.application.id)
        (doc,) = a.documents
        assert a.reused_proposal and doc.purpose == "reused_proposal"
        assert (doc.filename, doc.media_type, doc.size_bytes) == (stored, media, len(content))
        assert doc.content == content


@pytest.mark.parametrize(("content", "name", "message"), [
    (EXE, "plan.pdf", "Send a PDF, Word (.docx) or OpenDocument (.odt) file."),
    (_zip({"readme.txt": "x"}), "plan.docx", "Send a PDF"),
    (_zip({"mimetype": "application/epub+zip"}), "plan.odt", "Send a PDF"),
    (b"PK\x03\x04 broken", "plan.docx", "Send a PDF"),
    (b"", "plan.pdf", "That file is empty."),
])
def test_wrong_files_are_refused_and_the_answers_kept(app, client, auth, world, content, name,
                                                     message):
    auth.login(world.applicant)
    q1, _q2 = _questions(app, world)
    r = _upload(client, world.application.id, content=content, name=name,
                **{f"q{q1}": "Typed before the upload"})
    assert r.status_code == 200 and message in r.data.decode()
    assert "Typed before the upload" in r.data.decode()
    with app.app_context():
        a = _get(app, world.application.id)
        assert a.documents == [] and not a.reused_proposal
        assert a.answers[0].text == "Typed before the upload"


def test_an_oversized_file_is_refused_kindly(app, client, auth, world):
    auth.login(world.applicant)
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import stream_encode_multipart

    big = PDF + b"0" * app.config["UPLOAD_MAX_BYTES"]
    # Encoded in memory: the test client would spool it to a file it never closes.
    stream, length, boundary = stream_encode_multipart(
        {"proposal": FileStorage(io.BytesIO(big), "plan.pdf")}, use_tempfile=False)
    r = _step(client, world.application.id, 2, stream.getvalue(),
              content_type=f"multipart/form-data; boundary={boundary}")
    assert r.status_code == 200 and "larger than 5 MB" in r.data.decode()


def test_a_reused_proposal_makes_replaceable_questions_optional(app, client, auth, world):
    with app.app_context():
        db.session.get(CallQuestion, _questions(app, world)[0]).replaceable = True
        db.session.commit()
    auth.login(world.applicant)
    q1, q2 = _questions(app, world)
    r = client.post(f"/applications/{world.application.id}/submit")
    assert "Question 1 needs an answer." in r.data.decode()
    _upload(client, world.application.id, **{f"q{q2}": "Our plan."})
    _step(client, world.application.id, 1, {"title": "T", "language": "en", "risk_level": "low"})
    assert client.post(f"/applications/{world.application.id}/submit").status_code == 302
    auth.login(world.officer)
    page = client.get(f"/applications/{world.application.id}").data.decode()
    assert "A proposal written for another funder was uploaded" in page


def test_required_attachments(app, client, auth, world):
    _configure_call(app, world, attachments_required=1)
    auth.login(world.applicant)
    _step(client, world.application.id, 2, _answers(app, world))
    r = client.post(f"/applications/{world.application.id}/submit")
    assert "Documents to attach: 1. Attached so far: 0." in r.data.decode()
    _upload(client, world.application.id, field="attachment", content=DOCX, name="letter.docx",
            **_answers(app, world))
    r = _upload(client, world.application.id, field="attachment", **_answers(app, world))
    assert "You have attached every document this call asks for." in r.data.decode()
    assert client.post(f"/applications/{world.application.id}/submit").status_code == 302


def test_download_headers_and_who_may_download(app, client, auth, world):
    auth.login(world.applicant)
    _upload(client, world.application.id, name="Plán «2027».pdf")
    with app.app_context():
        doc_id = _get(app, world.application.id).documents[0].id
    url = f"/applications/{world.application.id}/documents/{doc_id}"
    r = client.get(url)
    assert r.data == PDF and r.headers["Content-Type"] == "application/pdf"
    assert r.headers["Content-Disposition"] == (
        "attachment; filename=\"Plan_2027.pdf\"; "
        "filename*=UTF-8''Pl%C3%A1n%20%C2%AB2027%C2%BB.pdf")
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Cache-Control"] == "no-store"
    for user in (world.stranger, world.officer):  # a draft is the group's own
        auth.login(user)
        assert client.get(url).status_code == 404
    assert client.get(f"/applications/{world.submitted.id}/documents/{doc_id}").status_code \
        == 404  # a document is only found under its own application


def test_a_document_is_removed_while_editable(app, client, auth, world):
    auth.login(world.applicant)
    _upload(client, world.application.id)
    with app.app_context():
        doc_id = _get(app, world.application.id).documents[0].id
    auth.login(world.stranger)
    assert client.post(f"/applications/{world.application.id}/documents/{doc_id}/delete"
                       ).status_code == 404
    auth.login(world.applicant)
    r = client.post(f"/applications/{world.application.id}/documents/{doc_id}/delete")
    assert r.headers["Location"].endswith("/step/2")
    with app.app_context():
        a = _get(app, world.application.id)
        assert a.documents == [] and not a.reused_proposal


def test_a_file_is_removed_with_the_step_form(app, client, auth, world):
    auth.login(world.applicant)
    _upload(client, world.application.id)
    with app.app_context():
        doc_id = _get(app, world.application.id).documents[0].id
    _step(client, world.application.id, 2, {"remove": str(doc_id)})
    with app.app_context():
        assert _get(app, world.application.id).documents == []


def test_sniffing_and_names():
    assert documents.sniff(PDF) == "pdf" and documents.sniff(DOCX) == "docx"
    assert documents.sniff(ODT) == "odt" and documents.sniff(EXE) is None
    assert documents.clean_filename("C:\\x\\a\x07b.exe", "pdf") == "ab.pdf"
    assert documents.ascii_filename("Мой план.pdf") == "pdf"
    assert documents.ascii_filename("résumé\"; x=1.pdf") == "resume___x_1.pdf"


# Autosave and rescue --------------------------------------------------------------------------

def test_autosave_answers_204_and_saves(app, client, auth, world):
    auth.login(world.applicant)
    q1, _q2 = _questions(app, world)
    r = _step(client, world.application.id, 2, {f"q{q1}": "Half a thought"},
              headers={"X-Autosave": "1"})
    assert r.status_code == 204 and r.data == b""
    r = _step(client, world.application.id, 3, _rows(("programme", "Radio", "abc")),
              headers={"X-Autosave": "1"})
    assert r.status_code == 204
    with app.app_context():
        a = _get(app, world.application.id)
        assert a.answers[0].text == "Half a thought" and a.budget_draft[0]["amount"] == "abc"
        assert len(a.budget_lines) == 3


def test_with_form_tokens_on_steps_and_autosave_send_the_pages_token(app, client, auth,
                                                                      world):
    auth.login(world.applicant)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        for number in (1, 2, 3, 4):
            page = client.get(f"/applications/{world.application.id}/step/{number}")
            token = re.search(r'name="csrf_token"[^>]* value="([^"]+)"', page.data.decode())[1]
            data = {**GOOD_BUDGET, "csrf_token": token} if number == 3 else {"csrf_token": token}
            assert _step(client, world.application.id, number, data,
                         headers={"X-Autosave": "1"}).status_code == 204
        r = _step(client, world.application.id, 3, {**GOOD_BUDGET, "csrf_token": token})
        assert r.status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_step_forms_opt_in_to_autosave(client, auth, world):
    auth.login(world.applicant)
    for number in (1, 2, 3, 4):
        page = client.get(f"/applications/{world.application.id}/step/{number}").data.decode()
        assert "data-autosave=\"autosave-status\"" in page
        assert 'id="autosave-status" class="hint" aria-live="polite"' in page
        assert "Draft saved at {time}" in page
    js = client.get("/static/autosave.js")
    assert b"X-Autosave" in js.data and b"instanceof File" in js.data
    js.close()


def test_typed_answers_come_back_after_the_session_expired(app, client, auth, world):
    auth.login(world.applicant)
    q1, _q2 = _questions(app, world)
    with app.app_context():
        db.session.execute(sa.update(UserSession).values(
            last_seen_at=utcnow() - timedelta(hours=5)))
        db.session.commit()
    r = _step(client, world.application.id, 2, {f"q{q1}": "Written on the bus"})
    assert r.headers["Location"].startswith("/auth/login?next=")
    target = parse_qs(urlsplit(r.headers["Location"]).query)["next"][0]
    with app.app_context():
        assert _get(app, world.application.id).answers == []  # not acted on
    login = client.post("/auth/login", data={"username": world.applicant.username,
                                             "password": PASSWORD, "next": target})
    page = client.get(login.headers["Location"]).data.decode()
    assert "Written on the bus" in page and "We kept what you typed" in page


def test_typed_rows_come_back_after_the_form_token_expired(app, client, auth, world):
    auth.login(world.applicant)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        r = _step(client, world.application.id, 3,
                  {**_rows(("convening", "Assembly", "321")), "csrf_token": "expired"})
        page = client.get(r.headers["Location"]).data.decode()
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert 'value="Assembly"' in page and 'value="321"' in page


# Who may do what ------------------------------------------------------------------------------

def test_someone_elses_or_an_unknown_application_is_not_found(client, auth, world):
    auth.login(world.stranger)
    for url in (f"/applications/{world.application.id}/step/1",
                f"/applications/{world.application.id}",
                f"/applications/{world.submitted.id}"):
        assert client.get(url).status_code == 404
        assert client.post(url).status_code in (404, 405)
    auth.login(world.applicant)
    for url in ("/applications/999999", "/applications/999999/step/1",
                f"/applications/{world.application.id}/step/0",
                f"/applications/{world.application.id}/step/6"):
        assert client.get(url).status_code == 404


def test_a_sent_application_can_be_seen_but_not_edited(client, auth, world):
    for user in (world.applicant, world.officer):
        auth.login(user)
        assert client.get(f"/applications/{world.submitted.id}").status_code == 200
        assert client.get(f"/applications/{world.submitted.id}/step/1").status_code == 403
        assert client.post(f"/applications/{world.submitted.id}/submit").status_code == 403


def test_submission_rechecks_the_call_and_the_group(app, client, auth, world):
    auth.login(world.applicant)
    _step(client, world.application.id, 2, _answers(app, world))
    _configure_call(app, world, closes_at=utcnow() - timedelta(seconds=1))
    r = client.post(f"/applications/{world.application.id}/submit")
    assert "This call is closed" in r.data.decode()
    _configure_call(app, world, closes_at=utcnow() + timedelta(days=1), allow_unregistered=False)
    r = client.post(f"/applications/{world.application.id}/submit")
    assert "does not take applications from this kind of group" in r.data.decode()
    with app.app_context():
        assert _get(app, world.application.id).status == ApplicationStatus.DRAFT


def test_asked_for_more_information_the_group_edits_and_sends_again_after_the_deadline(
        app, client, auth, world):
    with app.app_context():
        a = _get(app, world.submitted.id)
        a.status, first_sent = ApplicationStatus.MORE_INFO_REQUESTED, a.submitted_at
        db.session.commit()
    _configure_call(app, world, closes_at=utcnow() - timedelta(days=1))
    auth.login(world.applicant)
    page = client.get(f"/applications/{world.submitted.id}/step/2").data.decode()
    assert "This call is closed" not in page
    _step(client, world.submitted.id, 2, _answers(app, world))
    assert client.post(f"/applications/{world.submitted.id}/submit").status_code == 302
    with app.app_context():
        a = _get(app, world.submitted.id)
        assert a.status == ApplicationStatus.SUBMITTED and a.submitted_at == first_sent
        assert a.history[-1].from_status == ApplicationStatus.MORE_INFO_REQUESTED


def test_sending_twice_is_refused(app, client, auth, world):
    auth.login(world.applicant)
    _step(client, world.application.id, 2, _answers(app, world))
    assert client.post(f"/applications/{world.application.id}/submit").status_code == 302
    assert client.post(f"/applications/{world.application.id}/submit").status_code == 403
    with app.app_context():
        assert len(_get(app, world.application.id).history) == 1


def test_the_lists(app, client, auth, world):
    auth.login(world.applicant)
    page = client.get("/applications/").data.decode()
    assert f'Continue <bdi class="ref">{world.application.code_name}</bdi>' in page
    assert world.submitted.code_name in page
    assert world.other_application.code_name not in page
    auth.login(world.officer)
    page = client.get("/applications/").data.decode()
    assert world.submitted.code_name in page and world.other_application.code_name in page
    assert world.application.code_name not in page  # drafts are the group's own
    page = client.get(f"/applications/?status=approved&call={world.call.id}").data.decode()
    assert world.submitted.code_name not in page and "No applications to show." in page
    with app.app_context():
        other = factories.call(title="Another call")
        other_id = other.id
        db.session.commit()
    page = client.get(f"/applications/?call={other_id}").data.decode()
    assert world.submitted.code_name not in page
    assert client.get("/applications/?call=abc&status=nonsense&page=99").status_code == 200


def test_officers_see_the_newest_first_in_pages(app, client, auth, world, monkeypatch):
    from grants.applications import views

    monkeypatch.setattr(views, "PAGE_SIZE", 1)
    with app.app_context():
        db.session.get(Application, world.submitted.id).submitted_at = \
            utcnow() + timedelta(minutes=2)
        db.session.get(Application, world.other_application.id).submitted_at = \
            utcnow() + timedelta(minutes=1)
        db.session.commit()
    auth.login(world.officer)
    first = client.get("/applications/").data.decode()
    assert world.submitted.code_name in first and "Page 1 of " in first
    assert world.other_application.code_name not in first
    second = client.get("/applications/?page=2").data.decode()
    assert world.other_application.code_name in second and "Page 2 of " in second


# Withdraw and delete -------------------------------------------------------------------------

def test_withdraw_after_confirming(app, client, auth, world):
    auth.login(world.applicant)
    url = f"/applications/{world.submitted.id}/withdraw"
    assert "Withdraw your application?" in client.get(url).data.decode()
    r = client.post(url, data={"reason": "We found other support"})
    assert r.status_code == 200 and "Tick the box to confirm." in r.data.decode()
    r = client.post(url, data={"reason": "We found other support", "confirm": "y"})
    assert r.headers["Location"].endswith(f"/applications/{world.submitted.id}")
    with app.app_context():
        a = _get(app, world.submitted.id)
        assert a.status == ApplicationStatus.WITHDRAWN
        assert a.history[-1].note == "We found other support"
        event = db.session.scalar(sa.select(AuditEvent).where(
            AuditEvent.action == "application.withdrawn"))
        assert "other support" not in repr(event.details)
    auth.login(world.officer)
    assert client.get(f"/applications/{world.submitted.id}").status_code == 404
    assert client.post(url, data={"confirm": "y"}).status_code == 404


def test_officers_cannot_withdraw(client, auth, world):
    auth.login(world.officer)
    assert client.post(f"/applications/{world.submitted.id}/withdraw",
                       data={"confirm": "y"}).status_code == 403


def test_delete_a_draft_with_its_files(app, client, auth, world):
    auth.login(world.applicant)
    _upload(client, world.application.id)
    url = f"/applications/{world.application.id}/delete"
    assert client.post(url, data={}).status_code == 200  # not confirmed
    r = client.post(url, data={"confirm": "y"})
    assert r.headers["Location"].endswith("/applications/")
    with app.app_context():
        assert db.session.get(Application, world.application.id) is None
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ApplicationDocument)) == 0
        event = db.session.scalar(sa.select(AuditEvent).where(
            AuditEvent.action == "application.deleted"))
        assert event.object_id == world.application.id and "Safe" not in repr(event.details)
    assert client.post(f"/applications/{world.submitted.id}/delete",
                       data={"confirm": "y"}).status_code == 403


# Privacy -------------------------------------------------------------------------------------

def test_focus_populations_are_never_shown_to_staff(app, client, auth, world):
    auth.login(world.applicant)
    _step(client, world.application.id, 2, _answers(app, world))
    r = _step(client, world.application.id, 4, {"populations": ["women", "indigenous"],
                                                 "own_words": "Wayuu midwives"})
    assert r.headers["Location"].endswith("/step/5")
    _step(client, world.application.id, 4, {})  # a stray post keeps it
    review = client.get(f"/applications/{world.application.id}/step/5").data.decode()
    assert "Indigenous peoples" in review and "Wayuu midwives" in review
    assert client.post(f"/applications/{world.application.id}/submit").status_code == 302
    assert "Wayuu midwives" in client.get(f"/applications/{world.application.id}").data.decode()
    with app.app_context():
        stored = _get(app, world.application.id).focus_populations
        assert stored == ["women", "indigenous", "own:Wayuu midwives"]
    auth.login(world.officer)
    page = client.get(f"/applications/{world.application.id}").data.decode()
    assert "Wayuu" not in page and "Indigenous peoples" not in page and "Women" not in page


def test_sensitive_parts_follow_the_policy(app, client, auth, world, monkeypatch):
    from grants import policy

    with app.app_context():
        q = db.session.get(CallQuestion, _questions(app, world)[1])
        q.sensitive = True
        a = db.session.get(Application, world.submitted.id)
        a.threat_description, a.safe_contact = SECRET, "Only via Signal"
        a.answers = [ApplicationAnswer(question_id=q.id, text="Where we hide")]
        db.session.commit()
    auth.login(world.officer)
    page = client.get(f"/applications/{world.submitted.id}").data.decode()
    assert SECRET in page and "Where we hide" in page
    monkeypatch.setitem(policy._RULES, policy.Permission.VIEW_APPLICATION_SENSITIVE,
                        lambda user, obj: False)
    page = client.get(f"/applications/{world.submitted.id}").data.decode()
    assert SECRET not in page and "Only via Signal" not in page and "Where we hide" not in page


def test_nothing_typed_is_stored_in_plain_text(app, client, auth, world):
    auth.login(world.applicant)
    q1, _q2 = _questions(app, world)
    _step(client, world.application.id, 1, {"title": "T", "language": "en", "risk_level": "high",
                                             "threat_description": SECRET,
                                             "safe_contact": "Call Rosa"})
    _upload(client, world.application.id, content=PDF + b"Plantation map", **{
        f"q{q1}": "Answer about the plantation"})
    _step(client, world.application.id, 3, _rows(("programme", "Bribe-free lawyer", "x")))
    _step(client, world.application.id, 4, {"own_words": "Wayuu midwives"})
    with app.app_context():
        rows = [
            db.session.execute(sa.text("SELECT text FROM application_answers")).scalar_one(),
            *db.session.execute(sa.text(
                "SELECT content, filename FROM application_documents")).one(),
            *db.session.execute(sa.text(
                "SELECT threat_description, safe_contact, focus_populations, budget_draft "
                "FROM applications WHERE id = :id"), {"id": world.application.id}).one(),
        ]
    blob = b"".join(bytes(value) for value in rows)
    for plain in (b"plantation", b"Plantation map", b"plan.pdf", SECRET.encode(), b"Rosa",
                  b"Wayuu", b"Bribe-free"):
        assert plain not in blob


# Weight and markup --------------------------------------------------------------------------

def test_the_apply_form_is_light_and_has_no_inline_script(client, auth, world):
    auth.login(world.applicant)
    css = client.get("/static/site.css")
    css_gz = len(gzip.compress(css.data))
    css.close()
    for number in (1, 2, 3, 4, 5):
        html = client.get(f"/applications/{world.application.id}/step/{number}").data
        page = html.decode()
        assert "<script>" not in page and "<style" not in page and " style=" not in page
        assert page.count("<h1>") == 1
        assert len(gzip.compress(html)) + css_gz < 20 * 1024, number
