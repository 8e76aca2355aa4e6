"""Uploaded documents: a proposal written for another funder, or a required attachment.

A file is accepted by what it is (its first bytes and, for DOCX and ODT, its ZIP entries),
never by its name or the type the browser claims. It is stored encrypted in the database.
"""

from __future__ import annotations

import hashlib
import io
import unicodedata
import zipfile
import zlib
from urllib.parse import quote

import sqlalchemy as sa
from flask import current_app

from grants.errors import ServiceError
from grants.extensions import db
from grants.models import Application, ApplicationDocument, Report, User
from grants.security import audit, scrub

PDF, DOCX, ODT = "pdf", "docx", "odt"
MEDIA_TYPES = {
    PDF: "application/pdf",
    DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ODT: "application/vnd.oasis.opendocument.text",
}
KINDS = {media: kind for kind, media in MEDIA_TYPES.items()}
PURPOSES = ("reused_proposal", "attachment")
FILENAME_MAX = 150


def sniff(data: bytes) -> str | None:
    """The document type by content (pdf, docx, odt), or None if it is none of them."""
    if data.startswith(b"%PDF-"):
        return PDF
    if not data.startswith(b"PK\x03\x04"):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "word/document.xml" in names:
                return DOCX
            if "mimetype" in names:
                with archive.open("mimetype") as entry:
                    kind = entry.read(64).strip()  # read little: never inflate a zip bomb
                if kind == MEDIA_TYPES[ODT].encode():
                    return ODT
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError,
            RuntimeError, NotImplementedError, zlib.error):  # broken, encrypted, exotic
        return None
    return None


def clean_filename(name: str, kind: str) -> str:
    """The name without folders or control characters, ending in the real type's extension."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip(" .")
    stem = base.rsplit(".", 1)[0] if "." in base else base
    stem = stem[:FILENAME_MAX] or "document"
    return f"{stem}.{kind}"


def ascii_filename(name: str) -> str:
    """A plain ASCII fallback for old browsers: letters, digits, dot, dash, underscore."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    safe = "".join(ch if ch.isalnum() or ch in ".-_" else "_" for ch in folded).strip("._")
    return safe or "document"


def content_disposition(name: str) -> str:
    """Download, never display; an ASCII name for old browsers, the real one (RFC 6266)."""
    return (f"attachment; filename=\"{ascii_filename(name)}\"; "
            f"filename*=UTF-8''{quote(name, safe='')}")


def download_headers(document: ApplicationDocument) -> dict[str, str]:
    """Always a download with the stored type: never rendered or sniffed, never cached."""
    return {"Content-Type": document.media_type, "X-Content-Type-Options": "nosniff",
            "Content-Disposition": content_disposition(document.filename),
            "Cache-Control": "no-store", "Content-Security-Policy": "default-src 'none'; sandbox"}


def check_upload(data: bytes, max_bytes: int, field: str) -> str:
    """Refuse an empty, oversized or non-document file; return its kind (pdf, docx, odt)."""
    if not data:
        raise ServiceError("That file is empty.", field=field)
    if len(data) > max_bytes:
        raise ServiceError("That file is larger than %(max)s MB. Send a smaller one, for example "
                           "without pictures.", field=field, max=max_bytes // (1024 * 1024))
    kind = sniff(data)
    if kind is None:
        raise ServiceError("Send a PDF, Word (.docx) or OpenDocument (.odt) file.", field=field)
    return kind


def accept_upload(data: bytes, max_bytes: int, field: str) -> tuple[str, bytes]:
    """`check_upload`, then the file without its metadata (author, title, software) or
    active content (scripts, macros, attached files), or refused if it inflates too far.
    Every upload of the portal comes through here."""
    kind = check_upload(data, max_bytes, field)
    limits = scrub.Limits.from_config(current_app.config)
    return kind, scrub.strip_metadata(kind, data, field, limits)


def add_document(actor: User, application: Application, *, purpose: str, filename: str,
                 data: bytes, max_bytes: int) -> ApplicationDocument:
    """Check and store a file. A new proposal replaces the previous one."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown purpose {purpose!r}")
    field = "proposal" if purpose == "reused_proposal" else "attachment"
    _check_allowed(application, purpose, field)
    kind, data = accept_upload(data, max_bytes, field)
    if purpose == "reused_proposal":
        for old in [d for d in application.documents if d.purpose == purpose]:
            application.documents.remove(old)
        application.reused_proposal = True
    document = ApplicationDocument(
        purpose=purpose, filename=clean_filename(filename, kind), media_type=MEDIA_TYPES[kind],
        size_bytes=len(data), sha256=hashlib.sha256(data).hexdigest(), content=data,
        uploaded_by_id=actor.id)
    application.documents.append(document)
    db.session.flush()
    audit.record(actor, "application.document_added", application, document_id=document.id,
                 purpose=purpose, size_bytes=len(data))
    return document


def _check_allowed(application: Application, purpose: str, field: str) -> None:
    call = application.call
    if purpose == "reused_proposal" and not call.allow_reused_proposal:
        raise ServiceError("This call does not take proposals written for other funders.",
                           field=field)
    if purpose == "attachment":
        have = sum(1 for d in application.documents if d.purpose == "attachment")
        if have >= call.attachments_required:
            raise ServiceError("You have attached every document this call asks for. "
                               "Remove one to send another.", field=field)


def remove_document(actor: User, application: Application,
                    document: ApplicationDocument) -> None:
    """Remove a file; without its proposal, the long answers are needed again."""
    if document.application_id != application.id:
        raise ValueError("document of another application")
    application.documents.remove(document)
    if document.purpose == "reused_proposal":
        application.reused_proposal = any(
            d.purpose == "reused_proposal" for d in application.documents)
    db.session.flush()
    audit.record(actor, "application.document_removed", application, document_id=document.id,
                 purpose=document.purpose)


def save_uploads(actor: User, application: Application, uploads: dict[str, list],
                 *, max_bytes: int) -> dict[str, list[str]]:
    """Store the files chosen in the form ({purpose: [FileStorage, ...]}), each on its own:
    a refused file gets a message under its field and takes nothing else down with it."""
    refused: dict[str, list[str]] = {}
    for purpose, files in uploads.items():
        for upload in [f for f in files if f is not None and f.filename]:
            try:
                add_document(actor, application, purpose=purpose, filename=upload.filename,
                             data=upload.stream.read(max_bytes + 1), max_bytes=max_bytes)
            except ServiceError as exc:
                refused.setdefault(exc.field or purpose, []).append(exc.message)
    return refused


def remove_documents(actor: User, application: Application, ids: set[str]) -> None:
    """Remove the application's files whose ids (as posted) are in `ids`."""
    for document in [d for d in application.documents if str(d.id) in ids]:
        remove_document(actor, application, document)


def recheck_stored(limits: scrub.Limits) -> dict[str, list[tuple[str, int]]]:
    """Pass every stored upload through today's checks again, for files kept before they
    removed active content or refused macros and bombs. A file they clean replaces the
    stored one ("cleaned"); one they would refuse is listed ("refused"), never deleted:
    the group is asked for another copy. One file in memory at a time."""
    found: dict[str, list[tuple[str, int]]] = {"cleaned": [], "refused": []}
    for model in (ApplicationDocument, Report):
        ids = db.session.scalars(sa.select(model.id).where(model.content.is_not(None))
                                 .order_by(model.id)).all()
        for id_ in ids:
            stored = db.session.get(model, id_)
            outcome = _recheck(stored, limits)
            if outcome:
                found[outcome].append((model.__tablename__, id_))
            db.session.flush()
            db.session.expunge(stored)
    return found


def _recheck(stored: ApplicationDocument | Report, limits: scrub.Limits) -> str | None:
    kind = KINDS.get(stored.media_type or "")
    if kind is None:
        return None
    try:
        clean = scrub.strip_metadata(kind, stored.content, None, limits)
    except ServiceError:
        return "refused"
    if clean == stored.content:
        return None
    stored.content, stored.size_bytes = clean, len(clean)
    if isinstance(stored, ApplicationDocument):
        stored.sha256 = hashlib.sha256(clean).hexdigest()
    return "cleaned"
