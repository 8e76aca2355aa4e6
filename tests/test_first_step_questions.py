"""The threats a group faces and how to reach it safely are asked once:
on the application form's first step, for every call. A call cannot add the bank questions
that repeat them, and a call that has them from before never shows them to applicants: the
first step's fields answer them."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from grants.applications import services as applications
from grants.applications.calls import burden, question_bank, question_edits
from grants.errors import ServiceError
from grants.extensions import db
from grants.models import CallQuestion, CallStatus
from grants.models.calls import ON_FIRST_STEP
from tests import factories

REPEATS = ("risks", "safe_contact")


def test_the_bank_questions_that_repeat_the_first_step_are_known():
    assert set(REPEATS) <= set(question_bank.BANK)
    assert {k for k, e in question_bank.BANK.items() if e.on_first_step} == set(ON_FIRST_STEP)
    assert set(ON_FIRST_STEP.values()) == {"threat_description", "safe_contact"}


@pytest.mark.parametrize("key", REPEATS)
def test_a_call_cannot_add_a_question_the_first_step_asks(app, world, key):
    with app.app_context():
        call = factories.call(world.fund, status=CallStatus.DRAFT)
        with pytest.raises(ServiceError) as refused:
            question_edits.add_bank_question(db.session.merge(world.officer), call, key)
        assert refused.value.field == "key" and "first step" in refused.value.msgid
        assert all(q.bank_key != key for q in call.questions)


def test_the_officers_bank_list_does_not_offer_them(app, client, auth, world):
    with app.app_context():
        call_id = factories.call(world.fund, status=CallStatus.DRAFT).id
        db.session.commit()
    auth.login(world.officer)
    page = client.get(f"/calls/{call_id}/questions").get_data(as_text=True)
    assert 'value="mission"' in page
    assert 'value="risks"' not in page and 'value="safe_contact"' not in page
    r = client.post(f"/calls/{call_id}/questions", data={"add": "bank", "bank-key": "risks"})
    assert r.status_code == 422
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CallQuestion).where(
            CallQuestion.call_id == call_id, CallQuestion.bank_key == "risks")) == 0


def _call_with_repeats(world):
    call = factories.call(world.fund, questions=1)
    for key in REPEATS:
        entry = question_bank.get(key)
        call.questions.append(CallQuestion(position=len(call.questions) + 1, bank_key=key,
                                           prompts={"en": entry.english()}, word_limit=60,
                                           required=True, sensitive=True))
    db.session.flush()
    return call


def test_a_call_that_has_them_from_before_asks_each_thing_once(app, client, auth, world):
    with app.app_context():
        call = _call_with_repeats(world)
        draft = factories.application(call, world.org, by=world.applicant)
        draft.threat_description, draft.safe_contact = "Threats at the gate", "Signal only"
        db.session.commit()
        ids = (call.id, draft.id)
        assert [q.bank_key for q in call.asked_questions] == ["custom"]
        assert burden.burden(call).questions == 1
        # the step 1 fields answer them: only the call's own question waits for an answer
        custom = call.asked_questions[0]
        assert [p.field for p in applications.problems(draft)
                if p.step == applications.QUESTIONS] == [f"q{custom.id}"]
    auth.login(world.applicant)
    step1 = client.get(f"/applications/{ids[1]}/step/1").get_data(as_text=True)
    step2 = client.get(f"/applications/{ids[1]}/step/2").get_data(as_text=True)
    call_page = client.get(f"/calls/{ids[0]}").get_data(as_text=True)
    for prompt in ("What risks do you face", "How and when can we reach you safely"):
        assert prompt not in step2 and prompt not in call_page
    assert "What threats do you face?" in step1 and "How and when is it safe to contact you?" \
        in step1
    assert "Question 1?" in step2


def test_the_officer_sees_why_such_a_question_is_not_asked(app, client, auth, world):
    with app.app_context():
        call = _call_with_repeats(world)
        db.session.commit()
        call_id = call.id
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CallQuestion).where(
            CallQuestion.call_id == call_id)) == 3
    auth.login(world.officer)
    page = client.get(f"/calls/{call_id}/questions").get_data(as_text=True)
    assert page.count("not asked: the first step of every application asks this") == 2
