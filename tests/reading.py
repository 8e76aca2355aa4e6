"""What a reader of a page sees, and the small things they notice in it:
a sentence glued to the next, a percentage not written as the language writes it, a
reference code that may break at its hyphens.

Shared by tests/test_reading.py (every page, every language) and
tests/test_reading_spanish.py (Spanish pages).
"""

from __future__ import annotations

import re
from decimal import Decimal
from html.parser import HTMLParser

from babel.numbers import format_percent

SKIPPED = {"script", "style", "title", "option", "textarea", "template"}
INLINE = {"a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "em", "i", "kbd", "label",
          "mark", "q", "s", "samp", "small", "span", "strong", "sub", "sup", "time", "u",
          "var"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}
# A letter, a sentence's end, a letter: "intermediaria.Elija". Not glued when the letter
# after is lower case (a domain "example.org", "e.g.") or the one before is a capital
# ("U.N.").
SENTENCE_END = re.compile(r"([^\W\d_])([.!?؟])([^\W\d_])")


class _Reader(HTMLParser):
    """The text a reader sees, a line per block; and each text with its open classes."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str]] = []
        self.parts: list[str] = []
        self.texts: list[tuple[str, set[str]]] = []

    def handle_starttag(self, tag, attrs):
        if tag not in INLINE:
            self.parts.append("\n")
        if tag not in VOID:
            self.stack.append((tag, dict(attrs).get("class") or ""))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break
        if tag not in INLINE:
            self.parts.append("\n")

    def handle_data(self, data):
        if any(tag in SKIPPED for tag, _classes in self.stack):
            return
        self.parts.append(data)
        classes = {c for _tag, names in self.stack for c in names.split()}
        self.texts.append((data, classes))

    @property
    def text(self) -> str:
        return "".join(self.parts)


def read(page: str) -> _Reader:
    reader = _Reader()
    reader.feed(page)
    reader.close()
    return reader


def glued(text: str) -> list[str]:
    """Each place where a sentence runs into the next without a space."""
    found = []
    for m in SENTENCE_END.finditer(text):
        before, after = m.group(1), m.group(3)
        if not after.islower() and not before.isupper():
            found.append(text[max(0, m.start() - 30):m.end() + 20].replace("\n", " "))
    return found


def percent_gap(lang: str) -> str:
    """What the language writes between a number and its percent sign ("", or a space)."""
    written = format_percent(Decimal("0.5"), locale=lang)
    return written[written.index("0") + 1:written.index("%")]


def misformatted_percentages(text: str, lang: str) -> list[str]:
    gap = percent_gap(lang)
    return [m.group(0) for m in re.finditer(r"\d([ \u00a0\u202f]?)%", text) if m.group(1) != gap]


def unwrapped_codes(reader: _Reader, codes: set[str]) -> list[str]:
    return sorted({code for text, classes in reader.texts for code in codes
                   if code in text and "ref" not in classes})
