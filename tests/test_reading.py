"""Small things a reader notices, checked on every page a role can open
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

import pytest
import sqlalchemy as sa
from babel.messages.pofile import read_po

from grants import ROOT
from grants.extensions import db
from grants.models import Application, Award
from tests.access import ROLES
from tests.conftest import Auth, _bind
from tests.matrix import MATRIX, client_as, route_url
from tests.reading import glued, misformatted_percentages, percent_gap, read, unwrapped_codes

LANGS = ("en", "ar", "es", "fa", "fr", "pt", "ru")


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
        lang, source_messages):
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

