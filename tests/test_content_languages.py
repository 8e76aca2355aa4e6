"""The content is in the reader's language too.

What the portal ships as data (the question bank, the default rubric and report questions,
the labels of every status and category, the notice e-mail, the demo calls) comes in all
seven languages; the cases below are derived from the code, so the next one added is
covered. A call's own text shows in the reader's language when the call has it, otherwise
in one it has, marked with `lang`; an officer is told what a call has no text for.
"""

from __future__ import annotations

import enum
import importlib
import pkgutil
import re

import pytest
from flask_babel import force_locale, get_translations, gettext

import grants
from demo import texts as demo_texts
from grants import content
from grants.applications.calls import question_bank
from grants.applications.calls import texts as call_texts
from grants.extensions import db
from grants.models import (
    Call,
    CallQuestion,
    CallStatus,
    CallText,
    DisbursementStatus,
    PaymentRoute,
    RegrantType,
    Role,
    SupportType,
)
from grants.models.labels import Labelled
from tests import factories

LANGUAGES = ("en", "es", "fr", "pt", "ru", "ar", "fa")
TRANSLATED = LANGUAGES[1:]


def _import_everything() -> None:
    """Import every module of the portal, so every shipped text and label table is known."""
    for info in pkgutil.walk_packages(grants.__path__, "grants."):
        importlib.import_module(info.name)


_import_everything()


def _shipped_texts() -> list[str]:
    return sorted(content.SHIPPED)


def _label_tables() -> list[tuple[str, dict]]:
    """Every table of labels: those at module level (NAME_LABELS = {value: lazy label}) and
    every wording table a labelled enum carries (grants.models.labels)."""
    found = {}
    for info in pkgutil.walk_packages(grants.__path__, "grants."):
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if name.endswith("LABELS") and isinstance(value, dict) and value:
                found.setdefault(id(value), (f"{info.name}.{name}", value))
    for labelled in _enums():
        if issubclass(labelled, Labelled):
            for name, table in labelled.label_tables().items():
                found.setdefault(id(table), (f"{labelled.__name__}.{name}", table))
    return sorted(found.values(), key=lambda t: t[0])


def _enums() -> list[type[enum.Enum]]:
    import grants.models as models

    return sorted({v for v in vars(models).values()
                   if isinstance(v, type) and issubclass(v, enum.Enum)
                   and v.__module__.startswith("grants.")}, key=lambda e: e.__name__)


def test_every_labelled_enum_is_found():
    """An enum that carries its labels is in grants.models, so the checks here see it."""
    labelled = {e for e in _enums() if issubclass(e, Labelled)}
    everywhere = set()
    for info in pkgutil.walk_packages(grants.__path__, "grants."):
        everywhere |= {v for v in vars(importlib.import_module(info.name)).values()
                       if isinstance(v, type) and issubclass(v, Labelled) and v is not Labelled}
    assert everywhere <= labelled, sorted(e.__name__ for e in everywhere - labelled)
    assert {PaymentRoute, DisbursementStatus, SupportType, RegrantType} <= labelled


def _translated(app, text: str, lang: str, **params) -> str:
    with app.test_request_context(), force_locale(lang):
        return gettext(text, **params) if params else gettext(text)


def _catalog_has(app, msgid: str, lang: str) -> bool:
    """The compiled catalog of `lang` translates `msgid` (a translation may be spelled as
    the English is: "Conversation" in French)."""
    with app.test_request_context(), force_locale(lang):
        catalog = get_translations()._catalog
    return bool(catalog.get(msgid))


# --- what the portal ships, in every language ------------------------------------------------

def test_the_shipped_texts_are_found():
    texts = set(_shipped_texts())
    assert {"Feasibility", "What do you need now?", "Year %(year)d short report",
            "News in the grants portal"} <= texts


@pytest.mark.parametrize("text", _shipped_texts())
@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_shipped_text_is_translated(app, text, lang):
    assert _catalog_has(app, text, lang), f"{lang}: {text!r}"


@pytest.mark.parametrize("key", sorted(question_bank.BANK))
@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_bank_question_is_translated(app, key, lang):
    entry = question_bank.BANK[key]
    assert _catalog_has(app, entry.english(), lang), f"{key} in {lang}"
    with app.test_request_context():
        assert entry.wording(lang) not in ("", entry.english()), f"{key} in {lang}"


@pytest.mark.parametrize("name,table", _label_tables(), ids=lambda v: v if isinstance(v, str)
                         else "")
@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_label_is_translated(app, name, table, lang):
    untranslated = []
    with app.test_request_context(), force_locale("en"):
        english = {key: str(label) for key, label in table.items()}
    untranslated = [key for key, msgid in english.items() if not _catalog_has(app, msgid, lang)]
    assert untranslated == [], f"{name} in {lang}: {untranslated}"


def _labelled_enums() -> list[type[enum.Enum]]:
    """Enums shown to people: a label table names at least two of their values."""
    keys = [{getattr(k, "value", k) for k in table} for _name, table in _label_tables()]
    return [e for e in _enums() if any(len(k & {m.value for m in e}) >= 2 for k in keys)]


@pytest.mark.parametrize("enum_class", _labelled_enums(), ids=lambda e: e.__name__)
def test_every_value_of_a_labelled_enum_has_a_label(enum_class):
    """An enum that is labelled for people is labelled whole by one table: a status or
    category added later without its label fails here. (A table may label a few values
    only, for a form that offers a few.)"""
    values = {m.value for m in enum_class}
    tables = [(name, {getattr(k, "value", k) for k in table})
              for name, table in _label_tables()]
    labelling = [(name, keys) for name, keys in tables if len(keys & values) >= 2]
    assert any(values <= keys for _name, keys in labelling), (
        f"no table labels all of {enum_class.__name__}: "
        + "; ".join(f"{name} lacks {sorted(values - keys)}" for name, keys in labelling))


_RAW_VALUE = re.compile(r"\{\{\s*[\w.]+\.value\s*\}\}")
_IN_ATTRIBUTE = re.compile(r'=\s*"[^"<>]*$')


@pytest.mark.parametrize("template", sorted(
    str(p.relative_to(grants.ROOT / "templates"))
    for p in (grants.ROOT / "templates").rglob("*.html")))
def test_no_template_shows_a_raw_enum_value(template):
    """A status or category reaches the page through its label ("Under review"), never as
    its stored value ("under_review"); a value inside an attribute (value="open") is fine."""
    source = (grants.ROOT / "templates" / template).read_text(encoding="utf-8")
    raw = [m.group(0) for m in _RAW_VALUE.finditer(source)
           if not _IN_ATTRIBUTE.search(source[max(0, m.start() - 200):m.start()])]
    assert raw == [], f"{template} shows {raw}: use the labels"


def test_the_label_check_finds_the_budget_categories():
    from grants.models import ApplicationStatus, BudgetCategory

    assert {BudgetCategory, ApplicationStatus} <= set(_labelled_enums())
    names = [name for name, _t in _label_tables()]
    assert {"BudgetCategory._labels", "BudgetCategory._rapid_labels",
            "ApplicationStatus._labels", "RapidCategory._short_labels",
            "grants.applications.forms.POPULATION_LABELS"} <= set(names)
    assert {"PaymentRoute._labels", "PaymentRoute._rapid_labels",
            "DisbursementStatus._group_labels", "SupportType._choice_labels"} <= set(names)


# --- the demo calls ------------------------------------------------------------------------------

@pytest.fixture
def demo(app):
    from demo.data import load_demo

    with app.app_context():
        assert load_demo()
        db.session.commit()
    return app


def test_every_demo_call_is_in_every_language(demo):
    with demo.test_request_context():
        import sqlalchemy as sa

        calls_ = db.session.scalars(sa.select(Call).where(Call.intermediary_id.is_(None))).all()
        assert len(calls_) >= len(demo_texts.CALL_TEXTS)
        for call in calls_:
            texts = {t.language: t for t in call.texts}
            for lang in LANGUAGES:
                assert lang in call.languages, (call.id, lang)
                assert texts[lang].title.strip() and texts[lang].description.strip(), lang
                for q in call.questions:
                    wording, shown_in = call_texts.question_wording(q, lang)
                    assert wording and shown_in == lang, (call.id, q.position, lang)
            assert call_texts.missing_texts(call) == [], call.id
            # Written by a translator, not copied: each language's title is its own.
            assert len({t.title for t in call.texts}) == len(LANGUAGES)


@pytest.mark.parametrize("key", sorted(demo_texts.CALL_TEXTS))
def test_the_demo_texts_list_every_language(key):
    assert tuple(demo_texts.CALL_TEXTS[key]) == LANGUAGES


def test_a_demo_call_reads_in_arabic_with_its_questions_in_arabic(demo, client):
    import sqlalchemy as sa

    with demo.app_context():
        core = db.session.scalar(sa.select(CallText.call_id).where(
            CallText.title == demo_texts.CALL_TEXTS["core"]["en"][0]))
    client.set_cookie("lang", "ar")
    html = client.get(f"/calls/{core}").get_data(as_text=True)
    assert demo_texts.CALL_TEXTS["core"]["ar"][0] in html
    assert demo_texts.REWORDED["What is your movement's purpose?"]["ar"] in html
    assert "What is your movement's purpose?" not in html
    with demo.test_request_context(), force_locale("ar"):
        assert str(question_bank.BANK["who_you_work_with"].prompt) not in html  # reworded
        assert demo_texts.REWORDED["Who do you work with?"]["ar"] in html


# --- bank questions in the reader's language ------------------------------------------------

def _bilingual_call(app, **fields) -> int:
    with app.app_context():
        call = factories.call(languages=["en", "es"], questions=0, **fields)
        call.texts.append(CallText(language="es", title="Protección 2027",
                                   description="Lo que financiamos."))
        db.session.commit()
        return call.id


def _spanish(app, key: str) -> str:
    with app.test_request_context(), force_locale("es"):
        return str(question_bank.BANK[key].prompt)


def test_a_bank_question_added_by_an_officer_reads_in_spanish_on_a_spanish_page(
        app, client, auth, world):
    call_id = _bilingual_call(app, status=CallStatus.DRAFT)
    auth.login(world.officer)
    r = client.post(f"/calls/{call_id}/questions",
                    data={"add": "bank", "bank-key": "mission", "bank-word_limit": "150",
                          "bank-required": "y"})
    assert r.status_code == 302
    with app.app_context():
        q = db.session.scalar(db.select(CallQuestion).filter_by(call_id=call_id))
        assert q.prompts == {}  # the bank's wording is not copied into the call
        db.session.get(Call, call_id).status = CallStatus.OPEN
        db.session.commit()
    auth.logout()
    client.set_cookie("lang", "es")
    html = client.get(f"/calls/{call_id}").get_data(as_text=True)
    assert _spanish(app, "mission") in html
    assert "What is your group&#39;s mission?" not in html
    assert "What is your group's mission?" not in html


def test_a_bank_question_stored_with_its_english_reads_in_spanish(app, client):
    """Calls set up before: their bank questions stored the bank's English as a wording."""
    call_id = _bilingual_call(app)
    with app.app_context():
        call = db.session.get(Call, call_id)
        call.questions.append(CallQuestion(
            position=1, bank_key="activities", word_limit=100,
            prompts={"en": question_bank.BANK["activities"].english()}))
        db.session.commit()
    client.set_cookie("lang", "es")
    html = client.get(f"/calls/{call_id}").get_data(as_text=True)
    assert _spanish(app, "activities") in html
    assert "What will you do with this support?" not in html


def test_a_reworded_question_shows_in_the_calls_language_marked_with_it(app, client):
    """Reworded only in English: a French reader sees the officer's English, marked."""
    with app.app_context():
        call = factories.call(languages=["en", "fr"], questions=0)
        call.questions.append(CallQuestion(position=1, bank_key="mission", word_limit=100,
                                           prompts={"en": "What moves your collective?"}))
        db.session.commit()
        call_id = call.id
    client.set_cookie("lang", "fr")
    html = client.get(f"/calls/{call_id}").get_data(as_text=True)
    assert '<span lang="en" dir="ltr">What moves your collective?</span>' in html


def test_a_call_without_the_readers_language_is_marked_with_the_one_shown(app, client):
    call_id = _make_english_call(app)
    client.set_cookie("lang", "ar")
    html = client.get(f"/calls/{call_id}").get_data(as_text=True)
    assert re.search(r'<h1 lang="en" dir="ltr"><bdi[^>]*>Protection 2027</bdi></h1>', html)
    assert '<div class="pre" lang="en" dir="ltr">What we fund.</div>' in html
    # the call list names it in English, marked
    listed = client.get("/calls/").get_data(as_text=True)
    assert re.search(r'<a [^>]*lang="en"[^>]*><bdi>Protection 2027</bdi>', listed)


def _make_english_call(app, **fields) -> int:
    with app.app_context():
        call = factories.call(**fields)
        db.session.commit()
        return call.id


def test_a_call_in_the_readers_language_carries_no_foreign_mark(app, client):
    call_id = _bilingual_call(app)
    client.set_cookie("lang", "es")
    html = client.get(f"/calls/{call_id}").get_data(as_text=True)
    assert "<h1><bdi>Protección 2027</bdi></h1>" in html


# --- the officer is told what is missing ---------------------------------------------------

def test_an_officer_is_told_which_language_lacks_which_text(app, client, auth, world):
    with app.app_context():
        call = factories.call(languages=["en", "ar", "sw"], questions=0,
                              status=CallStatus.DRAFT)
        call.texts.append(CallText(language="ar", title="الحماية", description=""))
        call.questions.append(CallQuestion(position=1, bank_key="mission", word_limit=100))
        call.questions.append(CallQuestion(position=2, bank_key="custom", word_limit=100,
                                           prompts={"en": "Anything else?"}))
        db.session.commit()
        call_id = call.id
    auth.login(world.officer)
    html = client.get(f"/calls/{call_id}").get_data(as_text=True)
    box = html[html.index('id="missing-texts"'):]
    box = box[:box.index("</div>")]
    items = re.findall(r"<li>(.*?)</li>", box, re.S)
    text = [re.sub(r"<[^>]+>", "", i) for i in items]
    assert any(t.startswith("Arabic:") and "No description." in t
               and "No wording for question 2." in t and "No title." not in t for t in text)
    # Swahili: the bank is not translated into it, so question 1 needs wording too.
    assert any(t.startswith("Swahili:") and "No title." in t
               and "No wording for question 1, 2." in t for t in text)
    assert not any(t.startswith("English:") for t in text)
    assert f"/calls/{call_id}/text/ar" in box and f"/calls/{call_id}/questions" in box
    auth.logout()  # applicants are not told: the call is simply shown in a language it has
    with app.app_context():
        db.session.get(Call, call_id).status = CallStatus.OPEN
        db.session.commit()
    assert 'id="missing-texts"' not in client.get(f"/calls/{call_id}").get_data(as_text=True)


# --- defaults copied into data, shown translated -------------------------------------------

def test_the_default_rubric_is_scored_in_the_reviewers_language(app, client, auth, world):
    auth.login(world.reviewer)
    with app.app_context():
        user = db.session.get(type(world.reviewer), world.reviewer.id)
        user.preferred_language = "fr"
        db.session.commit()
    client.set_cookie("lang", "fr")
    html = client.get(f"/review/applications/{world.reviewed.id}/score").get_data(as_text=True)
    assert _translated(app, "Need and urgency", "fr") in html
    assert "Need and urgency" not in html


def test_a_default_report_reads_in_the_groups_language(app, client, auth, world):
    auth.login(world.applicant)
    client.set_cookie("lang", "es")
    html = client.get(f"/awards/{world.award.id}/reports/{world.report.id}"
                      ).get_data(as_text=True)
    assert "What changed this year" not in html
    assert _translated(app, "What changed this year because of your work?", "es") in html
    assert _translated(app, "Year %(year)d short report", "es", year=1) in html


def test_a_rubric_saved_unchanged_in_spanish_keeps_the_default(app, client, auth, world):
    auth.login(world.officer)
    client.set_cookie("lang", "es")
    page = client.get(f"/review/calls/{world.call.id}/rubric").get_data(as_text=True)
    assert _translated(app, "Safety of the plan", "es") in page
    assert "Safety of the plan" not in page
    from grants.review.services import DEFAULT_CRITERIA

    with app.test_request_context(), force_locale("es"):
        shown = "\n".join(gettext(c) for c in DEFAULT_CRITERIA)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    data = {"criteria": shown}
    if token:
        data["csrf_token"] = token.group(1)
    assert client.post(f"/review/calls/{world.call.id}/rubric", data=data).status_code == 302
    with app.app_context():
        assert db.session.get(Call, world.call.id).review_criteria == list(DEFAULT_CRITERIA)


# --- typed text marked with its language ----------------------------------------------------

def test_answers_are_marked_with_the_applications_language(app, client, auth, world):
    """Written in Spanish, read on a French page: the answer box is Spanish, the call's
    question (English only) is marked English."""
    with app.app_context():
        application = db.session.get(type(world.application), world.application.id)
        application.language = "es"
        db.session.commit()
    auth.login(world.applicant)
    client.set_cookie("lang", "fr")
    html = client.get(f"/applications/{world.application.id}/step/2").get_data(as_text=True)
    assert re.search(r'<textarea[^>]*lang="es"', html)
    assert '<span lang="en" dir="ltr">Question 1?</span>' in html
    page = client.get(f"/applications/{world.application.id}").get_data(as_text=True)
    assert '<bdi lang="es" dir="auto">Safe together</bdi>' in page


def test_a_budget_line_refused_for_its_year_is_told_in_spanish(app, client, auth, world):
    """A refusal with a number in it ("Choose a year from 1 to 1.") was English on every
    page: the page translated the message after the number was put in."""
    auth.login(world.applicant)
    client.set_cookie("lang", "es")
    r = client.post(f"/applications/{world.application.id}/step/3", data={
        "rows-0-category": "programme", "rows-0-description": "Radio",
        "rows-0-amount": "700", "rows-0-year": "4"})
    html = r.get_data(as_text=True)
    assert "Choose a year from" not in html
    assert _translated(app, "Choose a year from 1 to %(max)s.", "es", max=1) in html


def test_the_notice_email_is_in_the_persons_language(app):
    from grants import notifications
    from grants.jobs import worker

    with app.app_context():
        app.config["MAIL_BACKEND"] = "memory"
        person = factories.user(Role.APPLICANT)
        person.email, person.preferred_language = "a@example.org", "pt"
        with app.test_request_context():
            assert notifications.notify(person, "message")
            db.session.commit()
            worker.sweep()
        sent = app.extensions["grants.outbox"][-1]
        with app.test_request_context(), force_locale("pt"):
            assert sent["Subject"] == gettext("News in the grants portal")
        assert sent["Content-Language"] == "pt"
        assert "portal de apoios" in sent.get_content()
        db.session.rollback()


def test_intermediary_pages_say_statuses_in_words(app, client, auth, world):
    auth.login(world.intermediary)
    client.set_cookie("lang", "es")
    html = client.get("/regranting/").get_data(as_text=True)
    assert world.own_call.id and "Small grants" in html
    assert "(closed)" not in html and "(open)" not in html
