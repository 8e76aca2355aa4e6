"""Notices outside the portal: only to people who gave an address, never with content."""

from __future__ import annotations

import pytest

from grants import notifications
from grants.extensions import db
from tests import factories


def test_a_notice_says_only_that_there_is_news(app, outbox):
    with app.test_request_context():
        user = factories.user()
        user.email = "defender@example.org"
        assert notifications.notify(user, "message") is True
        db.session.rollback()
    (mail,) = outbox
    assert mail["To"] == "defender@example.org"
    body = mail.get_content()
    assert "news" in body and "never put the content" in body
    assert user.username not in body


def test_no_address_no_notice(app, outbox):
    with app.test_request_context():
        user = factories.user()
        assert notifications.notify(user, "application_update") is False
        db.session.rollback()
    assert outbox == []


def test_an_unknown_kind_is_a_programming_error(app, outbox):
    with app.test_request_context():
        user = factories.user()
        with pytest.raises(ValueError):
            notifications.notify(user, "anything")
        db.session.rollback()


def test_the_log_backend_logs_no_address(app, caplog):
    import logging

    caplog.set_level(logging.INFO, logger="grants.notifications")
    with app.test_request_context():
        user = factories.user()
        user.email = "hidden@example.org"
        notifications.notify(user, "message")
        db.session.rollback()
    assert "hidden@example.org" not in caplog.text and f"user {user.id}" in caplog.text
