"""Admins manage accounts and read the audit trail."""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from grants import usernames
from grants.admin.forms import NewUserForm, UserEditForm, role_label
from grants.auth import services as accounts
from grants.auth.forms import ConfirmForm
from grants.errors import ServiceError
from grants.extensions import db
from grants.models import AuditEvent, Role, User
from grants.policy import Permission, require
from grants.security import audit
from grants.web import act, attach_error

bp = Blueprint("admin", __name__, url_prefix="/admin")
PAGE_SIZE = 50


@bp.before_request
def _admins_only():
    require(Permission.MANAGE_USERS)


def _role_choices():
    return [(r.value, role_label(r)) for r in Role]


@bp.route("/users")
def users():
    q = sa.select(User).order_by(User.username)
    term = (request.args.get("q") or "").strip()
    if term:  # compared as log-in does: case-folded, in any script
        q = q.where(User.username_key.contains(usernames.key(term), autoescape=True))
    role = request.args.get("role")
    if role in Role._value2member_map_:
        q = q.where(User.role == Role(role))
    page = db.paginate(q, per_page=PAGE_SIZE, error_out=False)
    return render_template("admin/users.html", page=page, q=term, role=role,
                           roles=_role_choices())


@bp.route("/users/new", methods=["GET", "POST"])
def new_user():
    form = NewUserForm()
    form.role.choices = _role_choices()
    if form.validate_on_submit():
        initial = secrets.token_urlsafe(12)
        try:
            user, code = accounts.register(form.username.data, initial,
                                           role=Role(form.role.data), actor=current_user)
        except ServiceError as exc:
            db.session.rollback()
            attach_error(form, exc)
        else:
            db.session.commit()
            # Shown once to the admin to hand over by a safe channel; never stored in clear.
            return render_template("admin/user_created.html", user=user, password=initial,
                                   code=code)
    return render_template("admin/new_user.html", form=form)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def user(user_id: int):
    target = db.session.get(User, user_id) or abort(404)
    form = UserEditForm(obj=target)
    form.role.choices = _role_choices()
    if request.method == "GET":
        form.role.data, form.active.data = target.role.value, target.is_active
    if done := act(form, lambda: accounts.set_role_and_status(
            current_user, target, Role(form.role.data), form.active.data),
            _("Saved."), lambda result: url_for("admin.user", user_id=target.id)):
        return done
    return render_template("admin/user.html", target=target, form=form, confirm=ConfirmForm())


@bp.route("/users/<int:user_id>/reset-2fa", methods=["POST"])
def reset_two_factor(user_id: int):
    target = db.session.get(User, user_id) or abort(404)
    if ConfirmForm().validate_on_submit():
        accounts.reset_second_factor(current_user, target)
        db.session.commit()
        flash(_("Two-step verification was reset; the user sets it up again at next log-in."),
              "success")
    return redirect(url_for("admin.user", user_id=target.id))


@bp.route("/users/<int:user_id>/end-sessions", methods=["POST"])
def end_sessions(user_id: int):
    target = db.session.get(User, user_id) or abort(404)
    if ConfirmForm().validate_on_submit():
        count = accounts.end_sessions(target)
        audit.record(current_user, "user.sessions_ended", target, count=count)
        db.session.commit()
        flash(_("%(count)d sessions ended.", count=count), "success")
    return redirect(url_for("admin.user", user_id=target.id))


@bp.route("/audit")
def audit_log():
    require(Permission.VIEW_AUDIT)
    q = sa.select(AuditEvent).order_by(AuditEvent.id.desc())
    action = (request.args.get("action") or "").strip()
    if action:
        q = q.where(AuditEvent.action.startswith(action, autoescape=True))
    page = db.paginate(q, per_page=PAGE_SIZE, error_out=False)
    broken = audit.verify_chain() if request.args.get("verify") == "1" else None
    return render_template("admin/audit.html", page=page, action=action, broken=broken,
                           verified=request.args.get("verify") == "1")
