"""Uploads lose their metadata: real PDF, DOCX and ODT files naming an author, a title and
the software that made them are stored (encrypted) without those, and still open."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from xml.etree import ElementTree

import pikepdf
import pytest
import sqlalchemy as sa

from grants.applications import documents
from grants.awards import reports
from grants.errors import ServiceError
from grants.extensions import db
from grants.models import Application, Report, ReportRequirement
from grants.security import scrub

AUTHOR, TITLE, TOOL, COMPANY = "Rosa Quispe Mamani", "Plan against the mine", "SecretWriter 9", \
    "Tierra Viva Collective"
MARKERS = [AUTHOR, TITLE, TOOL, COMPANY]
BODY = "Our radio shows reach 12 villages"


def _photo() -> bytes:
    """A phone photo: EXIF naming the person who took it and what it shows."""
    from PIL import Image

    exif = Image.Exif()
    exif[0x013B], exif[0x010E], exif[0x0131] = AUTHOR, TITLE, TOOL  # Artist, caption, software
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def _opens_as_photo(data: bytes) -> None:
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        image.load()
        assert image.size == (8, 8) and not image.getexif()


def _pdf() -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.pages[0].Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im1=pdf.make_stream(
        _photo(), Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Image, Width=8, Height=8,
        ColorSpace=pikepdf.Name.DeviceRGB, BitsPerComponent=8, Filter=pikepdf.Name.DCTDecode)))
    pdf.docinfo["/Author"], pdf.docinfo["/Title"] = AUTHOR, TITLE
    pdf.docinfo["/Creator"], pdf.docinfo["/Producer"] = TOOL, TOOL
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["dc:creator"], meta["dc:title"] = [AUTHOR], TITLE
        meta["xmp:CreatorTool"] = TOOL
    pdf.pages[0].Contents = pdf.make_stream(f"BT /F1 12 Tf 20 100 Td ({BODY}) Tj ET".encode())
    out = io.BytesIO()
    pdf.save(out, compress_streams=False)
    return out.getvalue()


def _zip(entries: list[tuple[str, str | bytes]], stored_first: bool = False) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for i, (name, text) in enumerate(entries):
            kind = zipfile.ZIP_STORED if stored_first and i == 0 else zipfile.ZIP_DEFLATED
            archive.writestr(zipfile.ZipInfo(name, (2026, 5, 3, 10, 11, 12)), text, kind)
        archive.comment = COMPANY.encode()
    return out.getvalue()


CT = "http://schemas.openxmlformats.org/package/2006/"
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _docx() -> bytes:
    return _zip([
        ("[Content_Types].xml", f'<Types xmlns="{CT}content-types">'
         '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
         'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
         '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
         'officedocument.wordprocessingml.document.main+xml"/><Override PartName="/docProps/'
         'core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
         '<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-'
         'officedocument.extended-properties+xml"/><Override PartName="/docProps/custom.xml" '
         'ContentType="application/vnd.openxmlformats-officedocument.custom-properties+xml"/>'
         '</Types>'),
        ("_rels/.rels", f'<Relationships xmlns="{CT}relationships"/>'),
        ("word/document.xml", f'<w:document xmlns:w="{W}"><w:body><w:p><w:r><w:t>{BODY}'
         '</w:t></w:r></w:p></w:body></w:document>'),
        ("docProps/core.xml", f'<cp:coreProperties xmlns:cp="{CT}metadata/core-properties" '
         'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>' + AUTHOR + '</dc:creator>'
         f'<dc:title>{TITLE}</dc:title><cp:lastModifiedBy>{AUTHOR}</cp:lastModifiedBy>'
         '</cp:coreProperties>'),
        ("docProps/app.xml", '<Properties xmlns="http://schemas.openxmlformats.org/'
         f'officeDocument/2006/extended-properties"><Application>{TOOL}</Application>'
         f'<Company>{COMPANY}</Company></Properties>'),
        ("docProps/custom.xml", '<Properties xmlns="http://schemas.openxmlformats.org/'
         'officeDocument/2006/custom-properties"><property name="Client"><vt:lpwstr xmlns:vt='
         f'"x">{COMPANY}</vt:lpwstr></property></Properties>'),
        ("word/media/image1.jpeg", _photo()),
    ])


OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"


def _odt() -> bytes:
    return _zip([
        ("mimetype", "application/vnd.oasis.opendocument.text"),
        ("META-INF/manifest.xml", '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:'
         'opendocument:xmlns:manifest:1.0"/>'),
        ("content.xml", f'<office:document-content xmlns:office="{OFFICE}"><office:body>'
         f'<office:text>{BODY}</office:text></office:body></office:document-content>'),
        ("meta.xml", f'<office:document-meta xmlns:office="{OFFICE}" xmlns:dc="http://purl.org/'
         f'dc/elements/1.1/" xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0">'
         f'<office:meta><dc:creator>{AUTHOR}</dc:creator><dc:title>{TITLE}</dc:title>'
         f'<meta:generator>{TOOL}</meta:generator></office:meta></office:document-meta>'),
    ], stored_first=True)


def _assert_clean_zip(data: bytes, body_part: str) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None and archive.comment == b""
        for info in archive.infolist():
            text = archive.read(info)
            if info.filename.endswith(".xml"):
                ElementTree.fromstring(text)  # noqa: S314 (our own test file) # still XML
            assert not any(m.encode() in text for m in MARKERS), info.filename
            assert info.date_time == (1980, 1, 1, 0, 0, 0)
        assert BODY.encode() in archive.read(body_part)


def _assert_clean(kind: str, data: bytes) -> None:
    assert not any(m.encode() in data for m in MARKERS)
    if kind == "pdf":
        with pikepdf.open(io.BytesIO(data)) as pdf:
            assert len(pdf.pages) == 1 and "/Info" not in pdf.trailer
            assert "/Metadata" not in pdf.Root
            assert BODY.encode() in pdf.pages[0].Contents.read_bytes()
            _opens_as_photo(pdf.pages[0].Resources.XObject.Im1.read_raw_bytes())
    elif kind == "docx":
        _assert_clean_zip(data, "word/document.xml")
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            types = archive.read("[Content_Types].xml").decode()
        # Every part the content types name is still there: the package stays valid.
        assert {"docProps/core.xml", "docProps/app.xml", "docProps/custom.xml"} <= set(names)
        _opens_as_photo(zipfile.ZipFile(io.BytesIO(data)).read("word/media/image1.jpeg"))
        assert all(f'"/{n}"' in types for n in ("docProps/core.xml", "word/document.xml"))
    else:
        _assert_clean_zip(data, "content.xml")
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            first = archive.infolist()[0]
            assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
            meta = ElementTree.fromstring(archive.read("meta.xml"))  # noqa: S314
            assert meta.find(f"{{{OFFICE}}}meta") is not None


FILES = {"pdf": _pdf, "docx": _docx, "odt": _odt}


@pytest.mark.parametrize("kind", FILES)
def test_the_files_carry_their_metadata_before(kind):
    data = FILES[kind]()
    if kind != "pdf":  # what the entries hold, inflated
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            data = b"".join(archive.read(n) for n in archive.namelist()) + archive.comment
    assert all(m.encode() in data for m in (AUTHOR, TITLE, TOOL))
    if kind == "docx":
        assert AUTHOR.encode() in zipfile.ZipFile(io.BytesIO(FILES[kind]())).read(
            "word/media/image1.jpeg")
    assert documents.sniff(FILES[kind]()) == kind


@pytest.mark.parametrize("kind", FILES)
def test_an_application_document_is_stored_without_metadata(app, world, kind):
    with app.app_context():
        application = db.session.get(Application, world.application.id)
        document = documents.add_document(
            world.applicant, application, purpose="reused_proposal", filename=f"plan.{kind}",
            data=FILES[kind](), max_bytes=app.config["UPLOAD_MAX_BYTES"])
        db.session.commit()
        doc_id = document.id
        db.session.expire_all()
        stored = db.session.get(type(document), doc_id)
        _assert_clean(kind, stored.content)
        assert stored.size_bytes == len(stored.content)
        raw = db.session.execute(sa.text(
            "SELECT content FROM application_documents WHERE id = :i"), {"i": doc_id}).scalar()
        assert BODY.encode() not in bytes(raw)  # and encrypted at rest


@pytest.mark.parametrize("kind", FILES)
def test_an_award_report_file_is_stored_without_metadata(app, world, kind):
    from tests import factories

    with app.app_context():
        application = db.session.get(Application, world.submitted.id)
        award = factories.award(application, world.officer)
        requirement = db.session.scalars(sa.select(ReportRequirement).where(
            ReportRequirement.award_id == award.id)).first()
        assert requirement is not None
        report = reports.submit_file(world.applicant, requirement, filename=f"r.{kind}",
                                     data=FILES[kind](), max_bytes=5 * 1024 * 1024)
        db.session.commit()
        report_id = report.id
        db.session.expire_all()
        _assert_clean(kind, db.session.get(Report, report_id).content)


def test_a_file_with_nothing_to_strip_is_kept_as_sent():
    clean = scrub.strip_metadata("pdf", _pdf())
    assert scrub.strip_metadata("pdf", clean) == clean
    plain = _zip([("mimetype", "application/vnd.oasis.opendocument.text"),
                  ("content.xml", "<o/>")], stored_first=True)
    assert scrub.strip_metadata("odt", plain) == plain


@pytest.mark.parametrize(("kind", "data"), [
    ("pdf", b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"),
    ("pdf", b"%PDF-1.4\n" + b"\x00" * 64),
    ("docx", _docx()[:200]),
    ("odt", _odt().replace(b"meta.xml", b"meta.xmX", 1)[:-40]),
    ("docx", _zip([("word/document.xml", "<w/>"),
                   ("word/media/a.jpg", b"\xff\xd8\xff\xe1\x00\x10Exif")])),  # a broken photo
])
def test_a_file_that_cannot_be_read_is_refused_with_a_message(kind, data):
    with pytest.raises(ServiceError) as refused:
        scrub.strip_metadata(kind, data, "proposal")
    assert "could not read that file" in refused.value.message
    assert refused.value.field == "proposal"


def test_a_password_protected_pdf_is_refused(app, client, auth, world):
    pdf = pikepdf.new()
    pdf.add_blank_page()
    out = io.BytesIO()
    pdf.save(out, encryption=pikepdf.Encryption(user="secret", owner="secret"))
    auth.login(world.applicant)
    r = client.post(f"/applications/{world.application.id}/step/2",
                    data={"proposal": (io.BytesIO(out.getvalue()), "plan.pdf")},
                    content_type="multipart/form-data")
    assert r.status_code == 200 and "protected by a password" in r.data.decode()
    with app.app_context():
        assert db.session.get(Application, world.application.id).documents == []


def test_a_zip_bomb_is_refused_without_inflating_it():
    bomb = _zip([("mimetype", "application/vnd.oasis.opendocument.text"),
                 ("meta.xml", "<m/>"), ("content.xml", " " * 20_000)], stored_first=True)
    with pytest.raises(ServiceError) as refused:
        scrub.strip_metadata("odt", bomb, limits=scrub.Limits(unzipped_max=10_000))
    assert "would unpack to far more data" in refused.value.message



_OFFSETS = {"crc": 16, "csize": 20, "usize": 24}  # in a central directory record


def _patched(data: bytes, name: str, **fields: int) -> bytes:
    """The archive with its directory record of `name` saying something else."""
    out = bytearray(data)
    at = out.index(b"PK\x01\x02")
    while out[at + 46:at + 46 + len(name)] != name.encode():
        at = out.index(b"PK\x01\x02", at + 4)
    for field, value in fields.items():
        struct.pack_into("<I", out, at + _OFFSETS[field], value)
    return bytes(out)


def _odt_with(content: bytes | str) -> bytes:
    return _zip([("mimetype", "application/vnd.oasis.opendocument.text"),
                 ("content.xml", content)], stored_first=True)


_TEXT = b"<o>" + bytes(range(32, 127)) * 50 + b"</o>"


@pytest.mark.parametrize(("data", "message"), [
    # the compressed stream goes on past where the directory says it ends
    (_patched(_odt_with(_TEXT), "content.xml", csize=40), "could not read"),
    # more bytes come out than the directory says, with the checksum of what it says
    (_patched(_odt_with(_TEXT), "content.xml", usize=100, crc=zlib.crc32(_TEXT[:100])),
     "could not read"),
    # a stored entry longer than its header says
    (_patched(_odt_with(_TEXT), "mimetype", usize=10, crc=zlib.crc32(b"applicatio")),
     "could not read"),
    (_zip([("mimetype", "application/vnd.oasis.opendocument.text")]
                                  + [(f"p{i}.txt", "") for i in range(60)], stored_first=True),
     "would unpack to far more data"),
    # a "photo" of padding, which would be read whole to strip its EXIF
    (_zip([("mimetype", "application/vnd.oasis.opendocument.text"),
           ("Pictures/p.jpg", b"\xff\xd8" + bytes(3 * 1024 * 1024))], stored_first=True),
     "would unpack to far more data"),
])
def test_an_archive_whose_directory_lies_or_that_has_too_many_parts_is_refused(data, message):
    with pytest.raises(ServiceError) as refused:
        scrub.strip_metadata("odt", data, "proposal", scrub.Limits(entries_max=50))
    assert message in refused.value.message


@pytest.mark.parametrize(("kind", "data"), [
    ("docx", _zip([("[Content_Types].xml", "<Types/>"), ("word/document.xml",
                   "<w:t>How to spot a vbaProject.bin and macroEnabled files</w:t>")])),
    ("odt", _odt_with("<office:document-content><office:scripts/></office:document-content>")),
])
def test_a_document_that_only_talks_about_macros_is_taken(kind, data):
    assert scrub.strip_metadata(kind, data) == data
