"""Active content in PDFs: what a reader would run, launch, send or unpack on opening.

An officer opens a group's PDF in whatever reader their office uses; a file that runs a
script, starts a program or carries another file inside must not reach them. What goes,
wherever it sits in the file (catalogue, pages, annotations, form fields, outlines, the
actions chained after another by /Next), found by walking every object with pikepdf:

- JavaScript: the catalogue's /OpenAction and every /AA (additional actions), the document's
  /Names /JavaScript tree, every action of type JavaScript and every /JS key;
- actions that leave the document: Launch, SubmitForm, ImportData, GoToR, GoToE, Rendition,
  RichMediaExecute, Sound, Movie, and URI actions other than http, https and mailto links;
- attached files: the /Names /EmbeddedFiles tree, every file specification's /EF, and the
  annotations that carry files or media (FileAttachment, RichMedia, Screen, Movie, Sound, 3D);
- XFA forms (which hold scripts of their own) and the flag asking a reader to render them.

An ordinary /OpenAction that only turns to a page is kept. The cleaned file is read again;
if anything active is still reachable it is refused (`still_active`). A file whose bytes
name active content anywhere, even where pikepdf does not look (after the end of the file,
in an object no table lists), is rewritten from what pikepdf reads (`mentioned`), never
kept byte for byte: another reader may repair the file differently.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pikepdf

_DROPPED_KEYS = frozenset({"/AA", "/JS", "/JavaScript", "/EmbeddedFiles", "/EF", "/XFA",
                           "/NeedsRendering"})
_ACTION_KEYS = ("/A", "/OpenAction", "/Next", "/PA")
_ACTIONS = frozenset({"/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/GoToR",
                      "/GoToE", "/Rendition", "/RichMediaExecute", "/Sound", "/Movie"})
_ANNOTATIONS = frozenset({"/FileAttachment", "/RichMedia", "/Screen", "/Movie", "/Sound",
                          "/3D"})
_SAFE_LINKS = ("http://", "https://", "mailto:")
# Names of active content as bytes, and any name spelled with #xx escapes (/J#61vaScript).
_MENTIONS = re.compile(rb"/(?:JavaScript|JS|AA|OpenAction|Launch|EmbeddedFiles?|EF|XFA|"
                       rb"SubmitForm|ImportData|GoToR|GoToE|RichMedia\w*|URI)(?![A-Za-z0-9])|"
                       rb"/[^\s/<>\[\]()%]*#[0-9A-Fa-f]{2}")


def mentioned(data: bytes) -> bool:
    """True if the raw file names active content anywhere (see the module's note)."""
    return _MENTIONS.search(data) is not None


def remove_active(pdf: pikepdf.Pdf) -> bool:
    """Remove the active content of `pdf` in place; True if there was any."""
    changed = False
    for obj in _dictionaries(pdf):
        changed = _clean(obj) or changed
    return changed


def still_active(pdf: pikepdf.Pdf) -> bool:
    """True if any object of `pdf` still holds something `remove_active` removes."""
    return any(_active(obj) for obj in _dictionaries(pdf))


def _dictionaries(pdf: pikepdf.Pdf) -> Iterator[pikepdf.Object]:
    """Every dictionary and stream of the file, nested (direct) ones included: each is
    yielded before its children are read, so a key removed is not walked into."""
    stack = [pdf.trailer, *pdf.objects]
    while stack:
        obj = stack.pop()
        if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
            yield obj
            children = [obj[key] for key in obj.keys()]  # noqa: SIM118 (a pikepdf object)
        elif isinstance(obj, pikepdf.Array):
            children = list(obj)
        else:
            continue
        stack.extend(child for child in children
                     if isinstance(child, pikepdf.Object) and not child.is_indirect)


def _clean(obj: pikepdf.Object) -> bool:
    keys = set(obj.keys())
    dropped = [key for key in keys & _DROPPED_KEYS]
    dropped += [key for key in _ACTION_KEYS if key in keys and _dangerous(obj[key])]
    for key in dropped:
        del obj[key]
    annots = obj.get("/Annots")
    if isinstance(annots, pikepdf.Array):
        kept = [a for a in annots if not _carrier(a)]
        if len(kept) != len(annots):
            obj.Annots = pikepdf.Array(kept)
            dropped.append("/Annots")
    return bool(dropped)


def _active(obj: pikepdf.Object) -> bool:
    keys = set(obj.keys())
    return bool(keys & _DROPPED_KEYS) or _dangerous(obj) or _carrier(obj) or (
        obj.get("/Type") == pikepdf.Name.EmbeddedFile)


def _dangerous(action: pikepdf.Object) -> bool:
    """An action (or a /Next array of them) that runs, launches, sends or unpacks."""
    if isinstance(action, pikepdf.Array):
        return any(_dangerous(item) for item in action)
    if not isinstance(action, pikepdf.Dictionary):
        return False
    kind = action.get("/S")
    if kind is not None and str(kind) in _ACTIONS or "/JS" in action:
        return True
    if kind == pikepdf.Name.URI:
        link = str(action.get("/URI", "")).strip().lower()
        return not link.startswith(_SAFE_LINKS)
    return False


def _carrier(annotation: pikepdf.Object) -> bool:
    """An annotation that carries a file, media or 3D content."""
    return (isinstance(annotation, pikepdf.Dictionary)
            and str(annotation.get("/Subtype", "")) in _ANNOTATIONS)
