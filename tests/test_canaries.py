"""Canaries: a marker typed into every free-text field of every form a group, defender or
intermediary fills in (read from the page, see tests/canary_forms.py) and into the staff's
sensitive fields must never show up in logs, e-mails, redirect URLs, or anywhere in what the
database stores: the SQLite file's bytes, or on PostgreSQL every text and binary column read
by SQL. Encrypted columns hold ciphertext, so a marker found there is a leak.

Every FlaskForm of the portal is accounted for below: filled in by groups (and then typed
with markers on its page), staff's, or not stored. A new form fails the test until it is
placed; a new field of a group's form is typed with a marker without anyone listing it.
"""

from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa

from grants.extensions import db
from grants.models import SurveyInvitation, User
from grants.models.types import EncryptedText
from tests.canary_forms import (
    CANARY,
    NOT_FREE_TEXT,
    fill,
    form_classes,
    free_text_fields,
    marker,
)

# Forms a group, defender or intermediary fills in -> the journey steps that type them.
GROUP_FORMS = {
    "organisations.forms.OrganisationForm": "org-new",
    "applications.forms.StartForm": "start-new",
    "applications.forms.AboutForm": "step1",
    "applications.forms.QuestionsBase": "step2",  # the call's questions form is built on it
    "applications.forms.QuestionsForm": "step2",
    "applications.forms.FocusForm": "step4",
    "applications.forms.WithdrawForm": "withdraw",
    "rapid.forms.RapidForm": ("rapid", "rapid-partner"),  # a partner names
    # In one visit: a defender logged in without a profile, and one without an account.
    "rapid.forms.ProfileRapidForm": ("rapid-profile", "rapid-partner"),
    "rapid.forms.NewcomerRapidForm": ("rapid-newcomer", "rapid-partner"),
    "awards.forms.ReportForm": "report",
    "voice.forms.SurveyForm": "survey",
    "auth.forms.RegisterForm": "register",
    "intermediaries.forms.EndorseForm": "endorse",
    "intermediaries.forms.SubGrantForm": "sub-grant",
    "intermediaries.forms.PaymentForm": "sub-grant-payment",
    "intermediaries.forms.SubGrantDecisionForm": "decide",
    "intermediaries.forms.ProfileForm": "profile",
    "intermediaries.forms.CallForm": "own-call",
}
# Pages where groups type that are not a FlaskForm: the budget step, the message box.
OTHER_PAGES = ("step3", "message")
# Fields of those forms kept in clear on purpose, and why (the model says so too).
CLEAR = {
    ("auth.forms.RegisterForm", "username"): "the log-in name, looked up at every log-in; "
                                             "the form says it may be a pseudonym",
    ("rapid.forms.NewcomerRapidForm", "username"): "the same log-in name, "
                                                                "made with the request",
    ("intermediaries.forms.SubGrantForm", "recipient_code"): "a code by rule, never a name; "
                                                             "counted in the upward report",
    ("intermediaries.forms.CallForm", "title"): "published: the call is public",
    ("intermediaries.forms.CallForm", "description"): "published: the call is public",
    ("intermediaries.forms.ProfileForm", "themes"): "published to groups choosing an "
                                                    "intermediary, and matched against",
    ("intermediaries.forms.ProfileForm", "serves_countries"): "country codes",
}
# Forms whose text is checked and dropped (credentials, codes, a donor's amount), or typed
# with a marker in another test.
NOT_STORED = {
    "auth.forms.LoginForm", "auth.forms.TwoFactorForm", "auth.forms.RecoverForm",
    "auth.forms.ChangePasswordForm", "auth.forms.DisableTwoFactorForm",
    "auth.forms.DeleteAccountForm", "auth.forms.ConfirmForm",
    "auth.webauthn_views.KeyLoginForm", "auth.webauthn_views.RemoveKeyForm",
    "payments.stripe_forms.DonationForm", "applications.forms.DeleteForm",
    "applications.forms.SendForm", "applications.forms.RouteForm",
    # The key's name needs an authenticator's ceremony (tests/test_webauthn.py); the column
    # is encrypted, which test_every_text_column_is_encrypted_or_said_why checks.
    "auth.webauthn_views.AddKeyForm",
}
STAFF_FORMS = {
    "admin.forms.NewUserForm", "admin.forms.UserEditForm", "auth.forms.UserAdminForm",
    "applications.calls.forms.BankQuestionForm", "applications.calls.forms.CallForm",
    "applications.calls.forms.CallTextForm", "applications.calls.forms.CustomQuestionForm",
    "applications.forms.RevealForm", "awards.forms.ActionForm", "awards.forms.ExtendForm",
    "awards.forms.OralReportForm", "awards.forms.RequirementForm", "awards.forms.ReviewForm",
    "awards.forms.StatusForm", "awards.forms.ScheduleForm", "awards.forms.BudgetForm",
    "funds.forms.FundForm", "intermediaries.forms.RegrantingAwardForm",
    "payments.forms.ActionForm", "payments.forms.CountryForm", "payments.forms.NoteForm",
    "payments.forms.ScheduleForm", "payments.forms.SendForm",
    "reporting.export_views.FilterForm", "reporting.export_views.PublicationForm",
    "reporting.portfolio_forms.PeriodForm", "voice.forms.ConsultationForm",
    "review.forms.ApproveForm", "review.forms.AssignOfficerForm",
    "review.forms.AssignReviewerForm", "review.forms.ConflictForm", "review.forms.DeclineForm",
    "rapid.forms.InviteForm", "rapid.forms.RapidApproveForm", "review.forms.RecuseForm",
    "review.forms.RequestInfoForm", "review.forms.RubricForm", "review.forms.ScoreBase",
    "review.forms.ScoreForm", "review.forms.ConfirmTermsForm", "rapid.forms.RapidQuestionForm",
}


def test_every_form_is_placed():
    """A new form is a group's (typed with markers), staff's or not stored: say which."""
    forms = form_classes()
    placed = GROUP_FORMS.keys() | NOT_STORED | STAFF_FORMS
    assert sorted(set(forms) - placed) == []
    for key, cls in forms.items():
        if key in NOT_STORED - {"auth.webauthn_views.AddKeyForm"}:
            assert not free_text_fields(cls) - {"username", "code", "amount"}, key


class Trail:
    """Every post a journey made, and every redirect it followed: a URL never carries a
    marker; every marker a group typed is collected."""

    def __init__(self, client):
        self.client, self.locations, self.typed = client, [], {}

    def post(self, url, data, **kwargs):
        response = self.client.post(url, data=data, **kwargs)
        assert response.status_code in (200, 302, 303), (url, response.status_code)
        self.locations.append(response.headers.get("Location", ""))
        return response

    def fill(self, key: str, page: str, action: str | None = None, fixed=None, **kwargs):
        """Type a marker into every free-text field of `page`'s form, and post it."""
        data, markers = fill(self.client, page, action, key=key, fixed=fixed)
        self.typed[key] = markers
        return self.post(action or page.split("?")[0], data, **kwargs)


def _requirements(app, world) -> list[int]:
    from grants.models import Award

    with app.app_context():
        return [r.id for r in db.session.get(Award, world.award.id).report_requirements]


BUDGET_ROWS = {"rows-0-category": "programme", "rows-1-category": "protection_security",
               "rows-2-category": "psychosocial"}


def _applicant_journey(app, world, trail, auth):
    auth.login(world.applicant)
    trail.fill("org-new", "/orgs/new", fixed={"kind": "unregistered_group", "country": "CO"})
    trail.fill("org-edit", f"/orgs/{world.org.id}/edit",
               fixed={"kind": "unregistered_group", "country": "CO", "directory_opt_in": "y"})
    r = trail.fill("start", f"/applications/new/{world.call.id}",
                   fixed={"organisation": str(world.org.id), "language": "en",
                          "name": "", "legal_name": ""})  # for a new group: see start-new
    app_id = int(r.headers["Location"].split("/")[2])
    base = f"/applications/{app_id}/step"
    trail.fill("start-new", f"/applications/new/{world.call.id}",
               fixed={"organisation": "new", "language": "en", "kind": "unregistered_group",
                      "country": "CO"})
    trail.fill("step1", f"{base}/1", fixed={"language": "en", "risk_level": "high"})
    trail.fill("step2", f"{base}/2")
    trail.fill("step3", f"{base}/3", fixed=BUDGET_ROWS)
    trail.fill("step4", f"{base}/4", fixed={"populations": "own"})
    trail.post(f"/applications/{app_id}/submit", {})
    trail.fill("message", f"/applications/{app_id}", f"/applications/{app_id}/messages")
    trail.fill("withdraw", f"/applications/{world.submitted.id}/withdraw",
               fixed={"confirm": "y"})
    requirement = _requirements(app, world)[1]
    trail.fill("report", f"/awards/{world.award.id}/requirements/{requirement}/report",
               content_type="multipart/form-data")
    trail.fill("rapid", f"/applications/rapid/{world.rapid_call.id}",
               fixed={"category": "relocation", "currency": "USD",
                      "line1_category": "protection_security"})
    return app_id


def _officer_journey(app, world, trail, auth, app_id):
    """Staff's sensitive fields, typed by hand (their forms are not all a group's)."""
    auth.login(world.officer)
    trail.post(f"/review/applications/{app_id}/more-info",
               {"message": marker("more-info")})
    trail.post(f"/applications/{app_id}/messages", {"body": marker("officer-message")})
    requirement = _requirements(app, world)[2]
    trail.post(f"/awards/{world.award.id}/requirements/{requirement}/conversation",
               {"notes": marker("oral-report")})
    trail.post(f"/payments/tranches/{world.released.id}/schedule",
               {"route": "bank_transfer", "amount": "50", "account": marker("account"),
                "holder": marker("holder"), "bank": marker("bank"), "bank_country": "CO",
                "bic": "BPOPCOBB"})
    trail.post(f"/payments/tranches/{world.released.id}/schedule",
               {"route": "trusted_partner", "amount": "50", "partner": marker("partner"),
                "handed_over": marker("handed-over")})


def _intermediary_journey(world, trail, auth):
    auth.login(world.intermediary)
    regranting = f"/regranting/awards/{world.regranting_award.id}"
    trail.fill("sub-grant", f"{regranting}/sub-grants/new",
               fixed={"recipient_code": "MOV-77", "country": "KE", "category": "programme",
                      "keep_details": "encrypted"})
    trail.fill("sub-grant-payment", f"/regranting/sub-grants/{world.sub_grant.id}/payments/new",
               fixed={"route": "mobile_money", "advance": "yes"})  # nothing received yet
    trail.fill("endorse", f"/regranting/applications/{world.routed.id}/endorse",
               fixed={"decision": "endorse"})
    trail.fill("decide", f"/regranting/applications/{world.own_call_application.id}/decide",
               fixed={"decision": "decline", "amount": ""})
    trail.fill("profile", f"/regranting/organisations/{world.intermediary_org.id}/profile",
               fixed={"serves_countries": "KE, UG", "themes": "land defenders",
                      "accepts_routed": "yes"})
    trail.fill("rapid-partner", f"/applications/rapid/{world.rapid_call.id}",
               fixed={"category": "relocation", "on_behalf": "y", "currency": "USD",
                      "organisation": str(world.intermediary_org.id),
                      "line1_category": "protection_security"})
    trail.fill("own-call", f"{regranting}/calls/new",
               fixed={"title": "Small grants, Kenya", "description": "For movements",
                      "amount_max": "500"})


def _voice_journey(app, world, trail, auth):
    """The survey's free text (a group's) and a consultation's notes (staff's)."""
    auth.login(world.officer)
    trail.post(f"/awards/{world.award.id}/reports/{world.report.id}/review",
               {"decision": "accept", "note": ""})
    trail.post("/consultations/new", {
        "held_on": "2026-10-14", "topic": "Protection", "fund_id": "", "country": "CO",
        "participants": "9", "heard": marker("heard"), "commitment": marker("commitment"),
        "commitment_status": "planned", "outcome": marker("outcome")})
    with app.app_context():
        invitation = db.session.scalars(sa.select(SurveyInvitation)).one()
    auth.login(world.applicant)
    trail.fill("survey", f"/survey/{invitation.id}",
               fixed={"respectful": "4", "burden": "2", "useful": "5", "action": "send"})


def _register(client, trail):
    client.post("/auth/logout")
    trail.fill("register", "/auth/register", fixed={
        "username": "canary-group", "email": "canary-group@example.org",
        "password": "a long pass phrase 2026", "confirm": "a long pass phrase 2026"})


def _one_visit(client, world, trail):
    """The emergency request made with what is missing: the profile ("canary-group" has
    none yet), then the account too."""
    rapid = {"category": "relocation", "currency": "USD", "country": "CO",
             "line1_category": "protection_security"}
    trail.fill("rapid-profile", f"/applications/rapid/{world.rapid_call.id}", fixed=rapid)
    client.post("/auth/logout")
    trail.fill("rapid-newcomer", f"/applications/rapid/{world.rapid_call.id}", fixed={
        **rapid, "username": "canary-defender", "password": "a long pass phrase 2027",
        "confirm": "a long pass phrase 2027"})


def _stored_values(*, decrypt: bool) -> dict[str, str]:
    """table.column -> everything stored in it, as SQL reads it (decrypted if asked)."""
    out: dict[str, list[str]] = {}
    connection = db.session.connection()
    for table in db.metadata.sorted_tables:
        columns = [sa.type_coerce(c, sa.LargeBinary).label(c.name)
                   if isinstance(c.type, EncryptedText) and not decrypt else c
                   for c in table.columns]
        for row in connection.execute(sa.select(*columns)).mappings():
            for column, value in row.items():
                raw = bytes(value).decode("latin-1") if isinstance(
                    value, bytes | memoryview) else str(value)
                out.setdefault(f"{table.name}.{column}", []).append(raw)
    return {k: "\n".join(v) for k, v in out.items()}


def _sqlite_file_hits() -> tuple[bytes, list[str]]:
    """The database file's bytes as this test's transaction sees them (serialized by the
    connection, its uncommitted pages included)."""
    data = db.session.connection().connection.driver_connection.serialize()
    return data, sorted({data[i:i + 60].split(b"\x00")[0].decode("latin-1")
                         for i in _find_all(data, CANARY.encode())})


def _find_all(data: bytes, needle: bytes):
    start = data.find(needle)
    while start != -1:
        yield start
        start = data.find(needle, start + 1)


def _postgres_hits() -> list[str]:
    """Every text, json and binary column of the public schema, searched by SQL."""
    connection = db.session.connection()
    columns = connection.execute(sa.text(
        "SELECT table_name, column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', "
        "'character', 'json', 'jsonb', 'bytea')")).all()
    hits = []
    for table, column, kind in columns:
        quote = connection.dialect.identifier_preparer.quote
        value = (f"encode({quote(column)}, 'escape')" if kind == "bytea"
                 else f"{quote(column)}::text")
        found = connection.scalar(sa.text(
            f"SELECT count(*) FROM {quote(table)} WHERE strpos({value}, :c) > 0"),  # noqa: S608  # nosec B608
            {"c": CANARY})
        if found:
            hits.append(f"{table}.{column}")
    return hits


@pytest.fixture
def journeys(app, client, auth, world, outbox, caplog):
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
    _register(client, trail)
    _one_visit(client, world, trail)
    return trail


def test_every_free_text_of_a_groups_form_was_typed(journeys):
    """What the pages showed covers every StringField and TextAreaField of each form."""
    forms = form_classes()
    for key, step in GROUP_FORMS.items():
        if key not in forms:  # built per call or award; seen on its page
            continue
        steps = (step,) if isinstance(step, str) else step
        typed = {m.removeprefix(marker(s) + "-") for s in steps for m in journeys.typed[s]}
        clear = {field for form, field in CLEAR if form == key}
        numbers = {f for f in free_text_fields(forms[key])
                   if any(p.search(f) for p, _v, _why in NOT_FREE_TEXT)}
        assert free_text_fields(forms[key]) - typed - clear - numbers == set(), key
    assert all(journeys.typed[step] for step in OTHER_PAGES)


def test_no_marker_leaves_its_encrypted_field(app, journeys, outbox, caplog):
    typed = set().union(*journeys.typed.values())
    with app.app_context():
        decrypted = "\n".join(_stored_values(decrypt=True).values())
        # Every marker a group typed was kept (decrypted, they are all there) ...
        assert sorted(m for m in typed if m not in decrypted) == []
        for staff in ("more-info", "officer-message", "oral-report", "account", "partner",
                      "handed-over", "heard", "commitment", "outcome"):
            assert marker(staff) in decrypted
        # ... and none is readable in what the database stores.
        assert [k for k, v in _stored_values(decrypt=False).items() if CANARY in v] == []
        if db.session.get_bind().dialect.name == "sqlite":
            data, hits = _sqlite_file_hits()
            assert b"canary-group" in data  # the copy holds this test's rows
            assert hits == []
        else:
            assert _postgres_hits() == []
    assert outbox, "the journeys send notices"
    assert [m for m in outbox if CANARY in m.as_string()] == []
    assert [r.getMessage() for r in caplog.records if CANARY in r.getMessage()] == []
    assert [u for u in journeys.locations if CANARY in u] == []
