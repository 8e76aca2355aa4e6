"""Admins see the jobs that failed past their retries, and send them round again or set
them aside. A row shows its kind, times, attempts and the error's class: never content."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from grants.admin.views import PAGE_SIZE, bp
from grants.auth.forms import ConfirmForm
from grants.extensions import db
from grants.jobs import outbox, worker
from grants.models import JobStatus, OutboxItem
from grants.security import audit


@bp.route("/jobs")
def jobs():
    failed = db.paginate(
        sa.select(OutboxItem).where(OutboxItem.status == JobStatus.FAILED)
        .order_by(OutboxItem.finished_at.desc(), OutboxItem.id.desc()),
        per_page=PAGE_SIZE, error_out=False)
    return render_template("admin/jobs.html", page=failed, stats=outbox.stats(),
                           last_beat=worker.last_beat(), confirm=ConfirmForm(),
                           keep=worker.KEEP)


def _failed_job(item_id: int) -> OutboxItem:
    item = db.session.get(OutboxItem, item_id) or abort(404)
    if item.status != JobStatus.FAILED:
        abort(409)
    return item


@bp.route("/jobs/<int:item_id>/retry", methods=["POST"])
def retry_job(item_id: int):
    if ConfirmForm().validate_on_submit():
        item = _failed_job(item_id)
        worker.retry(item)
        audit.record(current_user, "job.retried", item, kind=item.kind)
        db.session.commit()  # the commit hands the row to the queue
        flash(_("The job will be tried again."), "success")
    return redirect(url_for("admin.jobs"))


@bp.route("/jobs/<int:item_id>/discard", methods=["POST"])
def discard_job(item_id: int):
    if ConfirmForm().validate_on_submit():
        item = _failed_job(item_id)
        if item.kind in worker.KEEP:
            abort(409)  # only retried: see worker.KEEP
        worker.discard(item)
        audit.record(current_user, "job.discarded", item, kind=item.kind)
        db.session.commit()
        flash(_("The job was set aside: it will not be tried again."), "success")
    return redirect(url_for("admin.jobs"))
