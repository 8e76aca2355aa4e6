"""A service's refusal is read in the reader's language: ServiceError keeps an English msgid
and its params, and translates only when shown; outside a request it stays English."""

from __future__ import annotations

import ast
import re

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from flask import Flask
from flask_babel import Babel, lazy_gettext

from grants import ROOT
from grants.errors import N_, ServiceError

# Classes whose first argument is shown to the user as a ServiceError message.
_RAISERS = {"ServiceError"}
# Owned by another change in this session; remove once their messages take params.
_NOT_YET: set[str] = set()
_PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


@pytest.fixture
def french_app(tmp_path):
    """A bare app whose only catalog is a French one holding a single message."""
    catalog = Catalog(locale="fr")
    catalog.add("Use at most %(max)s characters.", "Utilisez au plus %(max)s caractères.")
    catalog.add("This payment is %(status)s: it cannot be approved now.",
                "Ce paiement est %(status)s : il ne peut pas être approuvé maintenant.")
    catalog.add("sent", "envoyé")
    (tmp_path / "fr" / "LC_MESSAGES").mkdir(parents=True)
    with open(tmp_path / "fr" / "LC_MESSAGES" / "messages.mo", "wb") as f:
        write_mo(f, catalog)
    app = Flask(__name__)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(tmp_path)
    Babel(app, locale_selector=lambda: "fr")
    return app


def test_outside_a_request_the_message_is_english_with_params_filled():
    exc = ServiceError("Use at most %(max)s characters.", "note", max=500)
    assert exc.message == "Use at most 500 characters."
    assert str(exc) == "Use at most 500 characters."
    assert (exc.msgid, exc.field, exc.params) == ("Use at most %(max)s characters.", "note",
                                                  {"max": 500})


def test_callers_keep_working_with_field_positional_or_keyword():
    assert ServiceError("Choose a fund.", field="fund_id").field == "fund_id"
    assert ServiceError("Choose a fund.", "fund_id").field == "fund_id"
    plain = ServiceError("Done 100%.")  # no params: the text is not %-formatted
    assert (plain.message, plain.field, plain.params) == ("Done 100%.", None, {})


def test_in_a_request_the_message_is_translated_with_params_filled(french_app):
    exc = ServiceError("Use at most %(max)s characters.", "note", max=500)
    with french_app.test_request_context("/"):
        assert exc.message == "Utilisez au plus 500 caractères."
        assert str(exc) == "Utilisez au plus 500 caractères."
    assert exc.message == "Use at most 500 characters."  # the same error, in a log


def test_a_message_without_translation_or_already_translated_is_shown_as_is(french_app):
    with french_app.test_request_context("/"):
        assert ServiceError("Not in the catalog: %(n)s.", n=3).message == "Not in the catalog: 3."
        done = ServiceError("Utilisez au plus 500 caractères.")  # e.g. _problem_text's output
        assert done.message == "Utilisez au plus 500 caractères."


def test_a_lazy_param_is_read_in_the_same_language_as_its_sentence(french_app):
    exc = ServiceError("This payment is %(status)s: it cannot be approved now.",
                       status=lazy_gettext("sent"))
    with french_app.test_request_context("/"):
        assert exc.message == "Ce paiement est envoyé : il ne peut pas être approuvé maintenant."
    assert exc.message == "This payment is sent: it cannot be approved now."


def test_n_marks_without_changing():
    assert N_("Say what happened.") == "Say what happened."


def _raiser_calls():
    for path in sorted((ROOT / "grants").rglob("*.py")):
        relative = str(path.relative_to(ROOT))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call)
                    and getattr(node.func, "id", getattr(node.func, "attr", None)) in _RAISERS
                    and node.args):
                yield relative, node


def _formatted_in_python(arg: ast.expr) -> bool:
    """Text built before it reaches the catalog: an f-string with values, .format(),
    %-formatting, or text joined to something that is not a literal."""
    if isinstance(arg, ast.JoinedStr):
        return any(isinstance(v, ast.FormattedValue) for v in arg.values)
    if isinstance(arg, ast.Call) and getattr(arg.func, "attr", None) == "format":
        return True
    if isinstance(arg, ast.BinOp):
        if isinstance(arg.op, ast.Mod):
            return True
        parts = (arg.left, arg.right)
        return isinstance(arg.op, ast.Add) and not all(
            isinstance(p, ast.Constant) and isinstance(p.value, str) for p in parts)
    return False


def test_the_scan_recognises_built_text():
    built = ['f"at most {n}"', '"at most {}".format(n)', '"at most %d" % n', '"at most " + n']
    kept = ['"Use at most %(max)s characters."', 'f"plain"', "reason", '_("Choose.")']
    assert all(_formatted_in_python(ast.parse(s, mode="eval").body) for s in built)
    assert not any(_formatted_in_python(ast.parse(s, mode="eval").body) for s in kept)


def test_no_service_error_message_is_built_in_python():
    """An f-string or .format() would make each value a different msgid, never translated."""
    built = [f"{path}:{node.lineno}" for path, node in _raiser_calls()
             if path not in _NOT_YET and _formatted_in_python(node.args[0])]
    assert built == []


def test_every_placeholder_has_its_param_and_every_param_its_placeholder():
    wrong = []
    for path, node in _raiser_calls():
        arg = node.args[0]
        if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
            continue
        params = {k.arg for k in node.keywords if k.arg not in (None, "field")}
        if any(k.arg is None for k in node.keywords):  # **params: checked where built
            continue
        if set(_PLACEHOLDER.findall(arg.value)) != params:
            wrong.append(f"{path}:{node.lineno}")
    assert wrong == []
