"""Office files (DOCX, ODT) are ZIP archives: refuse the ones with macros and the bombs.

A file is refused (`Refused`) when:

- it carries macros or other code a word processor runs: a VBA project (vbaProject.bin,
  vbaData.xml), ActiveX controls, a macro-enabled content type (.docm saved as .docx),
  ODF Basic libraries or scripts (Basic/, Scripts/), or ODF event listeners that call a
  macro or a script;
- its parts inflate past the limits (`Limits`, set in the config): more entries, more bytes
  in all, or one part larger than its compressed size allows (a ratio past `ratio_max` once
  it passes a megabyte; for a photo, which is read whole to strip it, twice).

The ZIP directory is checked first, then every entry is inflated for real, as a stream of
64 KiB pieces that are counted and dropped: the directory may lie about sizes, so what
counts is what comes out. An entry that inflates to more than its header says, or whose
compressed stream does not end where the directory says, is damaged (ValueError).
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

MB = 1024 * 1024
CHUNK = 64 * 1024
_RATIO_FLOOR = MB  # small parts compress as they like: a page of spaces is not a bomb


@dataclass(frozen=True)
class Limits:
    """How far an uploaded office file may inflate (UPLOAD_UNZIPPED_MAX_BYTES,
    UPLOAD_ZIP_RATIO_MAX, UPLOAD_ZIP_ENTRIES_MAX in the config)."""

    unzipped_max: int = 50 * MB
    ratio_max: int = 100
    entries_max: int = 5000

    @classmethod
    def from_config(cls, config: Mapping) -> Limits:
        return cls(unzipped_max=config.get("UPLOAD_UNZIPPED_MAX_BYTES", cls.unzipped_max),
                   ratio_max=config.get("UPLOAD_ZIP_RATIO_MAX", cls.ratio_max),
                   entries_max=config.get("UPLOAD_ZIP_ENTRIES_MAX", cls.entries_max))


class Refused(Exception):
    """The file is refused for what it holds: `reason` is "macros", "too_large" or (for a
    PDF, raised by scrub) "pdf_active"."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


# Names of parts that hold code (lower case), and what in which parts calls code: for DOCX
# only the package's own parts (the content types and relationships), never the text, which
# may well talk about macros.
_CODE_PARTS = re.compile(r"(^|/)(vbaproject\.bin|vbadata\.xml)$|(^|/)activex/|^(basic|scripts)/")
_CODE_TEXT = {
    "docx": (re.compile(r"^\[content_types\]\.xml$|\.rels$"),
             (b"macroEnabled", b"vbaProject", b"ms-office.activeX")),
    "odt": (re.compile(r"\.xml$"),
            (b"script:event-listener", b"vnd.sun.star.script", b"macro:///")),
}


def check(kind: str, data: bytes, entries: list[zipfile.ZipInfo], limits: Limits) -> None:
    """Refuse the archive `data` (whose directory lists `entries`) for macros or size."""
    if len(entries) > limits.entries_max:
        raise Refused("too_large")
    if sum(e.file_size for e in entries) > limits.unzipped_max:
        raise Refused("too_large")
    if any(e.file_size > _entry_max(e, limits) for e in entries):
        raise Refused("too_large")
    if any(_puffed_photo(e) for e in entries):
        raise Refused("too_large")
    if any(_CODE_PARTS.search(e.filename.lower()) for e in entries):
        raise Refused("macros")
    budget = limits.unzipped_max
    for entry in entries:
        parts, words = _CODE_TEXT[kind]
        watch = words if parts.search(entry.filename.lower()) else ()
        budget -= _inflate(data, entry, min(budget, _entry_max(entry, limits)), watch)


def _entry_max(entry: zipfile.ZipInfo, limits: Limits) -> int:
    return max(_RATIO_FLOOR, limits.ratio_max * entry.compress_size)


def _puffed_photo(entry: zipfile.ZipInfo) -> bool:
    """A "photo" that deflate shrinks by half is padding, not a JPEG: it would be read
    whole to strip its EXIF (scrub), so it is refused instead."""
    return (entry.filename.lower().endswith((".jpg", ".jpeg"))
            and entry.file_size > 2 * entry.compress_size + MB)


def _inflate(data: bytes, entry: zipfile.ZipInfo, most: int, watch: tuple[bytes, ...]) -> int:
    """Inflate one entry piece by piece; its real size, checked against its header."""
    size, crc, tail = 0, 0, b""
    for piece in _pieces(data, entry):
        size += len(piece)
        if size > most:
            raise Refused("too_large")
        if size > entry.file_size:
            raise ValueError("an entry larger than its header says")
        crc = zlib.crc32(piece, crc)
        if watch:
            window = tail + piece
            if any(word in window for word in watch):
                raise Refused("macros")
            tail = window[-64:]
    if size != entry.file_size or crc != entry.CRC:
        raise ValueError("an entry that does not match its header")
    return size


def _pieces(data: bytes, entry: zipfile.ZipInfo) -> Iterator[bytes]:
    """The entry's inflated bytes, CHUNK at a time, never more at once."""
    raw = memoryview(data)[_data_start(data, entry):][:entry.compress_size]
    if len(raw) != entry.compress_size:
        raise ValueError("a truncated entry")
    if entry.compress_type == zipfile.ZIP_STORED:
        for i in range(0, len(raw), CHUNK):
            yield bytes(raw[i:i + CHUNK])
        return
    if entry.compress_type != zipfile.ZIP_DEFLATED:
        raise ValueError("an unusual compression method")
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    for i in range(0, len(raw), CHUNK):
        pending = bytes(raw[i:i + CHUNK])
        while pending and not inflater.eof:
            yield inflater.decompress(pending, CHUNK)
            pending = inflater.unconsumed_tail
    while not inflater.eof:  # output still held back by the CHUNK bound
        piece = inflater.decompress(b"", CHUNK)
        if not piece:
            raise ValueError("a compressed stream that does not end where its header says")
        yield piece


def _data_start(data: bytes, entry: zipfile.ZipInfo) -> int:
    """Where the entry's compressed bytes begin, after its local header."""
    offset = entry.header_offset
    header = data[offset:offset + 30]
    if len(header) != 30 or header[:4] != b"PK\x03\x04":
        raise ValueError("a broken local header")
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    return offset + 30 + name_len + extra_len
