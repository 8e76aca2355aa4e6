"""Log-in, second factor, log-out, registration and recovery."""

from __future__ import annotations

from datetime import timedelta

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from grants.auth import services, sessions, webauthn
from grants.auth.forms import LoginForm, RecoverForm, RegisterForm, TwoFactorForm
from grants.auth.redirects import is_safe, safe_next, way_back
from grants.errors import ServiceError
from grants.extensions import db
from grants.models import User
from grants.models.types import utcnow
from grants.security import ratelimit
from grants.web import attach_error, changing_language, keeps_typed, language_choices, public

bp = Blueprint("auth", __name__, url_prefix="/auth")

PENDING_MAX = timedelta(minutes=5)


def _client_ip() -> str:
    return request.remote_addr or "unknown"


def finish_login(user: User, target: str | None):
    services.record_login(user)
    sessions.start(user)
    db.session.commit()
    if user.is_staff and not user.totp_enabled:  # set up first, then on the way back
        return redirect(url_for("account.two_factor",
                                next=target if is_safe(target) else None))
    return redirect(safe_next(target, url_for("main.home")))


@bp.route("/login", methods=["GET", "POST"])
@public
@keeps_typed
def login():
    if current_user.is_authenticated:
        return redirect(way_back() or url_for("main.home"))
    form = LoginForm(next=way_back() or "")
    if not changing_language() and form.validate_on_submit():
        try:
            user = services.authenticate(form.username.data, form.password.data, _client_ip())
        except ratelimit.RateLimited as exc:
            db.session.commit()
            return render_template("auth/login.html", form=form, error=str(exc)), 429
        db.session.commit()  # keeps the audit of a failure and any re-hash
        if user is None:
            error = _("That user name and password do not match an active account.")
            return render_template("auth/login.html", form=form, error=error)
        if user.totp_enabled:
            session.clear()
            session["pending"] = {"uid": user.id, "at": utcnow().timestamp(),
                                  "next": form.next.data or ""}
            return redirect(url_for("auth.second_factor"))
        return finish_login(user, form.next.data)
    return render_template("auth/login.html", form=form, error=None)


def pending_user() -> User | None:
    pending = session.get("pending")
    if not pending or utcnow().timestamp() - pending["at"] > PENDING_MAX.total_seconds():
        return None
    user = db.session.get(User, pending["uid"])
    return user if user is not None and user.is_active else None


@bp.route("/2fa", methods=["GET", "POST"])
@public
def second_factor():
    user = pending_user()
    if user is None:  # too slow with the code: log in again, keeping the way back
        target = (session.pop("pending", None) or {}).get("next")
        flash(_("Please log in again."), "info")
        return redirect(url_for("auth.login", next=target if is_safe(target) else None))
    form = TwoFactorForm()
    error = None
    if form.validate_on_submit():
        try:
            ok = services.check_second_factor(user, form.code.data)
        except ratelimit.RateLimited as exc:
            db.session.commit()
            return render_template("auth/two_factor.html", form=form, error=str(exc),
                                   security_keys=_security_keys_offered()), 429
        if ok:
            return finish_login(user, session.get("pending", {}).get("next"))
        db.session.commit()
        error = _("That code is not right, or it was already used. Wait for the next code.")
    return render_template("auth/two_factor.html", form=form, error=error,
                           security_keys=_security_keys_offered())


def _security_keys_offered() -> bool:
    """Whether the code page offers a security key instead: the pending user has one."""
    user = pending_user()
    return bool(user is not None and webauthn.relying_party() is not None
                and webauthn.has_keys(user))


@bp.route("/logout", methods=["POST"])
@public
def logout():
    sessions.end()
    db.session.commit()
    response = redirect(url_for("main.home"))
    response.headers["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    return response


@bp.route("/register", methods=["GET", "POST"])
@public
@keeps_typed
def register():
    if current_user.is_authenticated:
        return redirect(way_back() or url_for("main.home"))
    form = RegisterForm(next=way_back() or "")
    form.language.choices = language_choices()
    if request.method == "GET":
        form.language.data = g.get("lang", "en")
    if not changing_language() and form.validate_on_submit():
        try:
            ratelimit.check("register-ip", _client_ip(),
                            current_app.config["REGISTER_LIMIT_PER_IP"])
            user, code = services.register(form.username.data, form.password.data,
                                           email=form.email.data, language=form.language.data)
        except ratelimit.RateLimited as exc:
            return render_template("auth/register.html", form=form, error=str(exc)), 429
        except ServiceError as exc:
            attach_error(form, exc)
        else:
            sessions.start(user)
            db.session.commit()
            # Shown once, in this response only (never in a URL, log or e-mail); then on
            # to where the person was going when asked to register (a call's Apply).
            return render_template("auth/recovery_code.html", code=code, first=True,
                                   onwards=safe_next(form.next.data, url_for("main.home")))
    return render_template("auth/register.html", form=form, error=None)


@bp.route("/recover", methods=["GET", "POST"])
@public
@keeps_typed
def recover():
    form = RecoverForm(next=way_back() or "")
    error = None
    if not changing_language() and form.validate_on_submit():
        try:
            user, code = services.recover(form.username.data, form.code.data,
                                          form.password.data, _client_ip())
        except ratelimit.RateLimited as exc:
            return render_template("auth/recover.html", form=form, error=str(exc)), 429
        except ServiceError as exc:
            db.session.rollback()
            error = exc.message
        else:
            db.session.commit()
            onwards = url_for("auth.login", next=form.next.data if is_safe(form.next.data)
                              else None)
            return render_template("auth/recovery_code.html", code=code, first=False,
                                   onwards=onwards)
    return render_template("auth/recover.html", form=form, error=error)
