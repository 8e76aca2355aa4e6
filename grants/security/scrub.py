"""Strip identifying metadata from uploaded documents before they are stored.

An editor writes the author's name, the organisation, the title, the software and the
times of editing into a file; a defender who uploads a proposal should not hand those over
with it. What is removed:

- PDF (pikepdf): the document information dictionary, every XMP metadata stream (the
  catalog's, pages', images'), page-piece data, and the EXIF of JPEG photos; the file is
  rewritten whole, so earlier revisions kept by incremental saves go too.
- DOCX: docProps/core.xml (author, title, last modified by, dates), docProps/app.xml
  (application, company, manager, template, editing time) and docProps/custom.xml are
  replaced by empty ones, so the content types and relationships still match.
- ODT: meta.xml (creator, dates, generator, editing statistics) is replaced by an empty one.
- Both ZIP formats: photos (JPEG) inside lose their EXIF (camera, GPS position, time), XMP,
  IPTC and comments; entries' times, comments and extra fields are reset; the order and the
  compression of entries are kept (ODT's `mimetype` stays first and stored).

Active content goes too, or the file is refused (see `pdfactive` and `archives`): a PDF
loses its scripts, launching actions and attached files; a DOCX or ODT with macros, or
whose parts inflate past the configured limits, is refused.

Images are not accepted as uploads on their own. A file with nothing to strip is kept
byte for byte. A file that cannot be read is refused with a message, never a 500.
"""

from __future__ import annotations

import io
import shutil
import zipfile
import zlib

import pikepdf

from grants.errors import N_, ServiceError
from grants.security import archives, pdfactive
from grants.security.archives import Limits

PDF, DOCX, ODT = "pdf", "docx", "odt"
_EPOCH = (1980, 1, 1, 0, 0, 0)

_CORE = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
         b'<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
         b'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
         b'xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/'
         b'dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/>')
_APP = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'extended-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/'
        b'2006/docPropsVTypes"/>')
_CUSTOM = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
           b'custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/'
           b'2006/docPropsVTypes"/>')
_META = (b'<?xml version="1.0" encoding="UTF-8"?>\n'
         b'<office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
         b' office:version="1.2"><office:meta/></office:document-meta>')
NEUTRAL = {
    DOCX: {"docProps/core.xml": _CORE, "docProps/app.xml": _APP, "docProps/custom.xml": _CUSTOM},
    ODT: {"meta.xml": _META},
}
_PDF_KEYS = ("/Metadata", "/PieceInfo")


REFUSALS = {
    "macros": N_("This file contains macros or other code, which we do not accept. Save it "
                 "as an ordinary document without macros and send it again."),
    "too_large": N_("This file would unpack to far more data than it holds, so we cannot "
                    "accept it. Save it again, for example as a PDF, and send it again."),
    "pdf_active": N_("This PDF contains scripts or attached files that we could not remove "
                     "safely. Print it to a new PDF and send that one."),
}


def strip_metadata(kind: str, data: bytes, field: str | None = None,
                   limits: Limits | None = None) -> bytes:
    """The document without its metadata or active content; ServiceError (on `field`) if
    it cannot be read, or holds macros, or inflates past `limits`."""
    try:
        if kind == PDF:
            return _pdf(data)
        if kind in NEUTRAL:
            return _zip(kind, data, limits or Limits())
    except ServiceError:
        raise
    except archives.Refused as exc:
        raise ServiceError(REFUSALS[exc.reason], field=field) from exc
    except (pikepdf.PikepdfError, zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError,
            EOFError, RuntimeError, NotImplementedError, KeyError, zlib.error) as exc:
        raise _unreadable(field) from exc
    raise ValueError(f"unknown kind {kind!r}")


def _unreadable(field: str | None) -> ServiceError:
    return ServiceError("We could not read that file: it may be damaged or protected by a "
                        "password. Open it, save it again (without a password) and send it "
                        "again.", field=field)


# --- PDF -------------------------------------------------------------------------------

def _pdf(data: bytes) -> bytes:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        if len(pdf.pages) == 0:
            raise ValueError("a PDF without pages")
        carriers = [obj for obj in pdf.objects
                    if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream)
                    and any(key in obj for key in _PDF_KEYS)]
        revised = b"/Prev" in data or pdf.is_encrypted or pdfactive.mentioned(data)
        photos = _pdf_photos(pdf)
        active = pdfactive.remove_active(pdf)
        if "/Info" not in pdf.trailer and not (carriers or photos or revised or active):
            return data  # nothing to strip: kept as sent
        if "/Info" in pdf.trailer:
            del pdf.trailer["/Info"]
        for obj, clean in photos:
            obj.write(clean, filter=pikepdf.Name.DCTDecode, decode_parms=obj.get("/DecodeParms"))
        for obj in carriers:
            for key in _PDF_KEYS:
                if key in obj:
                    del obj[key]
        out = io.BytesIO()
        # Streams are written as they came, never decoded: a stream that inflates to
        # gigabytes stays a few bytes here, as a ZIP part does in `archives`.
        pdf.save(out, fix_metadata_version=False, deterministic_id=True,
                 stream_decode_level=pikepdf.StreamDecodeLevel.none)
    with pikepdf.open(io.BytesIO(out.getvalue())) as saved:
        if pdfactive.still_active(saved):  # what a reader would open: checked again
            raise archives.Refused("pdf_active")
    return out.getvalue()


def _pdf_photos(pdf: pikepdf.Pdf) -> list:
    """(image, JPEG without metadata) for each JPEG-coded image that carried some."""
    found = []
    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Stream) and obj.get("/Filter") == pikepdf.Name.DCTDecode:
            raw = obj.read_raw_bytes()
            clean = strip_jpeg(raw)
            if clean != raw:
                found.append((obj, clean))
    return found


# --- DOCX and ODT ------------------------------------------------------------------------

def _zip(kind: str, data: bytes, limits: Limits) -> bytes:
    neutral = NEUTRAL[kind]
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        entries = source.infolist()
        names = [e.filename for e in entries]
        if len(set(names)) != len(names) or any(e.flag_bits & 0x1 for e in entries):
            raise ValueError("duplicate or encrypted entries")
        archives.check(kind, data, entries, limits)  # every entry inflated, as a stream
        replace = dict(_photos(source, entries))
        replace.update((n, neutral[n]) for n in names if n in neutral)
        if not replace:
            return data  # nothing to strip: kept as sent
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as target:
            for entry in entries:
                _copy(source, target, entry, replace.get(entry.filename))
    return out.getvalue()


def _photos(source: zipfile.ZipFile, entries: list[zipfile.ZipInfo]):
    """(name, JPEG without its EXIF, XMP, IPTC and comments) for each photo that had some:
    a phone's photo pasted into a document carries the place it was taken."""
    for entry in entries:
        if entry.filename.lower().endswith((".jpg", ".jpeg")):
            photo = source.read(entry)
            clean = strip_jpeg(photo)
            if clean != photo:
                yield entry.filename, clean


_DROPPED = {0xE1, 0xED, 0xFE}  # APP1 (EXIF, XMP), APP13 (IPTC), COM


def strip_jpeg(data: bytes) -> bytes:
    """The JPEG without its metadata segments (the image data is copied untouched; EXIF's
    orientation goes too, so a photo may show turned). Not a JPEG: returned as it is."""
    if not data.startswith(b"\xff\xd8"):
        return data
    out, i = bytearray(data[:2]), 2
    while i + 4 <= len(data) and data[i] == 0xFF:
        marker = data[i + 1]
        if marker == 0xDA:  # start of scan: the compressed image follows
            return bytes(out + data[i:])
        if marker == 0xFF:  # a fill byte
            i += 1
            continue
        end = i + 2 + int.from_bytes(data[i + 2:i + 4], "big")
        if marker not in _DROPPED:
            out += data[i:end]
        i = end
    raise ValueError("a broken JPEG")


def _copy(source: zipfile.ZipFile, target: zipfile.ZipFile, entry: zipfile.ZipInfo,
          replacement: bytes | None) -> None:
    """Copy one entry under a fresh header (no time, comment or extra fields)."""
    clean = zipfile.ZipInfo(entry.filename, date_time=_EPOCH)
    clean.compress_type = entry.compress_type
    clean.external_attr = (0o40755 << 16 | 0x10) if entry.is_dir() else 0o644 << 16
    if replacement is not None:
        target.writestr(clean, replacement)
        return
    with source.open(entry) as src, target.open(clean, "w") as dst:
        shutil.copyfileobj(src, dst, 64 * 1024)
