"""Calls for proposals: officers set them up within a burden budget; everyone reads open ones."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from grants.applications.calls import burden, editing, question_edits
from grants.errors import ServiceError
from grants.extensions import db
from grants.models import AuditEvent, Call, CallQuestion, CallStatus, CallText, CallType
from grants.models.types import utcnow
from tests import factories
from tests.access import own_scripts_only
from tests.forms import SOON, call_form


def _id_from(response) -> int:
    return int(re.search(r"/calls/(\d+)", response.headers["Location"]).group(1))


def _make(app, **fields) -> int:
    """A call from the factories (English text, 2 questions unless told), committed."""
    with app.app_context():
        call = factories.call(**fields)
        db.session.commit()
        return call.id


def _call(app, call_id: int) -> Call:
    call = db.session.get(Call, call_id)
    assert call is not None
    return call


def _positions(app, call_id: int) -> list[tuple[int, str]]:
    with app.app_context():
        rows = db.session.execute(
            sa.select(CallQuestion.position, CallQuestion.bank_key)
            .where(CallQuestion.call_id == call_id).order_by(CallQuestion.position)).all()
        return [tuple(r) for r in rows]


# --- the officer's path ------------------------------------------------------------------

def test_an_officer_sets_up_a_call_and_opens_it(app, client, auth, world):
    auth.login(world.officer)
    r = client.post("/calls/new", data=call_form(world.fund.id))
    assert r.status_code == 302
    call_id = _id_from(r)
    with app.app_context():
        call = _call(app, call_id)
        assert call.status == CallStatus.DRAFT and call.currency == world.fund.currency
        assert (call.amount_min_minor, call.amount_max_minor) == (100_000, 2_500_050)
        assert (call.min_protection_share_bp, call.min_psychosocial_share_bp) == (1000, 525)
        assert call.languages == ["en", "es"] and call.created_by_id == world.officer.id
        assert call.closes_at == datetime.combine(SOON, time(23, 59, 59), tzinfo=UTC)
        assert call.opens_at is None and call.attachments_required == 1

    page = client.get(f"/calls/{call_id}").data.decode()
    assert "There is no title in English yet." in page
    assert "There is no title in Spanish yet." in page and "Add at least one question." in page

    for lang, title in (("en", "Safe and well 2027"), ("es", "Seguras y bien 2027")):
        r = client.post(f"/calls/{call_id}/text/{lang}",
                        data={"title": title, "description": f"About {lang}"})
        assert r.status_code == 302

    url = f"/calls/{call_id}/questions"
    assert client.post(url, data={"add": "bank", "bank-key": "mission"}).status_code == 302
    assert client.post(url, data={"add": "bank", "bank-key": "who_you_work_with",
                                  "bank-word_limit": "120",
                                  "bank-required": "y"}).status_code == 302
    r = client.post(url, data={"add": "custom", "custom-prompt_en": "Who looks after you?",
                               "custom-prompt_es": "¿Quién os cuida?",
                               "custom-word_limit": "80", "custom-required": "y"})
    assert r.status_code == 302
    assert _positions(app, call_id) == [(1, "mission"), (2, "who_you_work_with"), (3, "custom")]

    with app.app_context():
        custom = db.session.scalar(sa.select(CallQuestion).where(
            CallQuestion.call_id == call_id, CallQuestion.bank_key == "custom"))
        partners = db.session.scalar(sa.select(CallQuestion).where(
            CallQuestion.call_id == call_id, CallQuestion.bank_key == "who_you_work_with"))
        assert custom.prompts == {"en": "Who looks after you?", "es": "¿Quién os cuida?"}
        assert not custom.replaceable and not custom.sensitive and custom.word_limit == 80
        assert not partners.sensitive and partners.word_limit == 120 and partners.replaceable
        custom_id = custom.id
    assert client.post(f"{url}/{custom_id}/move", data={"direction": "up"}).status_code == 302
    assert _positions(app, call_id) == [(1, "mission"), (2, "custom"), (3, "who_you_work_with")]

    r = client.post(f"/calls/{call_id}/open")
    assert r.status_code == 302
    with app.app_context():
        call = _call(app, call_id)
        assert call.status == CallStatus.OPEN and call.opens_at is not None
        actions = db.session.scalars(sa.select(AuditEvent.action).where(
            AuditEvent.object_type == "calls", AuditEvent.object_id == call_id)).all()
    assert {"call.created", "call.text_saved", "call.question_added", "call.question_moved",
            "call.opened"} <= set(actions)

    auth.logout()
    page = client.get("/calls/").data.decode()
    assert "Safe and well 2027" in page
    page = client.get(f"/calls/{call_id}?in=es").data.decode()
    assert "Seguras y bien 2027" in page and "¿Quién os cuida?" in page
    assert '<strong lang="es">Español</strong>' in page and 'hreflang="en">English</a>' in page


def test_the_main_language_comes_first(app, client, auth, world):
    auth.login(world.officer)
    r = client.post("/calls/new", data=call_form(world.fund.id, languages=["en", "fr", "es"],
                                                 main_language="es"))
    with app.app_context():
        assert _call(app, _id_from(r)).languages == ["es", "en", "fr"]


def test_language_names_are_shown_in_the_interface_language(client, auth, world):
    auth.login(world.officer)
    page = client.get("/calls/new").data.decode()
    assert ">Spanish</label>" in page and ">Swahili</label>" in page
    assert '<legend>Languages the call is published in</legend>' in page


def test_a_core_support_call_may_last_three_years(app, client, auth, world):
    auth.login(world.officer)
    r = client.post("/calls/new", data=call_form(world.fund.id, call_type="core_support",
                                                 max_years="3"))
    with app.app_context():
        call = _call(app, _id_from(r))
        assert call.call_type == CallType.CORE_SUPPORT and call.max_years == 3


def test_a_rolling_call_has_no_deadline(app, client, auth, world):
    auth.login(world.officer)
    r = client.post("/calls/new", data=call_form(world.fund.id, call_type="rolling", closes_on=""))
    with app.app_context():
        assert _call(app, _id_from(r)).closes_at is None


@pytest.mark.parametrize(("overrides", "message"), [
    ({"amount_min": "5000", "amount_max": "100"}, "cannot be less than the smallest"),
    ({"amount_min": "-5"}, "Enter an amount of zero or more."),
    ({"amount_max": "lots"}, "Enter an amount in numbers"),
    ({"amount_max": "0"}, "The largest amount must be more than zero."),
    ({"amount_max": "10.0001"}, "at most 2 decimal places"),
    ({"amount_max": ""}, "Enter the largest amount."),
    ({"languages": None}, "Choose at least one language the call is published in."),
    ({"languages": ["en", "xx"]}, "not a valid choice"),
    ({"languages": ["en"], "main_language": "fr"}, "Tick French among the languages too"),
    ({"allow_registered": None, "allow_unregistered": None, "allow_individuals": None},
     "Choose at least one kind of applicant who may apply."),
    ({"min_protection_share": "60", "min_psychosocial_share": "40.5"},
     "Together the two minimum shares come to 100.5%"),
    ({"min_protection_share": "101"}, "Enter a percentage from 0 to 100."),
    ({"min_psychosocial_share": "-1"}, "Enter a percentage from 0 to 100."),
    ({"min_protection_share": "ten"}, "Enter a percentage in numbers"),
    ({"min_protection_share": "10.1255"}, "Use at most two decimal places."),
    ({"closes_on": ""}, "Set a deadline, or make this a rolling call."),
    ({"call_type": "rolling"}, "A rolling call has no deadline"),
    ({"opens_on": (SOON + timedelta(days=1)).isoformat()}, "must come after the opening date"),
    ({"closes_on": "31/02/2027"}, "Not a valid date value."),
    ({"max_years": "6"}, "Enter a number of years from 1 to 5."),
    ({"max_years": "three"}, "Not a valid integer value."),
    ({"attachments_required": "-1"}, "Enter a number from 0 to 10."),
    ({"call_type": "rapid_response"}, "Not a valid choice."),
    ({"fund_id": "999999"}, "Not a valid choice."),
])
def test_bad_input_says_why_and_keeps_what_was_typed(app, client, auth, world, overrides,
                                                     message):
    auth.login(world.officer)
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.count()).select_from(Call))
    data = call_form(world.fund.id, **{"amount_min": "1,234", **overrides})
    r = client.post("/calls/new", data=data)
    page = r.data.decode()
    assert r.status_code == 422
    assert message.replace("'", "&#39;") in page, message
    assert 'class="error-summary"' in page
    kept = data.get("amount_min")
    assert f'value="{kept}"' in page
    if "es" in data.get("languages", []):
        assert re.search(r'<input[^>]*checked[^>]*value="es"|<input[^>]*value="es"[^>]*checked',
                         page)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Call)) == before


def test_several_mistakes_are_shown_together(client, auth, world):
    auth.login(world.officer)
    r = client.post("/calls/new", data=call_form(world.fund.id, languages=None, amount_max="x",
                                                 min_protection_share="200", closes_on=""))
    page = r.data.decode()
    assert r.status_code == 422
    for message in ("Choose at least one language", "Enter an amount in numbers",
                    "Enter a percentage from 0 to 100.", "Set a deadline"):
        assert message in page
    summary = page[page.index('class="error-summary"'):]
    assert 'href="#languages"' in summary and 'href="#amount_max"' in summary


def test_inactive_funds_are_not_offered(app, client, auth, world):
    with app.app_context():
        dormant = factories.fund(name="Dormant Fund", is_active=False)
        db.session.commit()
        dormant_id = dormant.id
    auth.login(world.officer)
    assert "Dormant Fund" not in client.get("/calls/new").data.decode()
    r = client.post("/calls/new", data=call_form(dormant_id))
    assert r.status_code == 422 and b"Not a valid choice" in r.data


def test_an_inactive_fund_is_refused_by_the_service(app, world):
    with app.app_context():
        dormant = factories.fund(is_active=False)
        officer = db.session.merge(world.officer)
        fields = {"call_type": CallType.OPEN, "fund": dormant, "languages": ["en"],
                  "closes_at": utcnow() + timedelta(days=9), "amount_min": "0",
                  "amount_max": "100", "allow_registered": True, "min_protection_share": "",
                  "min_psychosocial_share": "", "attachments_required": 0, "max_years": 1}
        with pytest.raises(ServiceError) as caught:
            editing.create_call(officer, **fields)
        assert "not active" in caught.value.message


# --- editing -----------------------------------------------------------------------------

def test_the_edit_form_shows_the_stored_values(app, client, auth, world):
    call_id = _make(app, status=CallStatus.DRAFT, min_protection_share_bp=1250,
                    amount_min_minor=50_000, languages=["en", "fr"])
    auth.login(world.officer)
    page = client.get(f"/calls/{call_id}/edit").data.decode()
    assert 'value="12.5"' in page and 'value="500.00"' in page
    assert 'name="fund_id"' in page


def test_an_open_call_can_be_edited_but_not_its_fund(app, client, auth, world):
    with app.app_context():
        other = factories.fund(currency="EUR")
        db.session.commit()
        other_id = other.id
    auth.login(world.officer)
    page = client.get(f"/calls/{world.call.id}/edit").data.decode()
    assert 'name="fund_id"' not in page and "can no longer change" in page
    later = (SOON + timedelta(days=10)).isoformat()
    r = client.post(f"/calls/{world.call.id}/edit",
                    data=call_form(other_id, languages=["en"], closes_on=later, amount_max="9000"))
    assert r.status_code == 302
    with app.app_context():
        call = _call(app, world.call.id)
        assert call.fund_id == world.fund.id and call.currency == "USD"
        assert call.amount_max_minor == 900_000 and call.closes_at.date().isoformat() == later
        event = db.session.scalar(sa.select(AuditEvent).where(
            AuditEvent.action == "call.updated", AuditEvent.object_id == world.call.id))
        assert "amount_max_minor" in event.details["fields"]
        with pytest.raises(ServiceError, match="cannot change once the call has been opened"):
            editing.update_call(db.session.merge(world.officer), call,
                                **_service_fields(call, fund=db.session.get(type(call.fund),
                                                                            other_id)))


def _service_fields(call: Call, **overrides) -> dict:
    fields = {"call_type": call.call_type, "fund": None, "languages": call.languages,
              "opens_at": call.opens_at, "closes_at": call.closes_at, "amount_min": "0",
              "amount_max": "100", "allow_registered": True, "min_protection_share": "0",
              "min_psychosocial_share": "0", "attachments_required": 0, "max_years": 1}
    return {**fields, **overrides}


def test_an_open_call_cannot_be_given_a_past_deadline(client, auth, world):
    auth.login(world.officer)
    past = (date.today() - timedelta(days=2)).isoformat()
    r = client.post(f"/calls/{world.call.id}/edit",
                    data=call_form(world.fund.id, languages=["en"], closes_on=past))
    assert r.status_code == 422 and b"close the call" in r.data


def test_unticking_a_language_deletes_its_text(app, client, auth, world):
    call_id = _make(app, status=CallStatus.DRAFT, languages=["en", "es"])
    with app.app_context():
        call = _call(app, call_id)
        call.texts.append(CallText(language="es", title="Hola"))
        db.session.commit()
    auth.login(world.officer)
    r = client.post(f"/calls/{call_id}/edit", data=call_form(world.fund.id, languages=["en"]))
    assert r.status_code == 302
    with app.app_context():
        assert [t.language for t in _call(app, call_id).texts] == ["en"]


def test_a_text_needs_a_title_and_keeps_the_description(client, auth, world):
    auth.login(world.officer)
    r = client.post(f"/calls/{world.draft_call.id}/text/en",
                    data={"title": "  ", "description": "Kept words"})
    assert r.status_code == 422
    assert b"Give the call a title." in r.data and b"Kept words" in r.data


def test_text_pages_exist_only_for_the_call_languages(client, auth, world):
    auth.login(world.officer)
    assert client.get(f"/calls/{world.draft_call.id}/text/es").status_code == 404
    assert client.get(f"/calls/{world.draft_call.id}/text/en").status_code == 200


# --- questions -----------------------------------------------------------------------------

def test_questions_are_reordered_and_removed_keeping_positions_one_to_n(app, client, auth,
                                                                      world):
    call_id = _make(app, status=CallStatus.DRAFT, questions=4)
    with app.app_context():
        ids = [q.id for q in _call(app, call_id).questions]
    auth.login(world.officer)
    url = f"/calls/{call_id}/questions"
    client.post(f"{url}/{ids[3]}/move", data={"direction": "up"})
    client.post(f"{url}/{ids[0]}/move", data={"direction": "down"})
    client.post(f"{url}/{ids[0]}/move", data={"direction": "up"})
    client.post(f"{url}/{ids[0]}/move", data={"direction": "up"})  # already first: no-op
    assert client.post(f"{url}/{ids[1]}/delete").status_code == 302
    with app.app_context():
        rows = db.session.execute(sa.select(CallQuestion.id, CallQuestion.position).where(
            CallQuestion.call_id == call_id).order_by(CallQuestion.position)).all()
    assert [tuple(r) for r in rows] == [(ids[0], 1), (ids[3], 2), (ids[2], 3)]
    assert client.post(f"{url}/{ids[0]}/move", data={"direction": "sideways"}).status_code == 400


def test_a_bank_question_is_asked_once(app, client, auth, world):
    auth.login(world.officer)
    url = f"/calls/{world.draft_call.id}/questions"
    assert client.post(url, data={"add": "bank", "bank-key": "mission"}).status_code == 302
    r = client.post(url, data={"add": "bank", "bank-key": "mission"})
    assert r.status_code == 422 and b"Not a valid choice" in r.data
    with app.app_context():
        call = _call(app, world.draft_call.id)
        with pytest.raises(ServiceError, match="already asks"):
            question_edits.add_bank_question(db.session.merge(world.officer), call, "mission")


@pytest.mark.parametrize(("data", "message"), [
    ({"custom-prompt_en": "", "custom-word_limit": "50"},
     "Write the question in English, the call&#39;s main language."),
    ({"custom-prompt_en": "Why?", "custom-word_limit": "0"}, "Enter a word limit from 1 to 1000."),
    ({"custom-prompt_en": "Why?", "custom-word_limit": "1001"},
     "Enter a word limit from 1 to 1000."),
    ({"custom-prompt_en": "Why?", "custom-word_limit": "many"}, "Not a valid integer value."),
])
def test_a_custom_question_needs_wording_and_a_sensible_limit(client, auth, world, data,
                                                              message):
    auth.login(world.officer)
    r = client.post(f"/calls/{world.draft_call.id}/questions", data={"add": "custom", **data})
    assert r.status_code == 422 and message in r.data.decode()
    if data["custom-prompt_en"]:
        assert b"Why?</textarea>" in r.data


def test_an_unknown_bank_question_is_refused(client, auth, world):
    auth.login(world.officer)
    r = client.post(f"/calls/{world.draft_call.id}/questions",
                    data={"add": "bank", "bank-key": "favourite_colour"})
    assert r.status_code == 422 and b"Not a valid choice" in r.data


def test_questions_cannot_change_once_the_call_is_open(app, client, auth, world):
    before = _positions(app, world.call.id)
    with app.app_context():
        qid = _call(app, world.call.id).questions[1].id
    auth.login(world.officer)
    url = f"/calls/{world.call.id}/questions"
    page = client.get(url).data.decode()
    assert "Questions can only change while a call is a draft." in page
    assert "Write your own question" not in page
    for r in (client.post(url, data={"add": "custom", "custom-prompt_en": "More?",
                                     "custom-word_limit": "50"}),
              client.post(url, data={"add": "bank", "bank-key": "mission"}),
              client.post(f"{url}/{qid}/delete"),
              client.post(f"{url}/{qid}/move", data={"direction": "up"})):
        assert r.status_code == 409
        assert "Questions can only change while a call is a draft." in r.data.decode()
    assert _positions(app, world.call.id) == before


def test_a_question_of_another_call_is_not_found(app, client, auth, world):
    with app.app_context():
        qid = _call(app, world.call.id).questions[0].id
    auth.login(world.officer)
    url = f"/calls/{world.draft_call.id}/questions/{qid}"
    assert client.post(f"{url}/delete").status_code == 404
    assert client.post(f"{url}/move", data={"direction": "up"}).status_code == 404


# --- the burden budget and opening -----------------------------------------------------------

def test_burden_figures_for_a_known_call(app, client, world):
    call_id = _make(app, questions=3, attachments_required=1)
    with app.app_context():
        call = _call(app, call_id)
        # 2 to start + 300 words / 10 + 5 for the budget + 5 for the document
        assert burden.burden(call) == burden.Burden(questions=3, words=300, attachments=1,
                                                    minutes=42)
        call.questions[0].word_limit = 105  # 305 words: 30.5 minutes of writing, rounded up
        assert burden.burden(call).minutes == 43
    page = client.get(f"/calls/{call_id}").data.decode()
    assert "About 42 minutes" in page and "up to 300 words in all" in page
    assert "1 minute for every 10 words asked" in page
    assert "About 42 minutes" in client.get("/calls/").data.decode()


def test_the_lists_burdens_counted_in_sql_match_each_calls_own(app, world):
    with_questions = _make(app, questions=3, attachments_required=1)
    without = _make(app, questions=0)
    with app.app_context():
        calls = list(db.session.scalars(sa.select(Call).where(
            Call.id.in_([with_questions, without, world.call.id]))))
        counted = burden.burdens(calls)
        assert counted == {c.id: burden.burden(c) for c in calls}
        assert counted[without].questions == 0 and counted[without].words == 0
        assert burden.burdens([]) == {}


@pytest.mark.parametrize(("fields", "message"), [
    ({"questions": 9}, "It asks 9 questions; the limit is 8. Remove 1."),
    ({"questions": 2, "word_limit": 800},
     "Its questions ask for up to 1600 words; the limit is 1500. Lower the word limits by 100"),
    ({"questions": 1, "attachments_required": 3},
     "It requires 3 attachments; the limit is 1. Require 2 fewer."),
])
def test_a_call_over_a_burden_limit_cannot_open(app, client, auth, world, fields, message):
    word_limit = fields.pop("word_limit", None)
    call_id = _make(app, status=CallStatus.DRAFT, **fields)
    if word_limit:
        with app.app_context():
            for q in _call(app, call_id).questions:
                q.word_limit = word_limit
            db.session.commit()
    auth.login(world.officer)
    r = client.post(f"/calls/{call_id}/open")
    assert r.status_code == 409 and message in r.data.decode()
    with app.app_context():
        assert _call(app, call_id).status == CallStatus.DRAFT


def test_every_reason_not_to_open_is_given_at_once(app, client, auth, world):
    with app.app_context():
        dormant = factories.fund(name="Dormant", is_active=False)
        call = factories.call(dormant, status=CallStatus.DRAFT, questions=0,
                              languages=["en", "fr"], closes_at=utcnow() - timedelta(days=1))
        db.session.commit()
        call_id = call.id
    auth.login(world.officer)
    r = client.post(f"/calls/{call_id}/open")
    page = r.data.decode()
    assert r.status_code == 409 and "This call cannot open yet" in page
    for message in ("The fund Dormant is not active.", "There is no title in French yet.",
                    "Add at least one question.", "has passed. Set a later one."):
        assert message in page, message
    assert "There is no title in English" not in page


def test_a_call_within_the_limits_opens_and_says_so(app, client, auth, world):
    auth.login(world.officer)
    page = client.get(f"/calls/{world.draft_call.id}").data.decode()
    assert "Ready to open." in page
    r = client.post(f"/calls/{world.draft_call.id}/open", follow_redirects=True)
    assert r.status_code == 200 and b"The call is open." in r.data
    r = client.post(f"/calls/{world.draft_call.id}/open")
    assert r.status_code == 409 and b"already open" in r.data


def test_closing_a_call_takes_it_off_the_public_list(app, client, auth, world):
    auth.login(world.officer)
    assert client.post(f"/calls/{world.call.id}/close").status_code == 302
    with app.app_context():
        assert _call(app, world.call.id).status == CallStatus.CLOSED
    assert client.post(f"/calls/{world.call.id}/close").status_code == 409
    auth.logout()
    assert "Protection 2027" not in client.get("/calls/").data.decode()
    page = client.get(f"/calls/{world.call.id}").data.decode()
    assert "This call is closed." in page and "/applications/new/" not in page


def test_a_closed_call_can_be_reopened_with_a_new_deadline(app, client, auth, world):
    call_id = _make(app, status=CallStatus.CLOSED, closes_at=utcnow() - timedelta(days=1))
    auth.login(world.officer)
    assert client.post(f"/calls/{call_id}/open").status_code == 409
    later = (SOON + timedelta(days=5)).isoformat()
    assert client.post(f"/calls/{call_id}/edit",
                       data=call_form(world.fund.id, languages=["en"],
                                      closes_on=later)).status_code == 302
    assert client.post(f"/calls/{call_id}/open").status_code == 302


# --- public pages --------------------------------------------------------------------------

@pytest.fixture
def catalogue(app, world):
    """Calls of every state, type and language, besides the world's own."""
    with app.app_context():
        spanish = factories.call(world.fund, title="unused", languages=["es"])
        spanish.texts = [CallText(language="es", title="Convocatoria abierta")]
        made = {
            "spanish": spanish,
            "rolling": factories.call(world.fund, call_type=CallType.ROLLING, closes_at=None,
                                      title="Rolling support"),
            "convening": factories.call(world.fund, call_type=CallType.CONVENING,
                                        title="Gathering 2027"),
            "closed": factories.call(world.fund, status=CallStatus.CLOSED, title="Closed one"),
            "expired": factories.call(world.fund, title="Expired one",
                                      closes_at=utcnow() - timedelta(hours=1)),
        }
        db.session.commit()
        return {k: v.id for k, v in made.items()}


def _listed(client, query="") -> str:
    r = client.get(f"/calls/{query}")
    assert r.status_code == 200
    return r.data.decode()


def test_the_public_list_shows_only_calls_taking_applications(client, catalogue):
    page = _listed(client)
    for title in ("Protection 2027", "Convocatoria abierta", "Rolling support", "Gathering 2027"):
        assert title in page, title
    for title in ("Not yet open", "Closed one", "Expired one"):
        assert title not in page, title
    assert "Rolling: no deadline" in page and "$100.00 to $10,000.00" in page
    assert "Individual defenders" in page


def test_the_public_list_filters_by_language_and_type(client, catalogue):
    page = _listed(client, "?language=es")
    assert "Convocatoria abierta" in page and "Protection 2027" not in page
    assert '<option value="es" selected>Spanish - Español</option>' in page
    page = _listed(client, "?type=rolling")
    assert "Rolling support" in page and "Gathering 2027" not in page
    page = _listed(client, "?type=convening&language=en")
    assert "Gathering 2027" in page and "Rolling support" not in page
    page = _listed(client, "?type=nonsense&language=zz&page=999")
    assert "No open calls match" in page


def test_the_public_list_is_paginated(app, client, world):
    with app.app_context():
        for i in range(25):
            factories.call(world.fund, title=f"Batch call {i:02d}")
        db.session.commit()
    first, second = _listed(client), _listed(client, "?page=2")
    assert "Page 1 of 2" in first and 'rel="next"' in first
    assert first.count("Batch call") + second.count("Batch call") == 25


def test_anyone_reads_an_open_call_with_its_rules_and_burden(app, client, world):
    with app.app_context():
        call = _call(app, world.call.id)
        call.min_protection_share_bp, call.min_psychosocial_share_bp = 1000, 550
        db.session.commit()
    r = client.get(f"/calls/{world.call.id}")
    page = r.data.decode()
    assert r.status_code == 200 and "Protection 2027" in page and "What we fund." in page
    assert "a line for protection and security and a line for psychosocial" in page
    assert "at least 10% of the total" in page and "at least 5.5% of the total" in page
    assert "Question 1?" in page and "Up to 100 words" in page
    assert f'href="/applications/new/{world.call.id}"' in page
    assert own_scripts_only(page) and "<img" not in page and " style=" not in page
    assert "Manage this call" not in page


def test_anonymous_visitors_and_applicants_do_not_see_drafts(client, auth, world):
    assert client.get(f"/calls/{world.draft_call.id}").status_code == 404
    assert "Not yet open" not in _listed(client)
    auth.login(world.applicant)
    assert client.get(f"/calls/{world.draft_call.id}").status_code == 404


def test_the_apply_button_is_for_those_who_may_apply(client, auth, world):
    link = f'href="/applications/new/{world.call.id}"'
    auth.login(world.applicant)
    assert link in client.get(f"/calls/{world.call.id}").data.decode()
    auth.login(world.reviewer)
    assert link not in client.get(f"/calls/{world.call.id}").data.decode()


def test_a_call_that_opens_later_is_listed_without_an_apply_button(app, client, world):
    with app.app_context():
        call = factories.call(world.fund, title="Coming soon")
        call.opens_at = utcnow() + timedelta(days=3)
        db.session.commit()
        call_id = call.id
    assert "Coming soon" in _listed(client)
    page = client.get(f"/calls/{call_id}").data.decode()
    assert "Applications open on" in page and "/applications/new/" not in page


def test_officers_see_the_management_panel_and_all_calls(client, auth, world, catalogue):
    auth.login(world.officer)
    page = client.get(f"/calls/{world.call.id}").data.decode()
    assert "Manage this call" in page and "Close the call" in page
    page = client.get("/calls/manage").data.decode()
    for title in ("Not yet open", "Closed one", "Expired one", "Protection 2027"):
        assert title in page, title
    page = client.get("/calls/manage?status=draft").data.decode()
    assert "Not yet open" in page and "Closed one" not in page


# --- access --------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["applicant", "reviewer", "intermediary"])
def test_only_officers_and_admins_manage_calls(client, auth, world, role):
    auth.login(getattr(world, role))
    for url in ("/calls/manage", "/calls/new", f"/calls/{world.call.id}/edit",
                f"/calls/{world.call.id}/questions", f"/calls/{world.call.id}/text/en"):
        assert client.get(url).status_code == 403, url
    for url in (f"/calls/{world.call.id}/open", f"/calls/{world.call.id}/close",
                "/calls/new"):
        assert client.post(url, data=call_form(world.fund.id)).status_code == 403, url
    # a draft is not even shown to them
    assert client.get(f"/calls/{world.draft_call.id}/edit").status_code == 404


def test_admins_manage_calls_too(client, auth, world):
    auth.login(world.admin)
    assert client.post("/calls/new", data=call_form(world.fund.id)).status_code == 302


@pytest.mark.parametrize("url", ["/calls/999999", "/calls/999999/edit",
                                 "/calls/999999/questions", "/calls/999999/text/en"])
def test_unknown_calls_are_not_found(client, auth, world, url):
    auth.login(world.officer)
    assert client.get(url).status_code == 404
    for post in ("/calls/999999/open", "/calls/999999/close",
                 "/calls/999999/questions/1/delete"):
        assert client.post(post).status_code == 404


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


def test_the_question_forms_work_with_real_form_tokens(app, client, auth, world, csrf_on):
    auth.login(world.officer)
    url = f"/calls/{world.draft_call.id}/questions"
    page = client.get(url).data.decode()
    token = re.search(r'name="bank-csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    r = client.post(url, data={"add": "bank", "bank-key": "mission", "bank-csrf_token": token})
    assert r.status_code == 302
    page = client.get(url).data.decode()
    token = re.search(r'name="custom-csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    r = client.post(url, data={"add": "custom", "custom-prompt_en": "Anything else?",
                               "custom-word_limit": "40", "custom-csrf_token": token})
    assert r.status_code == 302
    with app.app_context():
        last = _call(app, world.draft_call.id).questions[-1]
        assert last.prompts == {"en": "Anything else?"} and last.position == 4
    button = re.search(r'<form method="post" action="([^"]+/move)"><input type="hidden" '
                       r'name="csrf_token" value="([^"]+)"', client.get(url).data.decode())
    r = client.post(button.group(1), data={"direction": "down", "csrf_token": button.group(2)})
    assert r.status_code == 302
    assert client.post(f"/calls/{world.draft_call.id}/open").status_code == 400  # no token


def test_typing_survives_an_expired_form_token(client, auth, world, csrf_on):
    auth.login(world.officer)
    for url, data, kept in (
        (f"/calls/{world.draft_call.id}/text/en",
         {"title": "Kept title", "description": "Kept description"}, "Kept description"),
        (f"/calls/{world.draft_call.id}/questions",
         {"add": "custom", "custom-prompt_en": "Kept question?", "custom-word_limit": "70"},
         "Kept question?</textarea>"),
        ("/calls/new", call_form(world.fund.id, amount_max="4321"), 'value="4321"'),
    ):
        r = client.post(url, data={**data, "csrf_token": "expired.token"})
        assert r.status_code == 302 and "rescued=" in r.headers["Location"], url
        page = client.get(r.headers["Location"]).data.decode()
        assert kept in page and "We kept what you typed" in page, url


def test_a_rapid_response_call_keeps_its_type_when_edited(app, client, auth, world):
    call_id = _make(app, call_type=CallType.RAPID_RESPONSE, closes_at=None)
    auth.login(world.officer)
    page = client.get(f"/calls/{call_id}/edit").data.decode()
    assert 'value="rolling"' not in page and 'value="rapid_response"' in page
    r = client.post(f"/calls/{call_id}/edit",
                    data=call_form(world.fund.id, call_type="rapid_response", closes_on="",
                                   languages=["en"], amount_max="5000"))
    assert r.status_code == 302
    r = client.post(f"/calls/{call_id}/edit",
                    data=call_form(world.fund.id, call_type="open", languages=["en"]))
    assert r.status_code == 422 and b"Not a valid choice" in r.data
    with app.app_context():
        call = _call(app, call_id)
        assert call.call_type == CallType.RAPID_RESPONSE and call.amount_max_minor == 500_000
