"""Routes for Stripe: public donations to a fund, the webhook, and a group's onboarding to
receive transfers. With Stripe off the donation pages say so, the rest answers 404."""

from __future__ import annotations

from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from grants.errors import ServiceError
from grants.extensions import csrf, db
from grants.models import Organisation
from grants.payments import connect, donations, gateway, webhooks
from grants.payments.stripe_forms import DonationForm
from grants.policy import Permission, can
from grants.security import headers, ratelimit
from grants.web import public, shown

bp = Blueprint("stripe", __name__)
STRIPE_JS_ORIGIN = "https://js.stripe.com"


# --- donations ----------------------------------------------------------------------

@bp.route("/donate")
@public
def donate_index():
    return render_template("stripe/donate_index.html", funds=donations.donatable_funds(),
                           enabled=gateway.enabled())


def _donation_form(fund) -> DonationForm:
    low, high = donations.limits(fund.currency)
    form = DonationForm(currency=fund.currency, minimum=low, maximum=high)
    form.amount.label.text = _("Amount in %(currency)s", currency=fund.currency)
    return form


@bp.route("/donate/<int:fund_id>")
@public
def donate(fund_id: int):
    fund = donations.donatable_fund(fund_id) or abort(404)
    enabled = gateway.enabled() and bool(current_app.config.get("STRIPE_PUBLISHABLE_KEY"))
    response = current_app.make_response(render_template(
        "stripe/donate.html", fund=fund, form=_donation_form(fund), enabled=enabled,
        stripe_js_url=current_app.config["STRIPE_JS_URL"]))
    if enabled:  # the only page that may load a script from elsewhere
        response.headers["Content-Security-Policy"] = donation_csp()
    return response


def donation_csp() -> str:
    """The site's policy, widened for Stripe.js: its script, frames and API only."""
    cfg = current_app.config
    js = _origin(cfg["STRIPE_JS_URL"])
    scripts = [js, "https://*.js.stripe.com"] if js == STRIPE_JS_ORIGIN else [js]
    api = {_origin(cfg["STRIPE_API_BASE"] or "https://api.stripe.com"), js}
    extra = {  # as Stripe's security guide lists them, for the card element and 3-D Secure
        "script-src": scripts,
        "frame-src": [*scripts, "https://hooks.stripe.com"],
        "connect-src": sorted(api),
    }
    parts = []
    for directive in headers.CSP.split("; "):
        name = directive.split(" ", 1)[0]
        parts.append(" ".join([directive, *extra.pop(name, [])]))
    parts += [" ".join([name, *values]) for name, values in extra.items()]
    return "; ".join(parts)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@bp.route("/donate/<int:fund_id>/intent", methods=["POST"])
@public
def create_intent(fund_id: int):
    """Start a card payment (called by static/donate.js): JSON with the client secret."""
    fund = donations.donatable_fund(fund_id)
    if fund is None or not gateway.enabled():
        abort(404)
    try:
        ratelimit.check("donate-ip", request.remote_addr or "",
                        current_app.config.get("DONATION_LIMIT_PER_IP", "20 per hour"))
    except ratelimit.RateLimited as exc:
        return jsonify(error=str(exc)), 429
    form = _donation_form(fund)
    if not form.validate():
        return jsonify(error=" ".join(str(e) for errs in form.errors.values() for e in errs)), 400
    try:
        donation, secret = donations.start(fund, form.amount_minor)
    except ServiceError as exc:
        db.session.rollback()
        return jsonify(error=exc.message), 502
    db.session.commit()
    return jsonify(client_secret=secret, payment_intent=donation.payment_intent_id)


@bp.route("/donate/<int:fund_id>/thanks")
@public
def donate_thanks(fund_id: int):
    fund = donations.donatable_fund(fund_id) or abort(404)
    return render_template("stripe/donate_thanks.html", fund=fund)


@bp.route("/donations")
def income():
    """The funds' income ledger for staff: totals per fund and the latest entries."""
    if not can(current_user, Permission.VIEW_DONATIONS):
        abort(403)
    return render_template("stripe/income.html", totals=donations.income_by_fund(),
                           entries=donations.recent_income())


# --- the webhook --------------------------------------------------------------------

@bp.route("/stripe/webhook", methods=["POST"])
@public
@csrf.exempt
def webhook():
    """Stripe's deliveries: 400 for a bad signature, 503 (retried) if Stripe is unreachable
    while applying, 200 otherwise, including for events applied before or not used."""
    if not webhooks.enabled():
        abort(404)
    try:
        event = webhooks.verify(request.get_data(), request.headers.get("Stripe-Signature"))
    except webhooks.BadSignature:
        return jsonify(error="invalid signature"), 400
    try:
        applied = webhooks.apply(event)
        db.session.commit()
    except gateway.PaymentFailed:
        db.session.rollback()
        return jsonify(error="try again"), 503
    except sa.exc.IntegrityError:  # the same event, applied meanwhile by another worker
        db.session.rollback()
        applied = False
    return jsonify(received=True, applied=applied)


# --- a group's connected account ----------------------------------------------------

def _org_to_connect(org_id: int) -> Organisation:
    """Load, then authorize: 404 if not seen, 403 if seen but not the group's owner."""
    org = shown(Organisation, org_id, Permission.VIEW_ORGANISATION)
    if not can(current_user, Permission.CONNECT_STRIPE, org):
        abort(403)
    return org


def _enabled_or_404() -> None:
    if not gateway.enabled():
        abort(404)


@bp.route("/organisations/<int:org_id>/stripe")
def account(org_id: int):
    org = _org_to_connect(org_id)
    return render_template("stripe/account.html", org=org, enabled=gateway.enabled())


def _links(org: Organisation) -> dict:
    return {
        "refresh_url": url_for("stripe.onboard_refresh", org_id=org.id, _external=True),
        "return_url": url_for("stripe.onboard_return", org_id=org.id, _external=True),
    }


def _to_stripe(org: Organisation):
    try:
        url = connect.onboarding_link(current_user, org, **_links(org))
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("stripe.account", org_id=org.id))
    db.session.commit()
    return redirect(url, code=303)


@bp.route("/organisations/<int:org_id>/stripe/onboard", methods=["POST"])
def onboard(org_id: int):
    org = _org_to_connect(org_id)
    _enabled_or_404()
    return _to_stripe(org)


@bp.route("/organisations/<int:org_id>/stripe/refresh")
def onboard_refresh(org_id: int):
    """Stripe sends the owner here when a link expired: a fresh link, to an existing
    account only (a GET never opens one)."""
    org = _org_to_connect(org_id)
    _enabled_or_404()
    if not org.stripe_account_id:
        return redirect(url_for("stripe.account", org_id=org.id))
    return _to_stripe(org)


@bp.route("/organisations/<int:org_id>/stripe/return")
def onboard_return(org_id: int):
    org = _org_to_connect(org_id)
    _enabled_or_404()
    try:
        ready = connect.refresh(current_user, org)
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("stripe.account", org_id=org.id))
    db.session.commit()
    flash(_("Stripe can now pay your group.") if ready else
          _("Stripe still needs some details before it can pay your group."), "info")
    return redirect(url_for("stripe.account", org_id=org.id))
