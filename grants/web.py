"""The toolbox every view uses: public routes, refusals shown on forms, what was typed
given back (`rescued`), the submit -> refuse or commit -> redirect step (`act`), the language
chooser. It imports no feature and nothing from the factory (grants.factory), so any view
may import it."""

from __future__ import annotations

import functools

from flask import abort, current_app, flash, g, redirect, request
from flask_babel import gettext as _
from flask_login import current_user

from grants.errors import ServiceError
from grants.extensions import db
from grants.rescue import rescued_formdata


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


def shown(model, object_id: int, permission):
    """The object this user may see, or 404: a page never tells a stranger that something
    exists (a route that can show but not act on it then asks `require`, a 403)."""
    from grants.policy import can

    found = db.session.get(model, object_id)
    if found is None or not can(current_user, permission, found):
        abort(404)
    return found


def attach_error(form, exc: ServiceError) -> None:
    """Show a service's refusal next to the field it concerns, or above the form."""
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = [*field.errors, exc.message]
    else:
        form.form_errors.append(exc.message)


def rescued() -> dict:
    """Form arguments that put back what was typed before a session or token lapsed (or the
    language was changed), on the form's page (GET) only: `SomeForm(**rescued())`, or
    `SomeForm(**(rescued() or defaults))` when the form otherwise starts from defaults."""
    data = rescued_formdata() if request.method == "GET" else None
    return {"formdata": data} if data else {}


def act(form, action, done, to, *, attach=attach_error):
    """The step a form view takes when it is sent: submit -> refuse or commit -> redirect.

    If `form` is not sent, or not valid, nothing is done and None is returned. Otherwise
    `action()` (the service call) runs. If it raises a ServiceError, the session is rolled
    back, the refusal is put on the form (`attach`, attach_error by default) and None is
    returned. Else the session is committed, `done` is flashed and a redirect to `to` is
    returned. So a view reads:

        if done := act(form, lambda: services.save(current_user, thing, form.name.data),
                       _("Saved."), lambda result: url_for(".show", thing_id=thing.id)):
            return done
        return render_template("thing.html", form=form)  # first view, or its problems

    `done` is the success message (category "success"), a (message, category) pair, or None
    for no message; `to` is the URL to go to. Either may instead be a callable taking what
    `action` returned, called after the commit, as a view that committed would: use one
    whenever the text or URL reads a record (what was just saved, or an id), a plain value
    only for what reads nothing. `to` may also give a response, returned as is. A public
    view guarded by `changing_language()` keeps its guard around the call."""
    if not form.validate_on_submit():
        return None
    try:
        result = action()
    except ServiceError as exc:
        db.session.rollback()
        attach(form, exc)
        return None
    db.session.commit()
    message = done(result) if callable(done) else done
    if message:
        flash(*((message, "success") if isinstance(message, str) else message))
    target = to(result) if callable(to) else to
    return redirect(target) if isinstance(target, str) else target


def attach_each(form, exc: ServiceError) -> None:
    """attach_error for a refusal that may carry several problems at once (`exc.errors`,
    as the calls' services raise): each is shown next to its own field."""
    for error in getattr(exc, "errors", [exc]):
        attach_error(form, error)


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
