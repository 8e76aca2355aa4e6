"""The main menu at the top of every page.

Which links a user sees follows from a handful of answers (their role's permissions, whether
they belong to a group, whether an emergency call is open, whether the peer directory is
open to them, how many officers' questions wait for their group's answer). The links'
HTML for one set of answers, in one language, is the same for everyone with those answers,
so it is built once per worker and reused: a logged-in page
no longer spends a millisecond rebuilding twenty translated, routed links. Nothing about the
user is in the cached HTML beyond the links they may follow; the log-out form, which carries
the session's CSRF token, stays in the template.
"""

from __future__ import annotations

from flask import current_app, request, url_for
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from markupsafe import Markup, escape

from grants.policy import Permission, can

_CACHE_SIZE = 512  # roles x answers x languages: a few dozen in practice
_WAITING_MAX = 9  # "9 questions to answer" at most: the home lists them all

# (permission, or a name the caller works out; endpoint; label), in menu order. A label is
# lazy: translated when the menu is built, in the reader's language.
_STAFF_OR_MEMBER = "awards"
_RAPID = "rapid"
_LINKS = (
    (None, "main.home", _l("Home")),
    (None, "calls.index", _l("Calls")),
    (None, "applications.index", _l("Applications")),
    (_RAPID, "rapid.new_request", _l("Emergency request")),
    (_STAFF_OR_MEMBER, "awards.index", _l("Awards")),
    (Permission.USE_REGRANTING, "intermediaries.index", _l("Regranting")),
    (Permission.VIEW_DIRECTORY, "voice.peer_directory", _l("Directory")),
    (Permission.VIEW_DONATIONS, "stripe.income", _l("Donations")),
    (Permission.VIEW_LEDGER, "payments.index", _l("Payments")),
    (Permission.VIEW_REVIEW_QUEUE, "review.queue", _l("Review")),
    (Permission.MANAGE_CALLS, "calls.manage", _l("Manage calls")),
    (None, "organisations.index", _l("Organisations")),
    (Permission.VIEW_FUNDS, "funds.index", _l("Funds")),
    (Permission.VIEW_PORTFOLIO, "reporting.index", _l("Portfolio")),
    (Permission.EXPORT_OPEN_DATA, "exports.index", _l("Exports")),
    (Permission.MANAGE_USERS, "admin.users", _l("Users")),
    (Permission.MANAGE_USERS, "admin.audit_log", _l("Audit")),
    (Permission.MANAGE_USERS, "admin.jobs", _l("Jobs")),
    (Permission.VIEW_COUNTRY_CONTEXT, "payments.countries_index", _l("Countries")),
    (None, "account.overview", _l("Account")),
)


def main_menu(lang: str) -> Markup:
    """The menu's `<li>` links for the current user (the log-out form is not included)."""
    from grants.applications import queries
    from grants.main.work import keeps_work

    user = current_user._get_current_object()  # not the proxy: asked a dozen times below
    if user.is_authenticated:
        shown = []
        for rule, _endpoint, _label in _LINKS:
            if rule is None:
                shown.append(True)
            elif rule == _RAPID:
                # Checked last among equals: the query runs only for those who file requests.
                shown.append(can(user, Permission.FILE_RAPID_REQUEST))
            elif rule == _STAFF_OR_MEMBER:
                shown.append(can(user, Permission.LIST_ALL_AWARDS) or bool(user.memberships))
            else:
                shown.append(can(user, rule))
        rapid_id = queries.menu_call_id() if shown[3] else None
        # A question an officer asked the group waits for its answer: said on every page.
        waiting = queries.waiting_count(user) if keeps_work(user) else 0
        key = ("in", lang, tuple(shown), rapid_id, min(waiting, _WAITING_MAX))
    else:
        rapid_id = queries.menu_call_id()
        key = ("out", lang, rapid_id, bool(current_app.config.get("STRIPE_SECRET_KEY")))
    cache = current_app.extensions.setdefault("grants.menu", {})
    key = (request.script_root, *key)
    html = cache.get(key)
    if html is None:
        if len(cache) >= _CACHE_SIZE:
            cache.clear()
        html = cache[key] = _build(key[1] == "in", key, rapid_id)
    return html


def _item(href: str, label, *, strong: bool = False) -> str:
    text = escape(str(label))  # a lazy label would pass as already-safe HTML
    text = f"<strong>{text}</strong>" if strong else text
    return f'<li><a href="{escape(href)}">{text}</a></li>\n'


def _build(logged_in: bool, key: tuple, rapid_id: int | None) -> Markup:
    items = []
    if logged_in:
        shown = key[3]
        for (rule, endpoint, label), show in zip(_LINKS, shown, strict=True):
            if rule == _RAPID:
                if show and rapid_id:
                    items.append(_item(url_for(endpoint, call_id=rapid_id), label, strong=True))
            elif show:
                items.append(_item(url_for(endpoint), label))
            if endpoint == "main.home" and key[5]:
                items.append(_item(url_for("main.home", _anchor="work"), ngettext(
                    "%(num)d question to answer", "%(num)d questions to answer", key[5]),
                    strong=True))
    else:
        items.append(_item(url_for("calls.index"), _l("Calls")))
        if rapid_id:
            items.append(_item(url_for("rapid.new_request", call_id=rapid_id),
                               _l("Emergency request"), strong=True))
        if key[-1]:
            items.append(_item(url_for("stripe.donate_index"), _l("Donate")))
        items.append(_item(url_for("auth.login"), _l("Log in")))
        items.append(_item(url_for("auth.register"), _l("Register")))
    return Markup("".join(items))  # noqa: S704 (escaped above, piece by piece)  # nosec B704
