"""The message thread on an application: who writes, what is kept, what a notice says."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from grants.extensions import db
from grants.models import Membership, Message


def _url(world) -> str:
    return f"/applications/{world.submitted.id}/messages"


def _messages(app, world) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(
            sa.select(Message.body).where(Message.application_id == world.submitted.id)
            .order_by(Message.id)))


def test_officer_and_group_talk_on_the_application_page(app, client, auth, world, outbox):
    with app.app_context():
        member = db.session.scalar(sa.select(Membership).where(
            Membership.organisation_id == world.submitted.organisation_id))
        member.user.email = "group@example.org"
        db.session.commit()
    auth.login(world.officer)
    r = client.post(_url(world), data={"body": "Could you say more about the shelter costs?"})
    assert r.status_code == 302 and r.headers["Location"].endswith(
        f"/applications/{world.submitted.id}#messages")
    (mail,) = outbox
    assert "shelter" not in mail.get_content()  # the notice says there is news, nothing more
    auth.login(world.applicant)
    page = client.get(f"/applications/{world.submitted.id}").data.decode()
    assert "Could you say more about the shelter costs?" in page
    assert 'id="message-body"' in page
    client.post(_url(world), data={"body": "Rent for two safe rooms, six months."})
    assert _messages(app, world) == ["Could you say more about the shelter costs?",
                                     "Rent for two safe rooms, six months."]
    assert len(outbox) == 1  # the group writing to staff e-mails nobody


@pytest.mark.parametrize("body, message", [
    ("   ", "Write a message first."),
    ("x" * 10_001, "at most 10000 characters"),
])
def test_an_empty_or_over_long_message_is_refused_with_a_message(app, client, auth, world,
                                                                 body, message):
    auth.login(world.applicant)
    r = client.post(_url(world), data={"body": body}, follow_redirects=True)
    assert r.status_code == 200 and message in r.data.decode()
    assert _messages(app, world) == []


def test_nobody_else_learns_the_thread_exists(app, client, auth, world):
    auth.login(world.stranger)
    assert client.post(_url(world), data={"body": "hello"}).status_code == 404
    auth.login(world.officer)
    assert client.post("/applications/999999/messages", data={"body": "x"}).status_code == 404
    assert _messages(app, world) == []


def test_a_message_sent_from_the_award_page_comes_back_to_it(app, client, auth, world):
    auth.login(world.applicant)
    page = client.get(f"/awards/{world.award.id}").data.decode()
    assert 'name="back" value="award"' in page
    application_id = world.award.application_id
    r = client.post(f"/applications/{application_id}/messages",
                    data={"body": "The report is late, sorry", "back": "award"})
    assert r.headers["Location"].endswith(f"/awards/{world.award.id}#messages")
    r = client.post(f"/applications/{application_id}/messages", data={"body": "Again"})
    assert r.headers["Location"].endswith(f"/applications/{application_id}#messages")
