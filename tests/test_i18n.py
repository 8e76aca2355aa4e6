"""The interface in seven languages: every template string is wrapped for translation,
every catalog translates every message (placeholders intact), Arabic and Farsi render
right to left, and the language is chosen without an account."""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po
from jinja2 import Environment

from grants import ROOT

TEMPLATES = ROOT / "templates"
CATALOGS = ROOT / "grants" / "translations"
LANGUAGES = ["es", "fr", "pt", "ru", "ar", "fa"]
RTL = {"ar", "fa"}

# Markup and what Jinja evaluates are not text; what is left between tags must be wrapped.
_MARKUP = re.compile(r"<(script|style)\b.*?</\1>|<!--.*?-->|<[^>]*>", re.S | re.I)
_ENTITY = re.compile(r"&[a-zA-Z]+;|&#\d+;")
_TEXT_ATTR = re.compile(
    r"""\b(aria-label|title|placeholder|alt|aria-description)\s*=\s*"([^"]*)\"""")
_WORD = re.compile(r"[^\W\d_][^\W\d_'’]*")
_LEXER = Environment(extensions=["jinja2.ext.i18n"], autoescape=True)  # only lexes
# Words that are the same in every language.
_UNIVERSAL = {"UTC"}


def _literal_text(source: str) -> tuple[list[str], list[str]]:
    """Words outside tags and outside Jinja expressions, and text attributes' literals."""
    parts = []
    for _line, kind, value in _LEXER.lex(source):
        if kind == "data":
            parts.append(value)
        elif kind in ("variable_begin", "block_begin"):
            parts.append("\x00")
    flat = "".join(parts)
    attrs = [m.group(0) for m in _TEXT_ATTR.finditer(flat) if _WORD.search(m.group(2))]
    words = [w for w in _WORD.findall(_ENTITY.sub(" ", _MARKUP.sub(" ", flat)))
             if w not in _UNIVERSAL]
    return words, attrs


def test_the_scan_finds_unwrapped_text():
    words, attrs = _literal_text('<p class="x">Hello {{ name }}</p><a title="Close">'
                                 '{{ _("Fine") }}</a>{# a comment #}')
    assert words == ["Hello"] and attrs == ['title="Close"']
    assert _literal_text('<p>{{ _("Hello") }} · 3 UTC</p>') == ([], [])


@pytest.mark.parametrize("template", sorted(str(p.relative_to(TEMPLATES))
                                            for p in TEMPLATES.rglob("*.html")))
def test_every_template_string_is_wrapped_for_translation(template):
    words, attrs = _literal_text((TEMPLATES / template).read_text(encoding="utf-8"))
    assert (words, attrs) == ([], []), f"wrap these in _() in {template}"


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"%\([a-z_]+\)[sd]|%[sd]|\{\w*\}", text))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_catalog_translates_every_message(lang, source_messages):
    with open(CATALOGS / lang / "LC_MESSAGES" / "messages.po", "rb") as f:
        catalog = read_po(f, locale=lang)
    translated = {}
    for m in catalog:
        if not m.id:
            continue
        key = m.id[0] if isinstance(m.id, tuple) else m.id
        strings = list(m.string) if isinstance(m.string, tuple | list) else [m.string]
        if m.fuzzy or not all(strings):
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        wanted = set().union(*(_placeholders(i) for i in ids))
        assert all(_placeholders(s) <= wanted for s in strings), (lang, key, strings)
        translated[key] = strings
    missing = sorted(source_messages - translated.keys())
    assert missing == [], f"{lang}: {len(missing)} messages not translated, e.g. {missing[:5]}"


@pytest.mark.parametrize("lang", ["en", *LANGUAGES])
def test_pages_render_in_the_chosen_language_and_direction(client, lang):
    client.set_cookie("lang", lang)
    html = client.get("/auth/login").get_data(as_text=True)
    direction = "rtl" if lang in RTL else "ltr"
    assert f'<html lang="{lang}" dir="{direction}">' in html
    if lang != "en":
        assert ">Log in<" not in html  # the heading and button are translated


def test_the_browser_chooses_the_language_without_an_account(client):
    html = client.get("/", headers={"Accept-Language": "fa-IR,fa;q=0.9,en;q=0.5"}).get_data(
        as_text=True)
    assert '<html lang="fa" dir="rtl">' in html


def test_a_chosen_language_is_remembered_in_a_cookie(client):
    response = client.post("/language", data={"lang": "es", "next": "/"})
    assert response.status_code == 302
    assert "lang=es" in response.headers["Set-Cookie"]
    assert '<html lang="es" dir="ltr">' in client.get("/").get_data(as_text=True)


def test_the_language_chooser_is_on_every_page_for_visitors(client):
    html = client.get("/calls/").get_data(as_text=True)
    for lang in LANGUAGES:
        assert f'<option value="{lang}" lang="{lang}"' in html


def test_countries_are_in_the_readers_alphabetical_order():
    from grants.countries import countries

    spanish = [name for _code, name in countries("es")]
    assert spanish.index("Angola") < spanish.index("Antártida") \
        < spanish.index("Antigua y Barbuda")
    french = [name for _code, name in countries("fr")]
    assert french.index("Égypte") < french.index("Équateur") < french.index("Espagne")


def test_templates_follow_a_forced_locale_within_one_request(app):
    # The templates' _() keeps the request's translations; force_locale (e-mails in the
    # recipient's language, the question bank in English) must still switch them.
    from flask_babel import force_locale

    home = app.jinja_env.from_string("{{ _('Home') }}|{{ ngettext('%(num)d question', "
                                     "'%(num)d questions', 2) }}")
    with app.test_request_context("/", headers={"Accept-Language": "es"}):
        app.preprocess_request()
        spanish = home.render()
        with force_locale("fr"):
            french = home.render()
        assert home.render() == spanish
    assert spanish.startswith("Inicio|") and french.startswith("Accueil|")
    assert spanish != french


@pytest.mark.parametrize("lang", ["en", *LANGUAGES])
def test_the_templates_kept_translations_say_what_flask_babel_says(app, lang):
    # grants.factory._translations keeps the request's catalogue for the templates' _():
    # the same words as Flask-Babel's own lookup, in every language.
    from flask_babel import get_translations

    page = app.jinja_env.from_string("{{ _('Home') }}|{{ _('Calls') }}|{{ _('Log out') }}")
    with app.test_request_context("/", headers={"Accept-Language": lang}):
        app.preprocess_request()
        plain = get_translations()
        assert page.render() == "|".join(plain.ugettext(s) for s in ("Home", "Calls", "Log out"))
        assert page.render() == page.render()


@pytest.mark.parametrize("lang", ["en", *LANGUAGES])
def test_the_kept_countries_are_babels(lang):
    from babel import Locale

    from grants.countries import countries, country_name

    assert countries(lang) == countries.__wrapped__(lang)  # kept: what a new reading gives
    names = Locale.parse(lang).territories
    assert all(country_name(code, lang) == names[code] for code, _name in countries(lang))


def test_the_kept_language_names_are_babels(app):
    # grants.web keeps each language's name in itself for the chooser on every page.
    from babel import Locale

    from grants.web import language_choices

    with app.test_request_context("/"):
        assert language_choices() == [
            (code, Locale.parse(code).get_display_name(code).capitalize())
            for code in app.config["LANGUAGES"]]
