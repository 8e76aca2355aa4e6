"""A signed-in user's own account: overview, password, two-step verification, sessions."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from grants.auth import services, sessions, totp
from grants.auth.erasure import delete_own_account
from grants.auth.forms import (
    ChangePasswordForm,
    ConfirmForm,
    DeleteAccountForm,
    DisableTwoFactorForm,
    TwoFactorForm,
)
from grants.auth.redirects import next_arg
from grants.errors import ServiceError
from grants.extensions import db
from grants.models import UserSession
from grants.models.types import utcnow
from grants.policy import Permission, require
from grants.security.ratelimit import RateLimited
from grants.web import act, attach_error

bp = Blueprint("account", __name__, url_prefix="/account")


@bp.route("/")
def overview():
    live = db.session.scalar(
        sa.select(sa.func.count()).select_from(UserSession).where(
            UserSession.user_id == current_user.id, UserSession.ended_at.is_(None),
            UserSession.expires_at > utcnow()))
    return render_template("account/overview.html", live_sessions=live, form=ConfirmForm())


@bp.route("/password", methods=["GET", "POST"])
def password():
    form = ChangePasswordForm()
    if done := act(form, lambda: services.change_password(
            current_user, form.current_password.data, form.password.data,
            sessions.current_session_id()),
            _("Your password is changed. Your other sessions have ended."),
            lambda result: url_for("account.overview")):
        return done
    return render_template("account/password.html", form=form)


@bp.route("/2fa", methods=["GET", "POST"])
def two_factor():
    """Set up two-step verification (required for staff), or see that it is on."""
    user = current_user
    if user.totp_enabled:
        return render_template("account/two_factor_on.html", form=DisableTwoFactorForm())
    secret = services.begin_totp_enrolment(user)
    db.session.commit()
    form = TwoFactorForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.confirm_totp(user, form.code.data)
        except (ServiceError, RateLimited) as exc:
            db.session.rollback()
            attach_error(form, exc if isinstance(exc, ServiceError) else ServiceError(str(exc)))
            status = 429 if isinstance(exc, RateLimited) else 200
        else:
            db.session.commit()
            flash(_("Two-step verification is on."), "success")
            return redirect(next_arg() or url_for("account.overview"))
    uri = totp.provisioning_uri(secret, user.username)
    return render_template("account/two_factor_setup.html", form=form, secret=secret,
                           qr=totp.qr_svg(uri), next=next_arg()), status


@bp.route("/2fa/disable", methods=["POST"])
def disable_two_factor():
    form = DisableTwoFactorForm()
    if not form.validate_on_submit():
        flash(_("Enter your password to turn two-step verification off."), "error")
        return redirect(url_for("account.two_factor"))
    try:
        services.disable_totp(current_user, current_user, form.password.data)
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("account.two_factor"))
    db.session.commit()
    flash(_("Two-step verification is off."), "success")
    return redirect(url_for("account.overview"))


@bp.route("/sessions/end-others", methods=["POST"])
def end_other_sessions():
    if ConfirmForm().validate_on_submit():
        count = services.end_sessions(current_user, except_id=sessions.current_session_id())
        db.session.commit()
        flash(_("%(count)d other sessions ended.", count=count), "success")
    return redirect(url_for("account.overview"))


@bp.route("/delete", methods=["GET", "POST"])
def delete():
    """An applicant deletes their account and unsent drafts (staff are closed by admins)."""
    require(Permission.DELETE_OWN_ACCOUNT)
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            delete_own_account(current_user._get_current_object(), form.password.data)
        except ServiceError as exc:
            db.session.rollback()
            attach_error(form, exc)
        else:
            sessions.end()
            db.session.commit()
            flash(_("Your account is deleted."), "success")
            response = redirect(url_for("main.home"))
            response.headers["Clear-Site-Data"] = '"cache", "storage"'
            return response
    return render_template("account/delete.html", form=form)
