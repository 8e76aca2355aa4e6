"""The home page for each kind of user, the language chooser, quick exit, safety advice."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user

from grants.auth.redirects import can_get, safe_next
from grants.extensions import db
from grants.main import work
from grants.models import Membership, Organisation
from grants.models.organisations import by_name
from grants.models.types import utcnow
from grants.voice import survey
from grants.web import public, remember_language

bp = Blueprint("main", __name__)
HOME_ITEMS = 30  # the newest; the lists of applications and awards hold the rest


@bp.route("/")
@public
def home():
    orgs, items, offers = [], None, []  # None: no work list (visitors, the funder's staff)
    if current_user.is_authenticated:
        offers = survey.open_invitations(current_user)
        orgs = by_name(db.session.scalars(
            sa.select(Organisation).join(Membership)
            .where(Membership.user_id == current_user.id)))
        if work.keeps_work(current_user):
            items = work.work_of(current_user, utcnow(),
                                 current_app.config["ANSWER_WITHIN_DAYS"])
    return render_template("main/home.html", organisations=orgs,
                           items=None if items is None else items[:HOME_ITEMS],
                           more_items=items is not None and len(items) > HOME_ITEMS,
                           several_groups=len(orgs) > 1, survey_offers=offers)


@bp.route("/language", methods=["POST"])
@public
def set_language():
    """Remember the chosen interface language in a cookie (no account needed)."""
    code = request.form.get("lang", "")
    back = safe_next(request.form.get("next"), url_for("main.home"))
    # A page shown in answer to a POST-only action cannot be asked for again: go home.
    response = redirect(back if can_get(back) else url_for("main.home"))
    if code in current_app.config["LANGUAGES"]:
        remember_language(response, code)
    return response


@bp.route("/safety")
@public
def safety():
    """Staying safe while applying: plain advice and where to get expert help."""
    return render_template("main/safety.html")


@bp.route("/exit")
@public
def quick_exit():
    """Leave at once for a neutral site: the session ends on the server, the browser is
    asked to forget this site's pages and cookies. A plain link, so it works without
    JavaScript (static/quick-exit.js also replaces the history entry where it can)."""
    from grants.auth import sessions

    sessions.end()
    db.session.commit()
    response = redirect(current_app.config["QUICK_EXIT_URL"], code=303)
    response.headers["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    return response
