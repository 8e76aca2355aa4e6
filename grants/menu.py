"""The main menu at the top of every page.

Which links a user sees follows from a handful of answers (their role's permissions, whether
they belong to a group, whether an emergency call is open, whether the peer directory is
open to them, how many officers' questions wait for their group's answer). The links are
worked out here and written by templates/_menu.html; the log-out form, which carries the
session's CSRF token, stays in the layout.
"""

from __future__ import annotations

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from markupsafe import Markup

from grants.policy import Permission, can

_WAITING_MAX = 9  # "9 questions to answer" at most: the home lists them all

# (permission, or a name the caller works out; endpoint; label), in menu order. A label is
# lazy: translated when the menu is built, in the reader's language.
_STAFF_OR_MEMBER = "awards"
_RAPID = "rapid"
_LINKS = (
    (None, "main.home", _l("Home")),
    (None, "calls.index", _l("Calls")),
    (None, "applications.index", _l("Applications")),
    (_RAPID, "applications.rapid_request", _l("Emergency request")),
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
    (Permission.VIEW_COUNTRY_CONTEXT, "payments.countries_index", _l("Countries")),
    (None, "account.overview", _l("Account")),
)


def main_menu(lang: str) -> Markup:
    """The menu's `<li>` links for the current user (the log-out form is not included)."""
    from grants.applications import queries
    from grants.main.work import keeps_work

    links = []  # (href, label, in bold), written by templates/_menu.html
    user = current_user._get_current_object()  # not the proxy: asked a dozen times below
    if user.is_authenticated:
        # A question an officer asked the group waits for its answer: said on every page.
        waiting = min(queries.waiting_count(user), _WAITING_MAX) if keeps_work(user) else 0
        for rule, endpoint, label in _LINKS:
            if rule == _RAPID:
                # The query runs only for those who file requests.
                rapid_id = (queries.menu_call_id() if can(user, Permission.FILE_RAPID_REQUEST)
                            else None)
                if rapid_id:
                    links.append((url_for(endpoint, call_id=rapid_id), label, True))
            elif _shown(user, rule):
                links.append((url_for(endpoint), label, False))
            if endpoint == "main.home" and waiting:
                links.append((url_for("main.home", _anchor="work"), ngettext(
                    "%(num)d question to answer", "%(num)d questions to answer", waiting),
                    True))
    else:
        links.append((url_for("calls.index"), _l("Calls"), False))
        rapid_id = queries.menu_call_id()
        if rapid_id:
            links.append((url_for("applications.rapid_request", call_id=rapid_id),
                          _l("Emergency request"), True))
        if current_app.config.get("STRIPE_SECRET_KEY"):
            links.append((url_for("stripe.donate_index"), _l("Donate"), False))
        links.append((url_for("auth.login"), _l("Log in"), False))
        links.append((url_for("auth.register"), _l("Register"), False))
    # A lazy label would pass as already-safe HTML: each is made text, then escaped.
    links = [(href, str(label), strong) for href, label, strong in links]
    return Markup(current_app.jinja_env.get_template("_menu.html").render(links=links))  # noqa: S704  # nosec B704


def _shown(user, rule) -> bool:
    if rule is None:
        return True
    if rule == _STAFF_OR_MEMBER:
        return can(user, Permission.LIST_ALL_AWARDS) or bool(user.memberships)
    return can(user, rule)
