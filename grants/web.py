"""The toolbox every view uses: public routes, refusals shown on forms, the language
chooser. It imports no feature and nothing from the factory (grants.factory), so any view
may import it."""

from __future__ import annotations

import functools

from flask import current_app, g
from flask_babel import gettext as _
from flask_login import current_user

from grants.errors import ServiceError


def public(view):
    """Mark a view as reachable without logging in (everything else requires it)."""
    view._public = True
    return view


def keeps_typed(view):
    """Mark a public form view that, when its form had expired or the language is changed
    in the middle of it, shows the form again with what was posted (never a password),
    unsaved. It must act only through `validate_on_submit()` guarded by
    `changing_language()`: the form's own CSRF check refuses an expired token again."""
    view._retype = True
    return view


def changing_language() -> bool:
    """Is this POST the language chooser of a form (show it again, do not act on it)?"""
    return bool(g.get("changing_language"))


def attach_error(form, exc: ServiceError) -> None:
    """Show a service's refusal next to the field it concerns, or above the form."""
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = [*field.errors, exc.message]
    else:
        form.form_errors.append(exc.message)


def language_choices() -> list[tuple[str, str]]:
    return list(_language_names(tuple(current_app.config["LANGUAGES"])))


@functools.cache
def _language_names(codes: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    # Every page's chooser: each language named in itself, the same for every request.
    from babel import Locale

    return tuple((code, Locale.parse(code).get_display_name(code).capitalize()) for code in codes)


def remember_language(response, code: str) -> None:
    """Keep the chosen interface language in a cookie (no account needed)."""
    response.set_cookie("lang", code, max_age=365 * 86400, httponly=True, samesite="Lax",
                        secure=current_app.config["SESSION_COOKIE_SECURE"])


CHANGE_LANGUAGE = "change_language"


def group_label(org) -> str:
    """A group's name as the current user may see it: staff see a group at high risk by a
    neutral label and a code name until they reveal it (Permission.VIEW_ORGANISATION_NAME),
    in every list, page and picker that names groups."""
    from grants.policy import Permission, can
    from grants.security.reveal import hidden_code

    if org is None:
        return ""
    if can(current_user, Permission.VIEW_ORGANISATION_NAME, org):
        return org.name
    return _("Group at high risk (%(code)s)", code=hidden_code(current_user, org))
