"""Small things a reader notices (issue 19, item 7), checked on every page a role can open
(the GET routes of the authorization matrix, one role each) in every language:

- no sentence glued to the next ("intermediaria.Elija": the template's line break after a
  block tag is trimmed, so a sentence before `{% endif %}` met the link after it);
- a percentage written as the language writes it ("61,21 %" in Spanish, "61.21%" in English);
- a reference code (an application's code name, an award's reference) never broken at its
  hyphens: each one shown sits in an element of class "ref" (an inline-block: it moves to
  the next line whole).

The catalogs are checked too: a translation keeps the spaces its English ends or starts with,
and a percentage written in a translation is written as Babel writes it in that language.
"""

from __future__ import annotations

import re
from decimal import Decimal
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa
from babel.messages.pofile import read_po
from babel.numbers import format_percent

from grants import ROOT
from grants.extensions import db
from grants.models import Application, Award
from tests.access import ROLES
from tests.conftest import Auth, _bind
from tests.matrix import MATRIX, client_as, route_url
from tests.test_i18n import source_messages  # noqa: F401  (a fixture)

LANGS = ("en", "ar", "es", "fa", "fr", "pt", "ru")
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


def test_the_checkers_find_what_they_are_for():
    assert glued("Directamente a través de una intermediaria.Elija cómo") != []
    assert glued("Directamente a través de una intermediaria. Elija cómo") == []
    assert glued("Write to help@example.org or see e.g.this, U.N.Office") == []
    assert glued("مع حصة الحماية.الأكثر") != []
    assert misformatted_percentages("61,21\u00a0%", "es") == []
    assert misformatted_percentages("61,21%", "es") == ["1%"]
    assert misformatted_percentages("61.21 %", "en") == ["1 %"]
    reader = read('<p>Award <a>AW-X-1</a> and <bdi class="ref">GR-X-1</bdi></p>')
    assert unwrapped_codes(reader, {"AW-X-1", "GR-X-1"}) == ["AW-X-1"]
    assert glued(read("<p>una intermediaria.</p><p>Elija</p>").text) == []


@pytest.fixture(scope="module")
def codes(app, shared_world, _module_connection) -> set[str]:
    with app.app_context():
        _bind(_module_connection)
        found = set(db.session.scalars(sa.select(Application.code_name)))
        found |= set(db.session.scalars(sa.select(Award.reference)))
        db.session.remove()
    return {c for c in found if c}


def _first_role(expected) -> str:
    return next(role for role in ROLES if expected[role] == 200)


PAGES = sorted((endpoint, _first_role(expected), lang)
               for endpoint, (method, _args, expected) in MATRIX.items()
               if method == "GET" and endpoint != "static"
               and any(expected[role] == 200 for role in ROLES) for lang in LANGS)


@pytest.mark.parametrize(("endpoint", "role", "lang"), PAGES)
def test_every_page_reads_well_in_every_language(app, shared_world, codes, endpoint, role,
                                                 lang):
    _method, args, _expected = MATRIX[endpoint]
    client = client_as(app, Auth, shared_world, role)
    client.set_cookie("lang", lang)
    response = client.get(route_url(app, shared_world, endpoint, args))
    assert response.status_code == 200
    if response.mimetype != "text/html":
        return
    reader = read(response.get_data(as_text=True))
    assert glued(reader.text) == []
    assert misformatted_percentages(reader.text, lang) == []
    assert unwrapped_codes(reader, codes) == []


TEXT_INLINE = {"a", "abbr", "b", "bdi", "cite", "code", "em", "i", "kbd", "mark", "q", "small",
               "span", "strong", "sub", "sup", "time", "u"}


CLOSED_BLOCK = re.compile(r"</(?!(?:" + "|".join(TEXT_INLINE) + r")>)[a-z0-9]+>$")


def glued_lines(source: str) -> list[str]:
    """Lines whose end Jinja trims (a block tag, trim_blocks) though text stands before the
    tag and text follows on the next line: the two are shown with nothing between."""
    lines = source.split("\n")
    found = []
    for line, following in zip(lines, lines[1:], strict=False):
        end, nxt = line.rstrip(), following.lstrip()
        if not end.endswith("%}") or end.endswith(("+%}", "-%}")):
            continue
        before = re.sub(r"\{%.*?%\}|\{#.*?#\}", "", end).rstrip()
        if not before or CLOSED_BLOCK.search(before):
            continue
        tag = re.match(r"<([a-z0-9]+)", nxt)
        if (tag and tag.group(1) in TEXT_INLINE) or re.match(r"\{\{ ?(_|ngettext)\(", nxt) \
                or (nxt and nxt[0] not in "<{"):
            found.append(f"{end[-50:]} | {nxt[:30]}")
    return found


def test_the_line_checker_finds_a_sentence_before_a_trimmed_line_end():
    assert glued_lines('{{ _("By hand.") }}{% endif %}\n<a href="/x">Choose</a>') != []
    assert glued_lines('{{ _("By hand.") }}{% endif +%}\n<a href="/x">Choose</a>') == []
    assert glued_lines('<p>{{ error }}</p>{% endif %}\n<a href="/x">Choose</a>') == []
    assert glued_lines('{% if x %}\n<a href="/x">Choose</a>') == []
    assert glued_lines('{{ _("A former user") }}{% endif %}\n· <time>') != []


@pytest.mark.parametrize("path", sorted(p.relative_to(ROOT / "templates").as_posix()
                                        for p in (ROOT / "templates").rglob("*.html")))
def test_no_template_glues_a_sentence_to_the_next(path):
    assert glued_lines((ROOT / "templates" / path).read_text(encoding="utf-8")) == []


def _catalog(lang: str):
    with open(ROOT / "grants" / "translations" / lang / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f, locale=lang)


@pytest.mark.parametrize("lang", [lang for lang in LANGS if lang != "en"])
def test_translations_keep_the_spaces_and_write_percentages_as_their_language(
        lang, source_messages):  # noqa: F811  (the fixture imported above)
    """Of the messages the code asks for (a catalog may keep old ones after a merge)."""
    gap = percent_gap(lang)
    problems = []
    for message in _catalog(lang):
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strs = message.string if isinstance(message.string, tuple) else (message.string,)
        if not message.id or ids[0] not in source_messages or not all(strs):
            continue
        for msgid, msgstr in zip(ids * len(strs), strs, strict=False):
            if msgid[-1:].isspace() != msgstr[-1:].isspace() or \
                    msgid[:1].isspace() != msgstr[:1].isspace():
                problems.append(("space", msgid))
            problems += [("percent", msgstr) for m in re.finditer(
                r"\d([ \u00a0\u202f]?)%(?!\()", msgstr) if m.group(1) != gap]
    assert problems == []

