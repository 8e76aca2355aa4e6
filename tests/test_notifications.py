"""Notices outside the portal: only to people who gave an address, never with content, and
only for what was committed (they go through the outbox: grants/jobs)."""

from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa

from grants import notifications
from grants.extensions import db
from grants.models import OutboxItem
from tests import factories


def test_a_notice_says_only_that_there_is_news(app, outbox):
    with app.test_request_context():
        user = factories.user()
        user.email = "defender@example.org"
        assert notifications.notify(user, "message") is True
        name = user.username
        db.session.commit()
    (mail,) = outbox
    assert mail["To"] == "defender@example.org"
    body = mail.get_content()
    assert "news" in body and "never put the content" in body
    assert name not in body
    assert mail["Message-ID"].startswith("<notice.")


def test_nothing_leaves_for_an_action_rolled_back(app, outbox):
    with app.test_request_context():
        user = factories.user()
        user.email = "defender@example.org"
        db.session.commit()
        assert notifications.notify(user, "message") is True
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxItem)) == 0
    assert outbox == []


def test_the_outbox_row_holds_ids_not_content(app, outbox):
    with app.test_request_context():
        user = factories.user()
        user.email = "defender@example.org"
        notifications.notify(user, "payment_update")
        db.session.flush()
        row = db.session.scalars(sa.select(OutboxItem)).one()
        assert set(row.payload) == {"user_id", "kind", "url"}
        assert "example.org" not in str(row.payload) and user.username not in str(row.payload)


def test_an_address_removed_before_delivery_means_no_notice(app, outbox):
    with app.test_request_context():
        user = factories.user()
        user.email = "defender@example.org"
        notifications.notify(user, "message")
        db.session.commit()
        user.email = None
        db.session.commit()
    assert outbox == []


def test_no_address_no_notice(app, outbox):
    with app.test_request_context():
        user = factories.user()
        assert notifications.notify(user, "application_update") is False
        db.session.commit()
    assert outbox == []


def test_an_unknown_kind_is_a_programming_error(app, outbox):
    with app.test_request_context():
        user = factories.user()
        with pytest.raises(ValueError):
            notifications.notify(user, "anything")
        db.session.rollback()


def test_the_log_backend_logs_no_address(app, caplog):
    from grants.jobs import worker

    caplog.set_level(logging.INFO, logger="grants.notifications")
    with app.test_request_context():
        user = factories.user()
        user.email = "hidden@example.org"
        notifications.notify(user, "message")
        db.session.commit()
        worker.sweep()
        user_id = user.id
    assert "hidden@example.org" not in caplog.text and f"user {user_id}" in caplog.text
