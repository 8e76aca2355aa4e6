"""Active content in uploads, through every upload field of every form, over HTTP.

A PDF that runs scripts, launches programs or carries files is stored, and served to an
officer, without them; an office file with macros, or that inflates too far (also when its
directory lies), is refused with a message and what the person typed is kept. The upload
fields are found in the forms' source (every FileField and MultipleFileField), so a new one
fails `test_every_upload_field_is_covered` until it is added to UPLOADS.
"""

from __future__ import annotations

import ast
import io
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_babel import gettext
from markupsafe import escape

import grants
from grants.applications import documents
from grants.extensions import db
from grants.models import Application, ApplicationDocument, ApplicationStatus, Award, Report
from grants.security import archives, pdfactive, scrub
from tests import hostile_files as hostile

TYPED = "We keep each other safe on the river"


def _file_fields() -> set[tuple[str, str]]:
    """(module, field) for every upload field declared in the application's source."""
    root = Path(grants.__file__).parent
    found = set()
    for path in root.rglob("*.py"):
        module = ".".join(path.relative_to(root.parent).with_suffix("").parts)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
                    and getattr(node.value.func, "id", getattr(node.value.func, "attr", ""))
                    .endswith("FileField")):
                found.update((module, t.id) for t in node.targets if isinstance(t, ast.Name))
    return found


@dataclass(frozen=True)
class Upload:
    """How a person sends a file through one field, and how an officer reads it back."""

    post: object  # (app, client, world, file tuple) -> response
    served: object  # (app, client, auth, world) -> [bytes an officer downloads]
    typed_kept: object  # (app, world, response) -> bool


def _questions(app, world) -> list[int]:
    with app.app_context():
        return [q.id for q in db.session.get(Application, world.application.id).call.questions]


def _application_post(field: str):
    def post(app, client, world, upload):
        with app.app_context():
            application = db.session.get(Application, world.application.id)
            application.call.attachments_required = 1
            application.call.allow_reused_proposal = True
            db.session.commit()
        data = {f"q{q}": TYPED for q in _questions(app, world)} | {field: upload}
        return client.post(f"/applications/{world.application.id}/step/2", data=data,
                           content_type="multipart/form-data")
    return post


def _application_served(app, client, auth, world) -> list[bytes]:
    with app.app_context():
        application = db.session.get(Application, world.application.id)
        ids = [d.id for d in application.documents]
        application.status = ApplicationStatus.SUBMITTED
        db.session.commit()
    auth.login(world.officer)
    responses = [client.get(f"/applications/{world.application.id}/documents/{i}") for i in ids]
    assert all(r.status_code == 200 for r in responses)
    return [r.data for r in responses]


def _application_typed_kept(app, world, response) -> bool:
    with app.app_context():
        answers = db.session.get(Application, world.application.id).answers
        return bool(answers) and all(a.text == TYPED for a in answers)


def _requirement(app, world) -> int:
    with app.app_context():
        return db.session.get(Award, world.award.id).report_requirements[1].id


def _report_post(app, client, world, upload):
    return client.post(f"/awards/{world.award.id}/requirements/{_requirement(app, world)}/report",
                       data={"answer_1": TYPED, "upload": upload},
                       content_type="multipart/form-data")


def _report_served(app, client, auth, world) -> list[bytes]:
    with app.app_context():
        ids = db.session.scalars(sa.select(Report.id).where(
            Report.requirement_id == _requirement(app, world),
            Report.filename.is_not(None))).all()
    auth.login(world.officer)
    responses = [client.get(f"/awards/{world.award.id}/reports/{i}/file") for i in ids]
    assert all(r.status_code == 200 for r in responses)
    return [r.data for r in responses]


UPLOADS = {
    ("grants.applications.forms", "proposal"): Upload(
        _application_post("proposal"), _application_served, _application_typed_kept),
    ("grants.applications.forms", "attachment"): Upload(
        _application_post("attachment"), _application_served, _application_typed_kept),
    ("grants.awards.forms", "upload"): Upload(
        _report_post, _report_served, lambda app, world, r: TYPED in r.data.decode()),
}


FIELDS = {"ids": [f"{module.split('.')[1]}.{name}" for module, name in UPLOADS]}


def test_every_upload_field_is_covered():
    assert _file_fields() == set(UPLOADS)


@pytest.mark.parametrize("field", UPLOADS, **FIELDS)
@pytest.mark.parametrize("name", hostile.PDFS)
def test_a_pdf_reaches_the_officer_without_active_content(app, client, auth, world, field,
                                                         name):
    upload = UPLOADS[field]
    data = hostile.pdf(name)
    assert hostile.pdf_problems(data)  # hostile as built
    auth.login(world.applicant)
    upload.post(app, client, world, (io.BytesIO(data), f"{name}.pdf"))
    (served,) = upload.served(app, client, auth, world)
    assert hostile.pdf_problems(served) == []


REFUSED = {name: (build, archives.Refused("macros")) for name, build in hostile.MACROS.items()}
REFUSED |= {name: (build, archives.Refused("too_large")) for name, build in hostile.BOMBS.items()}
MESSAGES = {
    "macros": "contains macros or other code",
    "too_large": "would unpack to far more data",
}


def _expected(name: str) -> str:
    if name == "lying_header":  # its directory and its data disagree: it is damaged
        return "We could not read that file"
    return MESSAGES[REFUSED[name][1].reason]


@pytest.mark.parametrize("field", UPLOADS, **FIELDS)
@pytest.mark.parametrize("name", REFUSED)
def test_an_office_file_with_macros_or_a_bomb_is_refused(app, client, auth, world, field, name):
    upload = UPLOADS[field]
    data = REFUSED[name][0]()
    suffix = "odt" if name.startswith("odt") else "docx"
    auth.login(world.applicant)
    response = upload.post(app, client, world, (io.BytesIO(data), f"plan.{suffix}"))
    assert response.status_code == 200
    assert _expected(name) in response.data.decode()
    assert upload.typed_kept(app, world, response)
    assert upload.served(app, client, auth, world) == []


@pytest.mark.parametrize("field", UPLOADS, **FIELDS)
def test_plain_office_files_are_still_taken_as_sent(app, client, auth, world, field):
    upload = UPLOADS[field]
    auth.login(world.applicant)
    plain = hostile.docx()
    upload.post(app, client, world, (io.BytesIO(plain), "plan.docx"))
    assert upload.served(app, client, auth, world) == [plain]


def test_inflating_an_upload_is_streamed_not_held(app, client, auth, world, monkeypatch):
    """With the limits raised, the 200 MB part is inflated whole (and checked) as a stream:
    the request never holds more than a few MB."""
    monkeypatch.setitem(app.config, "UPLOAD_UNZIPPED_MAX_BYTES", 300 * archives.MB)
    monkeypatch.setitem(app.config, "UPLOAD_ZIP_RATIO_MAX", 10_000)
    data = hostile.bomb()
    auth.login(world.applicant)
    tracemalloc.start()
    try:
        response = UPLOADS[("grants.awards.forms", "upload")].post(
            app, client, world, (io.BytesIO(data), "plan.docx"))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert response.status_code == 302
    assert _report_served(app, client, auth, world) == [data]
    assert peak < 10 * archives.MB, peak


@pytest.mark.parametrize("reason", sorted(scrub.REFUSALS))
def test_a_refusal_reads_in_every_language(app, client, auth, world, monkeypatch, reason):
    """Each refusal is shown in the page's language. For the PDF one, the cleaning is made
    to miss everything: the check of the saved file still finds the script and refuses it."""
    build = {"macros": hostile.MACROS["docx_vba_project"], "too_large": hostile.bomb,
             "pdf_active": lambda: hostile.pdf("open_action")}[reason]
    monkeypatch.setattr(pdfactive, "remove_active", lambda pdf: True)
    auth.login(world.applicant)
    post = UPLOADS[("grants.awards.forms", "upload")].post
    for lang in app.config["LANGUAGES"]:
        client.set_cookie("lang", lang)
        with app.test_request_context(headers={"Accept-Language": lang}):
            message = str(escape(gettext(scrub.REFUSALS[reason])))
        assert (message == scrub.REFUSALS[reason]) == (lang == "en")
        response = post(app, client, world, (io.BytesIO(build()), "plan.docx"))
        assert message in response.data.decode(), lang
        assert TYPED in response.data.decode()


def test_files_stored_before_the_checks_are_cleaned_or_listed(app, runner, client, auth, world):
    """`recheck-uploads`: a PDF stored with its script loses it; a DOCX with macros is
    listed for the officer to ask again (never deleted); a clean file is left alone."""
    files = [(hostile.pdf("open_action"), "pdf"), (hostile.MACROS["docx_vba_project"](), "docx"),
             (hostile.docx(), "docx")]
    with app.app_context():
        application = db.session.get(Application, world.submitted.id)
        for data, kind in files:
            application.documents.append(ApplicationDocument(
                purpose="attachment", filename=f"old.{kind}", size_bytes=len(data),
                media_type=documents.MEDIA_TYPES[kind], sha256="0" * 64, content=data,
                uploaded_by_id=world.applicant.id))
        db.session.commit()
        ids = [d.id for d in application.documents]
    output = runner.invoke(args=["recheck-uploads"]).output
    assert "Cleaned: 1. Refused today: 1." in output
    assert f"application_documents {ids[1]}:" in output
    auth.login(world.officer)
    served = [client.get(f"/applications/{world.submitted.id}/documents/{i}").data for i in ids]
    assert hostile.pdf_problems(served[0]) == []
    assert served[1:] == [data for data, _kind in files[1:]]
