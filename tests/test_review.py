"""The officer's review and decision journey, through the test client on a real database:
queue, conflicts, scores, a request for information and its answer, the two-person rule,
and each refusal."""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import timedelta

import pytest
import sqlalchemy as sa

from grants.errors import ServiceError
from grants.extensions import db
from grants.models import (
    Application,
    ApplicationAnswer,
    ApplicationStatus,
    AuditEvent,
    Award,
    AwardStatus,
    Call,
    CallType,
    Message,
    Review,
    Role,
    User,
)
from grants.models.types import utcnow
from grants.review import decisions, services
from tests import factories

SECRET = "Men followed our coordinator home on 3 May"
CONFLICT_NOTE = "My sister works with this group"


@contextmanager
def database(app):
    with app.app_context():
        yield db.session
        db.session.commit()


def _get(model, id_):
    return db.session.get(model, id_)


def _staff(app, role: Role = Role.OFFICER, **kwargs) -> User:
    with app.app_context():
        user = factories.user(role, **kwargs)
        db.session.commit()
        db.session.refresh(user)  # ids stay readable once detached
    return user


def _ready(app, world) -> Application:
    """world.submitted with answers, a threat description and a group with an e-mail."""
    with database(app) as s:
        a = _get(Application, world.submitted.id)
        a.threat_description = SECRET
        for q in a.call.questions:
            a.answers.append(ApplicationAnswer(question_id=q.id, text=f"Answer {q.position}."))
        _get(User, world.applicant.id).email = "group@example.org"
        s.flush()
    world.applicant.email = "group@example.org"  # auth.login merges this detached copy
    return world.submitted


def _page(response) -> str:
    return response.data.decode()


def _audit(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


def _status(app, application_id: int) -> ApplicationStatus:
    with app.app_context():
        return _get(Application, application_id).status


def _scores(labels, values=(4, 5, 3, 4)) -> dict:
    return {f"c{i}": str(v) for i, v in zip(range(len(labels)), values, strict=False)}


# The queue ----------------------------------------------------------------------------------

def test_the_queue_puts_the_most_urgent_first_and_filters(app, client, auth, world):
    with database(app):
        org = factories.organisation(factories.user(), country="KE")
        rapid = factories.call(world.fund, call_type=CallType.RAPID_RESPONSE, closes_at=None)
        soon = factories.call(world.fund, closes_at=utcnow() + timedelta(days=2))
        rolling = factories.call(world.fund, call_type=CallType.ROLLING, closes_at=None)
        made = {name: factories.application(c, org, status=ApplicationStatus.SUBMITTED,
                                            code_name=f"Q-{name}")
                for name, c in (("rolling", rolling), ("soon", soon), ("rapid", rapid))}
        made["soon"].submitted_at = utcnow() - timedelta(days=1)
        older = factories.application(soon, org, status=ApplicationStatus.SUBMITTED,
                                      code_name="Q-older")
        older.submitted_at = utcnow() - timedelta(days=9)
    auth.login(world.officer)
    page = _page(client.get("/review/?country=KE"))
    codes = re.findall(r'>(Q-\w+)</bdi></a>', page)
    assert codes == ["Q-rapid", "Q-older", "Q-soon", "Q-rolling"]
    assert world.submitted.code_name not in page  # another country
    page = _page(client.get("/review/?type=rapid_response"))
    assert re.findall(r">(Q-\w+)</bdi></a>", page) == ["Q-rapid"]
    page = _page(client.get(f"/review/?call={world.call.id}&status=submitted"))
    assert world.submitted.code_name in page and "Q-rapid" not in page
    assert world.application.code_name not in page  # a draft is never in the queue


def test_the_queue_loads_a_page_in_a_fixed_number_of_queries(app, client, auth, world):
    auth.login(world.officer)

    def count() -> int:
        seen = []
        engine = db.engines[None]
        engine = getattr(engine, "engine", engine)
        listener = lambda *args: seen.append(1)  # noqa: E731
        sa.event.listen(engine, "before_cursor_execute", listener)
        try:
            assert client.get("/review/").status_code == 200
        finally:
            sa.event.remove(engine, "before_cursor_execute", listener)
        return len(seen)

    with app.app_context():
        few = count()
    assert few > 3  # the counter sees the page's queries
    with database(app):
        org = factories.organisation(factories.user())
        for _ in range(6):
            a = factories.application(world.call, org, status=ApplicationStatus.SUBMITTED)
            factories.assign(a, factories.user(Role.REVIEWER))
    with app.app_context():
        assert count() == few


# The whole journey ------------------------------------------------------------------------------

def test_queue_conflict_scores_information_and_two_person_approval(app, client, auth, world,
                                                                   outbox):
    application = _ready(app, world)
    url = f"/review/applications/{application.id}"
    colleague, conflicted = _staff(app), _staff(app, Role.REVIEWER)

    # The officer finds it in the queue and assigns two reviewers and themselves.
    auth.login(world.officer)
    assert application.code_name in _page(client.get("/review/"))
    for person in (world.reviewer, conflicted):
        assert client.post(f"{url}/reviewers", data={"reviewer": person.id}).status_code == 302
    client.post(f"{url}/officer", data={"officer": world.officer.id})
    assert _status(app, application.id) == ApplicationStatus.UNDER_REVIEW

    # A reviewer sees nothing before answering the conflict question.
    auth.login(conflicted)
    assert client.get(f"/applications/{application.id}").status_code == 404
    assert client.get(f"{url}/score").status_code == 404
    assert "conflict-of-interest question" in _page(client.get("/review/"))
    r = client.post(f"{url}/conflict", data={"conflict": "yes", "note": CONFLICT_NOTE})
    assert r.status_code == 302
    assert client.get(f"/applications/{application.id}").status_code == 404
    assert application.code_name not in _page(client.get("/review/"))
    (event,) = _audit(app, "review.conflict_declared")
    assert event.details == {"application_id": application.id, "conflict": True}
    assert CONFLICT_NOTE not in str(event.details)

    # The other one declares no conflict, reads the application (not its threats), scores.
    auth.login(world.reviewer)
    r = client.post(f"{url}/conflict", data={"conflict": "no"})
    assert r.headers["Location"].endswith(f"{url}/score")
    shown = _page(client.get(f"/applications/{application.id}"))
    assert "Answer 1." in shown and SECRET not in shown
    labels = list(services.DEFAULT_CRITERIA)
    r = client.post(f"{url}/score", data={**_scores(labels), "recommendation": "fund",
                                          "comment": "Strong local network."})
    assert r.status_code == 302
    with app.app_context():
        review = db.session.scalar(sa.select(Review).where(
            Review.application_id == application.id, Review.reviewer_id == world.reviewer.id))
        assert review.criteria_scores == dict(zip(labels, (4, 5, 3, 4), strict=True))
        assert review.score == 4 and review.submitted_at is not None

    # The officer reads the average and asks the group for more information.
    auth.login(world.officer)
    overview = _page(client.get(url))
    assert "<strong>4.0</strong> / 5" in overview and "Strong local network." in overview
    assert CONFLICT_NOTE in overview  # officers read why a reviewer stepped away
    question = "Which room will the shelter use, and for how long?"
    assert client.post(f"{url}/more-info", data={"message": question}).status_code == 302
    assert _status(app, application.id) == ApplicationStatus.MORE_INFO_REQUESTED
    (mail,) = outbox
    assert "shelter" not in mail.get_content() and application.code_name not in str(mail)
    assert application.code_name in _page(client.get("/review/?status=more_info_requested"))

    # The group reads the question, changes an answer and sends it again.
    auth.login(world.applicant)
    assert question in _page(client.get(f"/applications/{application.id}"))
    with app.app_context():
        first, second = (q.id for q in _get(Application, application.id).call.questions)
    r = client.post(f"/applications/{application.id}/step/2",
                    data={f"q{second}": "The back room, for six months."})
    assert r.status_code == 302
    assert client.post(f"/applications/{application.id}/submit").status_code == 302
    assert _status(app, application.id) == ApplicationStatus.SUBMITTED
    with app.app_context():
        answers = {a.question_id: a.text for a in _get(Application, application.id).answers}
    assert answers == {first: "Answer 1.", second: "The back room, for six months."}

    # Back in the queue; the officer approves above the two-person threshold.
    auth.login(world.officer)
    assert application.code_name in _page(client.get("/review/?status=submitted"))
    terms = {"decision": "approve", "amount": "25,000", "currency": "USD",
             "start_date": "2027-01-01", "years": "1", "support_type": "core",
             "conditions": "Report on the shelter.", "confirmed": "1", "far_ok": "y"}
    assert client.post(f"{url}/decide", data=terms).status_code == 302
    with app.app_context():
        award = db.session.scalar(sa.select(Award).where(Award.application_id == application.id))
        assert (award.status, award.amount_minor) == (AwardStatus.PENDING_APPROVAL, 2_500_000)
        award_id = award.id
    assert _status(app, application.id) == ApplicationStatus.UNDER_REVIEW
    assert len(outbox) == 1  # nothing is said to the group before the decision is whole

    # The same officer cannot be the second; another officer confirms.
    r = client.post(f"/review/awards/{award_id}/confirm")
    assert r.status_code == 403 and "you made the first approval" in _page(r)
    auth.login(colleague)
    assert "Confirm the approval" in _page(client.get(url))
    assert client.post(f"/review/awards/{award_id}/confirm").status_code == 302
    with app.app_context():
        award, done = _get(Award, award_id), _get(Application, application.id)
        assert award.status == AwardStatus.ACTIVE and award.second_approver_id == colleague.id
        assert done.status == ApplicationStatus.APPROVED and done.decided_at is not None
    assert len(outbox) == 2
    assert "25" not in outbox[-1].get_content() and application.code_name not in str(outbox[-1])
    (approved,) = _audit(app, "application.approved")
    assert approved.details == {"award_id": award_id, "amount_minor": 2_500_000,
                                "currency": "USD"}


def test_an_approval_below_the_threshold_is_whole_at_once(app, client, auth, world, outbox):
    application = _ready(app, world)
    auth.login(world.officer)
    r = client.post(f"/review/applications/{application.id}/decide", data={
        "decision": "approve", "amount": "1000", "currency": "USD", "start_date": "2027-02-01",
        "years": "1", "support_type": "project", "confirmed": "1"})
    assert r.status_code == 302
    with app.app_context():
        award = db.session.scalar(sa.select(Award).where(Award.application_id == application.id))
        assert award.status == AwardStatus.ACTIVE and award.amount_minor == 100_000
    assert _status(app, application.id) == ApplicationStatus.APPROVED
    assert len(outbox) == 1


# Refusals ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("change, message", [
    ({"start_date": ""}, "Enter the date the award starts."),
    ({"years": "4"}, "An award from this call lasts one year."),
    ({"years": ""}, "An award from this call lasts one year."),
    ({"amount": "0"}, "Enter an amount above zero."),
    ({"amount": "-5"}, "Enter an amount of zero or more."),
    ({"amount": "100.5555"}, "USD amounts have at most 2 decimal places."),
    ({"amount": "a lot"}, "Enter an amount in numbers"),
])
def test_bad_terms_are_refused_and_nothing_typed_is_lost(app, client, auth, world, change,
                                                         message):
    auth.login(world.officer)
    terms = {"decision": "approve", "amount": "1500", "currency": "USD",
             "start_date": "2027-01-01", "years": "1", "support_type": "core",
             "conditions": "Share the safety plan with us.", **change}
    r = client.post(f"/review/applications/{world.submitted.id}/decide", data=terms)
    page = _page(r)
    assert r.status_code == 200 and message in page
    assert "Share the safety plan with us." in page
    assert f'value="{terms["amount"]}"' in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Award.id)).where(
            Award.application_id == world.submitted.id)) == 0
    assert _status(app, world.submitted.id) == ApplicationStatus.SUBMITTED


def test_an_officer_with_a_conflict_cannot_see_or_decide(app, client, auth, world):
    colleague = _staff(app)
    url = f"/review/applications/{world.submitted.id}"
    auth.login(colleague)
    assert client.get(f"{url}/decide").status_code == 200
    assert client.post(f"{url}/conflict", data={"note": CONFLICT_NOTE}).status_code == 302
    for path in ("", "/decide", "/more-info"):
        assert client.get(url + path).status_code == 404
    r = client.post(f"{url}/decide", data={"decision": "decline", "message": "No."})
    assert r.status_code == 404
    assert world.submitted.code_name not in _page(client.get("/review/"))
    with app.app_context():
        officer, application = _get(User, colleague.id), _get(Application, world.submitted.id)
        with pytest.raises(ServiceError, match="declared a conflict of interest"):
            decisions.decline(officer, application, "No.")
    assert _status(app, world.submitted.id) == ApplicationStatus.SUBMITTED


def test_a_conflicted_officer_cannot_give_the_second_approval(app, client, auth, world):
    with app.app_context():
        award = _get(Award, world.pending_award.id)
        factories.assign(award.application, _get(User, world.officer.id), conflict=True)
        db.session.commit()
    auth.login(world.officer)
    assert client.post(f"/review/awards/{world.pending_award.id}/confirm").status_code == 404
    with app.app_context():
        assert _get(Award, world.pending_award.id).status == AwardStatus.PENDING_APPROVAL


def test_a_decline_keeps_the_message_for_the_group(app, client, auth, world, outbox):
    application = _ready(app, world)
    url = f"/review/applications/{application.id}/decide"
    auth.login(world.officer)
    r = client.post(url, data={"decision": "decline", "message": "  "})
    assert r.status_code == 200 and "Write a message to the applicant." in _page(r)
    text = "We cannot fund shelters this year; please apply to the spring call."
    assert client.post(url, data={"decision": "decline", "message": text}).status_code == 302
    with app.app_context():
        done = _get(Application, application.id)
        assert done.status == ApplicationStatus.DECLINED and done.decided_at is not None
        assert done.history[-1].note == text
        assert db.session.scalar(sa.select(Message.body).where(
            Message.application_id == application.id)) == text
    (mail,) = outbox
    assert "shelter" not in mail.get_content()
    assert text not in str(_audit(app, "application.declined")[0].details)
    auth.login(world.applicant)
    assert text in _page(client.get(f"/applications/{application.id}"))
    auth.login(world.officer)
    assert client.get(url).status_code == 403  # decided: nothing more to decide


def test_a_decline_cancels_an_approval_waiting_for_its_second_officer(app, client, auth, world):
    pending = world.pending_award
    auth.login(world.officer)
    r = client.post(f"/review/applications/{pending.application_id}/decide",
                    data={"decision": "decline", "message": "The fund is spent."})
    assert r.status_code == 302
    with app.app_context():
        assert _get(Award, pending.id).status == AwardStatus.CANCELLED
    assert _status(app, pending.application_id) == ApplicationStatus.DECLINED


def test_a_second_approval_cannot_be_made_twice_or_on_a_new_one(app, client, auth, world):
    auth.login(world.officer)
    url = f"/review/applications/{world.pending_award.application_id}/decide"
    r = client.post(url, data={"decision": "approve", "amount": "1000", "currency": "USD",
                               "start_date": "2027-01-01", "years": "1",
                               "support_type": "core"})
    assert "already has an award" in _page(r)  # the approval form is not offered either
    assert client.post(f"/review/awards/{world.pending_award.id}/confirm").status_code == 302
    r = client.post(f"/review/awards/{world.pending_award.id}/confirm")
    assert r.status_code == 403


def test_scores_are_refused_with_a_message_and_kept(app, client, auth, world):
    auth.login(world.reviewer)
    url = f"/review/applications/{world.reviewed.id}/score"
    r = client.post(url, data={"c0": "4", "c1": "9", "comment": "Keep this comment."})
    page = _page(r)
    assert r.status_code == 200
    assert "Choose a recommendation." in page and "Keep this comment." in page
    assert 'checked id="c0-3"' in page  # the 4 given stays chosen
    with app.app_context():
        review = db.session.scalar(sa.select(Review).where(
            Review.application_id == world.reviewed.id))
        assert review.submitted_at is None


def test_a_reviewer_answers_the_conflict_question_once(app, client, auth, world):
    auth.login(world.reviewer)
    r = client.post(f"/review/applications/{world.reviewed.id}/conflict",
                    data={"conflict": "yes"})
    assert r.status_code == 403


# The rubric ---------------------------------------------------------------------------------------

def test_a_call_has_its_own_rubric_until_reviews_are_scored(app, client, auth, world):
    auth.login(world.officer)
    url = f"/review/calls/{world.call.id}/rubric"
    assert "Safety of the plan" in _page(client.get(url))
    r = client.post(url, data={"criteria": "Local roots\n\nlocal roots"})
    assert "Each criterion must be different." in _page(r)
    assert client.post(url, data={"criteria": "Local roots\r\nCare for the team\n"}).status_code \
        == 302
    with app.app_context():
        assert _get(Call, world.call.id).review_criteria == ["Local roots", "Care for the team"]
    auth.login(world.reviewer)
    score_url = f"/review/applications/{world.reviewed.id}/score"
    assert "Care for the team" in _page(client.get(score_url))
    client.post(score_url, data={"c0": "5", "c1": "2", "recommendation": "fund_with_conditions"})
    auth.login(world.officer)
    r = client.post(url, data={"criteria": "Something else"})
    assert "already scored" in _page(r)
    with app.app_context():
        assert _get(Call, world.call.id).review_criteria == ["Local roots", "Care for the team"]
        review = db.session.scalar(sa.select(Review).where(
            Review.application_id == world.reviewed.id))
        assert review.score == 4  # 3.5 rounds half up
    overview = _page(client.get(f"/review/applications/{world.reviewed.id}"))
    assert "<strong>3.5</strong> / 5" in overview


def test_the_application_page_shows_officers_the_review_and_reviewers_less(app, client, auth,
                                                                           world):
    with database(app):
        factories.assign(_get(Application, world.reviewed.id), factories.user(Role.REVIEWER))
        post = Message(application_id=world.reviewed.id, sender_id=world.applicant.id,
                       body="Our safe house is on the hill")
        db.session.add(post)
    auth.login(world.reviewer)
    page = _page(client.get(f"/applications/{world.reviewed.id}"))
    assert f"/review/applications/{world.reviewed.id}/score" in page
    assert "safe house" not in page and "/decide" not in page
    client.post(f"/review/applications/{world.reviewed.id}/score",
                data={**_scores(services.DEFAULT_CRITERIA, (2, 3, 3, 3)),
                      "recommendation": "decline"})
    auth.login(world.officer)
    page = _page(client.get(f"/applications/{world.reviewed.id}"))
    assert "Average score 2.8 / 5 from 1 review." in page
    assert f"/review/applications/{world.reviewed.id}/decide" in page and "safe house" in page


def test_assignments_are_refused_with_a_message(app, client, auth, world):
    colleague = _staff(app)
    url = f"/review/applications/{world.reviewed.id}"
    auth.login(colleague)
    client.post(f"{url}/conflict", data={"note": ""})
    auth.login(world.officer)
    r = client.post(f"{url}/officer", data={"officer": colleague.id}, follow_redirects=True)
    assert "This officer declared a conflict of interest" in _page(r)
    r = client.post(f"{url}/reviewers", data={"reviewer": world.reviewer.id},
                    follow_redirects=True)
    assert "Not a valid choice" in _page(r)  # already assigned: not offered again
    r = client.post(f"{url}/reviewers", data={}, follow_redirects=True)
    assert "Choose a reviewer." in _page(r)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Review.id)).where(
            Review.application_id == world.reviewed.id)) == 2
        assert _get(Application, world.reviewed.id).assigned_officer_id is None


def test_a_reviewer_finds_their_scores_again_and_may_revise_them(app, client, auth, world):
    auth.login(world.reviewer)
    url = f"/review/applications/{world.reviewed.id}/score"
    client.post(url, data={**_scores(services.DEFAULT_CRITERIA, (1, 1, 1, 2)),
                           "recommendation": "decline", "comment": "Too vague."})
    page = _page(client.get(url))
    assert 'checked id="c3-1"' in page and "Too vague." in page
    client.post(url, data={**_scores(services.DEFAULT_CRITERIA, (5, 5, 5, 5)),
                           "recommendation": "fund"})
    with app.app_context():
        review = db.session.scalar(sa.select(Review).where(
            Review.application_id == world.reviewed.id))
        assert (review.score, review.recommendation.value, review.comment) == (5, "fund", None)
    assert len(_audit(app, "review.submitted")) == 2


def test_withdrawing_cancels_an_approval_waiting_for_a_second_officer(app, client, auth, world):
    from grants.models import Award, AwardStatus

    with app.app_context():
        pending = db.session.get(Award, world.pending_award.id)
        application_id = pending.application_id
        assert pending.status == AwardStatus.PENDING_APPROVAL
    auth.login(world.stranger)  # the pending award is the stranger's group's
    r = client.post(f"/applications/{application_id}/withdraw",
                    data={"reason": "", "confirm": "y"})
    assert r.status_code == 302
    with app.app_context():
        assert db.session.get(Award, world.pending_award.id).status == AwardStatus.CANCELLED


def test_an_officer_with_a_conflict_cannot_give_the_second_approval(app, world):
    from grants.models import Award
    from grants.policy import Permission, can

    with app.app_context():
        award = db.session.get(Award, world.pending_award.id)
        officer = db.session.get(User, world.officer.id)
        assert can(officer, Permission.SECOND_APPROVAL, award)
        factories.assign(award.application, officer, conflict=True)
        assert not can(officer, Permission.SECOND_APPROVAL, award)


def test_the_conflict_question_names_the_group_and_nothing_sensitive(app, client, auth, world):
    with app.app_context():
        application = db.session.get(Application, world.submitted.id)
        application.threat_description = SECRET
        reviewer = factories.user(Role.REVIEWER)
        factories.assign(application, reviewer, declared=False)
        db.session.commit()
        group = application.organisation.name
        db.session.refresh(reviewer)
    auth.login(reviewer)
    page = client.get(f"/review/applications/{world.submitted.id}/conflict").data.decode()
    assert group in page and SECRET not in page
    assert "Signal +57" not in page  # the group's contact details stay out


def test_a_requests_kept_assignment_never_hides_a_change(app, world):
    # policy.assignment() keeps its answer within a request (a page asks it several times);
    # a review added, changed or removed in that request must still be seen.
    from grants.policy import assignment

    with app.test_request_context("/"):
        application = db.session.get(Application, world.reviewed.id)
        officer = db.session.get(User, world.officer.id)
        assert assignment(officer, application) is None
        assert assignment(officer, application) is None  # kept: no second query
        review = Review(application_id=application.id, reviewer_id=officer.id)
        db.session.add(review)  # pending: asked afresh, the query flushes it first
        assert assignment(officer, application) is review
        review.conflict_declared = True
        db.session.flush()
        assert assignment(officer, application).conflict_declared
        db.session.delete(review)
        assert assignment(officer, application) is None
        db.session.rollback()
