"""The main menu at the top of every page.

Which links a user sees follows from a handful of answers (their role's permissions, whether
they belong to a group, whether an emergency call is open, whether the peer directory is
open to them). The links' HTML for one set of answers, in one language, is the same for
everyone with those answers, so it is built once per worker and reused: a logged-in page
no longer spends a millisecond rebuilding twenty translated, routed links. Nothing about the
user is in the cached HTML beyond the links they may follow; the log-out form, which carries
the session's CSRF token, stays in the template.
"""

from __future__ import annotations

from flask import current_app, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup, escape

from grants.policy import Permission, can

_CACHE_SIZE = 512  # roles x answers x languages: a few dozen in practice

# (permission, or a name the caller works out; endpoint; label), in menu order. A label is
# translated when the menu is built, in the reader's language.
_STAFF_OR_MEMBER = "awards"
_RAPID = "rapid"
_LINKS = (
    (None, "main.home", "Home"),
    (None, "calls.index", "Calls"),
    (None, "applications.index", "Applications"),
    (_RAPID, "applications.rapid_request", "Emergency request"),
    (_STAFF_OR_MEMBER, "awards.index", "Awards"),
    (Permission.USE_REGRANTING, "intermediaries.index", "Regranting"),
    (Permission.VIEW_DIRECTORY, "voice.peer_directory", "Directory"),
    (Permission.VIEW_DONATIONS, "stripe.income", "Donations"),
    (Permission.VIEW_LEDGER, "payments.index", "Payments"),
    (Permission.VIEW_REVIEW_QUEUE, "review.queue", "Review"),
    (Permission.MANAGE_CALLS, "calls.manage", "Manage calls"),
    (None, "organisations.index", "Organisations"),
    (Permission.VIEW_FUNDS, "funds.index", "Funds"),
    (Permission.VIEW_PORTFOLIO, "reporting.index", "Portfolio"),
    (Permission.EXPORT_OPEN_DATA, "exports.index", "Exports"),
    (Permission.MANAGE_USERS, "admin.users", "Users"),
    (Permission.MANAGE_USERS, "admin.audit_log", "Audit"),
    (Permission.VIEW_COUNTRY_CONTEXT, "payments.countries_index", "Countries"),
    (None, "account.overview", "Account"),
)


def _labels() -> dict[str, str]:
    # Written out so that `make messages` extracts each one.
    return {"Home": _("Home"), "Calls": _("Calls"), "Applications": _("Applications"),
            "Emergency request": _("Emergency request"), "Awards": _("Awards"),
            "Regranting": _("Regranting"), "Directory": _("Directory"),
            "Donations": _("Donations"), "Payments": _("Payments"), "Review": _("Review"),
            "Manage calls": _("Manage calls"), "Organisations": _("Organisations"),
            "Funds": _("Funds"), "Portfolio": _("Portfolio"), "Exports": _("Exports"),
            "Users": _("Users"), "Audit": _("Audit"), "Countries": _("Countries"),
            "Account": _("Account"), "Donate": _("Donate"), "Log in": _("Log in"),
            "Register": _("Register")}


def main_menu(lang: str) -> Markup:
    """The menu's `<li>` links for the current user (the log-out form is not included)."""
    from grants.applications import rapid

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
        rapid_id = rapid.menu_call_id() if shown[3] else None
        key = ("in", lang, tuple(shown), rapid_id)
    else:
        rapid_id = rapid.menu_call_id()
        key = ("out", lang, rapid_id, bool(current_app.config.get("STRIPE_SECRET_KEY")))
    cache = current_app.extensions.setdefault("grants.menu", {})
    key = (request.script_root, *key)
    html = cache.get(key)
    if html is None:
        if len(cache) >= _CACHE_SIZE:
            cache.clear()
        html = cache[key] = _build(key[1] == "in", key, rapid_id)
    return html


def _item(href: str, label: str, *, strong: bool = False) -> str:
    text = f"<strong>{escape(label)}</strong>" if strong else escape(label)
    return f'<li><a href="{escape(href)}">{text}</a></li>\n'


def _build(logged_in: bool, key: tuple, rapid_id: int | None) -> Markup:
    labels = _labels()
    items = []
    if logged_in:
        shown = key[3]
        for (rule, endpoint, label), show in zip(_LINKS, shown, strict=True):
            if rule == _RAPID:
                if show and rapid_id:
                    items.append(_item(url_for(endpoint, call_id=rapid_id), labels[label],
                                       strong=True))
            elif show:
                items.append(_item(url_for(endpoint), labels[label]))
    else:
        items.append(_item(url_for("calls.index"), labels["Calls"]))
        if rapid_id:
            items.append(_item(url_for("applications.rapid_request", call_id=rapid_id),
                               labels["Emergency request"], strong=True))
        if key[-1]:
            items.append(_item(url_for("stripe.donate_index"), labels["Donate"]))
        items.append(_item(url_for("auth.login"), labels["Log in"]))
        items.append(_item(url_for("auth.register"), labels["Register"]))
    return Markup("".join(items))  # noqa: S704 (escaped above, piece by piece)  # nosec B704
