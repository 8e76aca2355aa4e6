"""Canaries: marker values typed into every sensitive field through the journeys must never
show up in logs, e-mails, redirect URLs, the audit log or anywhere in the raw database
(encrypted columns hold ciphertext, so a marker found in a raw row is a leak)."""

from __future__ import annotations

import logging

import sqlalchemy as sa

from grants.extensions import db
from grants.models import Application, SurveyInvitation, User
from grants.models.types import EncryptedText
from tests.test_applications import GOOD_BUDGET

CANARY = "CANARY7Q"  # each field gets its own, to name the one that leaked


def _marker(field: str) -> str:
    return f"{CANARY}-{field}"


class Trail:
    """Every redirect a journey followed: a URL must never carry a marker."""

    def __init__(self, client):
        self.client, self.locations, self.pages = client, [], []

    def post(self, url, data, **kwargs):
        response = self.client.post(url, data=data, **kwargs)
        assert response.status_code in (200, 302, 303), (url, response.status_code)
        self.locations.append(response.headers.get("Location", ""))
        return response


def _requirements(app, world) -> list[int]:
    from grants.models import Award

    with app.app_context():
        return [r.id for r in db.session.get(Award, world.award.id).report_requirements]


def _applicant_journey(app, world, trail, auth):
    auth.login(world.applicant)
    org = f"/orgs/{world.org.id}/edit"
    trail.post(org, {"name": world.org.name, "kind": "unregistered_group", "country": "CO",
                     "contact_details": _marker("contact")})
    r = trail.post(f"/applications/new/{world.call.id}",
                   {"organisation": str(world.org.id), "language": "en"})
    app_id = int(r.headers["Location"].split("/")[2])
    base = f"/applications/{app_id}/step"
    trail.post(f"{base}/1", {"title": "Radio", "language": "en", "risk_level": "high",
                             "threat_description": _marker("threat"),
                             "safe_contact": _marker("safe-contact")})
    with app.app_context():
        questions = [q.id for q in db.session.get(Application, app_id).call.questions]
    trail.post(f"{base}/2", {f"q{q}": _marker(f"answer{q}") for q in questions})
    trail.post(f"{base}/3", GOOD_BUDGET)
    trail.post(f"{base}/4", {"populations": "own", "own_words": _marker("focus")})
    trail.post(f"/applications/{app_id}/submit", {})
    trail.post(f"/applications/{app_id}/messages", {"body": _marker("message")})
    requirement = _requirements(app, world)[1]
    trail.post(f"/awards/{world.award.id}/requirements/{requirement}/report",
               {"answer_1": _marker("report1"), "answer_2": _marker("report2"),
                "answer_3": ""}, content_type="multipart/form-data")
    return app_id


def _officer_journey(app, world, trail, auth, app_id):
    auth.login(world.officer)
    trail.post(f"/review/applications/{app_id}/more-info",
               {"message": _marker("more-info")})
    trail.post(f"/applications/{app_id}/messages", {"body": _marker("officer-message")})
    requirement = _requirements(app, world)[2]
    trail.post(f"/awards/{world.award.id}/requirements/{requirement}/conversation",
               {"notes": _marker("oral-report")})
    trail.post(f"/payments/tranches/{world.released.id}/schedule",
               {"route": "bank_transfer", "amount": "50", "account": _marker("account"),
                "holder": _marker("holder"), "bank": _marker("bank"), "bank_country": "CO",
                "bic": "BPOPCOBB"})
    trail.post(f"/payments/tranches/{world.released.id}/schedule",
               {"route": "trusted_partner", "amount": "50", "partner": _marker("partner"),
                "handed_over": _marker("handed-over")})


def _intermediary_journey(world, trail, auth):
    auth.login(world.intermediary)
    trail.post(f"/regranting/awards/{world.regranting_award.id}/sub-grants/new",
               {"recipient_code": "MOV-77", "amount": "100", "country": "KE",
                "category": "programme", "keep_details": "encrypted",
                "recipient_details": _marker("sub-grantee")})


def _voice_journey(app, world, trail, auth):
    """The survey's free text, a consultation's notes and the directory's contact."""
    auth.login(world.officer)
    trail.post(f"/awards/{world.award.id}/reports/{world.report.id}/review",
               {"decision": "accept", "note": ""})
    trail.post("/consultations/new", {
        "held_on": "2026-10-14", "topic": "Protection", "fund_id": "", "country": "CO",
        "participants": "9", "heard": _marker("heard"), "commitment": _marker("commitment"),
        "commitment_status": "planned", "outcome": _marker("outcome")})
    with app.app_context():
        invitation = db.session.scalars(sa.select(SurveyInvitation)).one()
    auth.login(world.applicant)
    trail.post(f"/survey/{invitation.id}", {"respectful": "4", "burden": "2", "useful": "5",
                                            "change": _marker("survey"), "action": "send"})
    trail.post(f"/orgs/{world.org.id}/edit", {
        "name": world.org.name, "kind": "unregistered_group", "country": "CO",
        "contact_details": _marker("contact"), "directory_opt_in": "y",
        "directory_blurb": _marker("blurb"), "directory_contact": _marker("peer-contact")})


def _raw_database_hits(*, decrypt: bool = False) -> list[str]:
    hits = []
    connection = db.session.connection()
    for table in db.metadata.sorted_tables:
        # Read what is stored: the encrypted types would decrypt on the way out.
        columns = [sa.type_coerce(c, sa.LargeBinary).label(c.name)
                   if isinstance(c.type, EncryptedText) and not decrypt else c
                   for c in table.columns]
        for row in connection.execute(sa.select(*columns)).mappings():
            for column, value in row.items():
                raw = value if isinstance(value, bytes | memoryview) else str(value)
                text = bytes(raw).decode("latin-1") if not isinstance(raw, str) else raw
                if CANARY in text:
                    hits.append(f"{table.name}.{column}")
    return hits


def test_no_marker_leaves_its_encrypted_field(app, client, auth, world, outbox, caplog):
    caplog.set_level(logging.DEBUG)
    with app.app_context():
        for user in db.session.scalars(sa.select(User)):
            user.email = f"user{user.id}@example.org"  # so every notice is really written
        db.session.commit()
    trail = Trail(client)
    app_id = _applicant_journey(app, world, trail, auth)
    _officer_journey(app, world, trail, auth, app_id)
    _intermediary_journey(world, trail, auth)
    _voice_journey(app, world, trail, auth)

    with app.app_context():
        # Every marker was saved (decrypted, they are all there) ...
        assert set(_raw_database_hits(decrypt=True)) >= {
            "organisations.contact_details", "applications.threat_description",
            "applications.safe_contact", "applications.focus_populations",
            "application_answers.text", "messages.body", "reports.answers", "reports.body",
            "application_status_changes.note", "disbursements.bank_details",
            "disbursements.route_details",
            "sub_grants.recipient_details", "survey_responses.change", "consultations.heard",
            "consultations.commitment", "consultations.outcome",
            "organisations.directory_blurb", "organisations.directory_contact"}
        # ... and none is readable in what the database stores.
        assert _raw_database_hits() == []
    assert outbox, "the journeys send notices"
    assert [m for m in outbox if CANARY in m.as_string()] == []
    assert [r.getMessage() for r in caplog.records if CANARY in r.getMessage()] == []
    assert [u for u in trail.locations if CANARY in u] == []
