"""Security keys: add, list and remove them on the account; use one at log-in.

The browser part (navigator.credentials) is static/webauthn.js: it reads the options from
the form's data-options attribute, asks the key, puts the answer in the form's hidden
`credential` field and sends the form. Without JavaScript or WebAuthn the page says so and
the authenticator app's code keeps working.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField
from wtforms.validators import DataRequired, Length

from grants.auth import webauthn
from grants.auth.views import finish_login, pending_user
from grants.errors import N_, ServiceError
from grants.extensions import db
from grants.models import User, WebAuthnCredential
from grants.models.types import utcnow
from grants.policy import Permission, require
from grants.security.ratelimit import RateLimited
from grants.validators import NameField
from grants.web import attach_error, public

bp = Blueprint("security_keys", __name__)

NO_ANSWER = N_("Your browser did not send an answer from a security key. Security keys need "
               "JavaScript and a browser that supports them; your authenticator app's code "
               "works everywhere.")


class AddKeyForm(FlaskForm):
    name = NameField(_l("A name for the key"), validators=[DataRequired(), Length(max=64)],
                     description=_l("So you can tell your keys apart, e.g. “blue key”."))
    # A key is a way in: someone at an unlocked, logged-in browser must not add their own.
    password = PasswordField(_l("Your password"), validators=[DataRequired()],
                             render_kw={"autocomplete": "current-password"})
    credential = HiddenField()


class KeyLoginForm(FlaskForm):
    credential = HiddenField()


class RemoveKeyForm(FlaskForm):
    password = PasswordField(_l("Your password"), validators=[DataRequired()],
                             render_kw={"autocomplete": "current-password"})


# --- the challenge: in the signed session, for one user and purpose, used once -----------

def _issue(purpose: str, user: User, challenge: bytes) -> None:
    session["webauthn"] = {"p": purpose, "uid": user.id, "at": utcnow().timestamp(),
                           "c": webauthn.encode(challenge)}


def _take(purpose: str, user: User) -> bytes | None:
    """The challenge issued for this, removed from the session; None if absent, stale,
    for another user or purpose, or already used."""
    held = session.pop("webauthn", None)
    if (not isinstance(held, dict) or held.get("p") != purpose or held.get("uid") != user.id
            or utcnow().timestamp() - held.get("at", 0) > webauthn.CHALLENGE_SECONDS):
        return None
    challenge = webauthn.decode(held["c"])
    return challenge if webauthn.consume_challenge(challenge) else None


# --- the account's keys -----------------------------------------------------------------

def _keys_page(form: AddKeyForm, status: int = 200):
    user = current_user._get_current_object()
    form.credential.data = ""  # a refused answer is never sent again: the key is asked anew
    rp, options = webauthn.relying_party(), None
    if rp is not None and user.totp_enabled:
        options, challenge = webauthn.registration_options(user, rp)
        _issue("register", user, challenge)
    return render_template("account/security_keys.html", form=form, options=options,
                           keys=webauthn.keys_of(user), remove_form=RemoveKeyForm(),
                           configured=rp is not None), status


@bp.route("/account/security-keys", methods=["GET", "POST"])
def index():
    """List the account's keys and add one (the browser's answer comes in `credential`)."""
    require(Permission.MANAGE_SECURITY_KEYS)
    user = current_user._get_current_object()
    form = AddKeyForm()
    if not form.validate_on_submit():
        return _keys_page(form)
    rp = webauthn.relying_party()
    challenge = _take("register", user)
    try:
        if rp is None or not form.credential.data:
            raise ServiceError(NO_ANSWER)
        if challenge is None:
            raise ServiceError("That request had expired or was already used. "
                               "Please try again.")
        webauthn.register_key(user, form.name.data, form.credential.data, challenge, rp,
                              password=form.password.data)
    except ServiceError as exc:
        db.session.rollback()
        attach_error(form, exc)
        return _keys_page(form)
    db.session.commit()
    flash(_("The security key is added. You can use it at log-in instead of the code."),
          "success")
    return redirect(url_for("security_keys.index"))


@bp.route("/account/security-keys/<int:key_id>/remove", methods=["POST"])
def remove(key_id: int):
    require(Permission.MANAGE_SECURITY_KEYS)
    key = db.session.get(WebAuthnCredential, key_id)
    if key is None or key.user_id != current_user.id:
        abort(404)
    form = RemoveKeyForm()
    try:
        webauthn.remove_key(current_user._get_current_object(), key,
                            form.password.data if form.validate_on_submit() else None)
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("security_keys.index"))
    db.session.commit()
    flash(_("The security key is removed."), "success")
    return redirect(url_for("security_keys.index"))


# --- log-in with a key instead of the code ------------------------------------------------

@bp.route("/auth/2fa/key", methods=["GET", "POST"])
@public
def login():
    user = pending_user()
    if user is None:
        session.pop("pending", None)
        flash(_("Please log in again."), "info")
        return redirect(url_for("auth.login"))
    rp = webauthn.relying_party()
    if rp is None or not user.totp_enabled or not webauthn.has_keys(user):
        return redirect(url_for("auth.second_factor"))
    form, error, status = KeyLoginForm(), None, 200
    if form.validate_on_submit():
        challenge = _take("login", user)
        try:
            ok = form.credential.data and webauthn.check_key_login(
                user, form.credential.data, challenge, rp)
        except RateLimited as exc:
            ok, error, status = False, str(exc), 429
        if ok:
            return finish_login(user, session.get("pending", {}).get("next"))
        db.session.commit()  # keeps the audit of a failure
        error = error or (_("The security key was not accepted. Try again, or use the code "
                            "from your authenticator app.") if form.credential.data
                          else _(NO_ANSWER))
    options, challenge = webauthn.authentication_options(user, rp)
    _issue("login", user, challenge)
    form.credential.data = ""
    return render_template("account/security_keys_login.html", form=form, options=options,
                           error=error), status
