"""Exports for officers (CSV, XLSX) and 360Giving open data (`/exports`), and the
officer's choice of how an award appears in open data.

Every download is audited (who, which export, how many rows) before its first byte is
sent; CSV and JSON stream from a generator, XLSX from a temporary file.
"""

from __future__ import annotations

import tempfile
from datetime import date

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Optional, ValidationError

from grants.errors import ServiceError
from grants.extensions import db
from grants.models import Award, Fund
from grants.models.reporting import Publication
from grants.policy import Permission, can, require
from grants.reporting import exports, opendata
from grants.reporting.export_cli import export_group
from grants.web import shown

# cli_group=None: `flask --app grants export 360giving` sits beside the other commands.
bp = Blueprint("exports", __name__, url_prefix="/exports", cli_group=None)
bp.cli.add_command(export_group)

MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",  # given whole: Werkzeug adds none to a content_type
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class FilterForm(FlaskForm):
    """Which rows an export holds; read from the query string, so no CSRF token."""

    class Meta:
        csrf = False

    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("To"), validators=[Optional()],
                    description=_l("Both dates are included; leave empty for all."))
    fund = SelectField(_l("Fund"), choices=[], validators=[Optional()], validate_choice=True)

    def validate_end(self, field):
        if field.data and self.start.data and field.data < self.start.data:
            raise ValidationError(_("The end of the period comes before its start."))

    def filters(self) -> exports.Filters:
        return exports.Filters(start=self.start.data, end=self.end.data,
                               fund_id=int(self.fund.data) if self.fund.data else None)


class PublicationForm(FlaskForm):
    publication = RadioField(_l("In the published open data"), validators=[InputRequired()],
                             choices=[SelectChoice(value, label)
                                      for value, label in Publication.choices()])


def _filter_form() -> FilterForm:
    form = FilterForm(request.args)
    funds = db.session.execute(sa.select(Fund.id, Fund.name).order_by(Fund.name)).all()
    form.fund.choices = [SelectChoice("", _("All funds"))] + [
        SelectChoice(str(f.id), f.name) for f in funds]
    return form


def _valid_filters() -> exports.Filters:
    """The filters asked for; invalid ones send the officer back to the form's message."""
    form = _filter_form()
    if not form.validate():
        abort(redirect(url_for("exports.index", **request.args)))
    return form.filters()


def _filename(name: str, fmt: str) -> str:
    return f"{name}-{date.today().isoformat()}.{fmt}"


def _attachment(chunks, fmt: str, name: str) -> Response:
    response = Response(stream_with_context(chunks), content_type=MEDIA_TYPES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{_filename(name, fmt)}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/")
def index():
    if not (can(current_user, Permission.EXPORT_DATA)
            or can(current_user, Permission.EXPORT_OPEN_DATA)):
        abort(403)
    form = _filter_form()
    valid = form.validate() if request.args else True
    args = {k: v for k, v in request.args.items() if k in ("start", "end", "fund") and v} \
        if valid else {}
    return render_template("reporting/exports.html", form=form, args=args, valid=valid,
                           kinds=exports.KINDS, formats=exports.FORMATS,
                           officer=can(current_user, Permission.EXPORT_DATA),
                           open_data=can(current_user, Permission.EXPORT_OPEN_DATA))


@bp.route("/<any(awards, payments, applications):kind>.<any(csv, xlsx):fmt>")
def download(kind: str, fmt: str):
    require(Permission.EXPORT_DATA)
    filters = _valid_filters()
    export, viewer_id = exports.EXPORTS[kind], current_user.id
    rows_total = exports.count(export.query(viewer_id, filters))
    exports.record_download(current_user, kind, fmt, rows_total, filters)
    db.session.commit()
    rows = exports.rows_of(export, viewer_id, filters)
    if fmt == "csv":
        return _attachment(exports.csv_chunks(export.header, rows), fmt, kind)
    out = tempfile.TemporaryFile()  # noqa: SIM115 (closed once sent, see _file_chunks)
    try:
        exports.write_xlsx(out, kind, export.header, rows)
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return _attachment(_file_chunks(out), fmt, kind)


def _file_chunks(fh, size: int = 64 * 1024):
    """The file in chunks, closed at the end (or when the client goes away)."""
    try:
        while chunk := fh.read(size):
            yield chunk
    finally:
        fh.close()


@bp.route("/360giving.<any(json, csv):fmt>")
def open_data(fmt: str):
    require(Permission.EXPORT_OPEN_DATA)
    filters = _valid_filters()
    opendata.record_export(current_user, fmt, opendata.count(filters), filters, via="web")
    db.session.commit()
    items = opendata.grants(filters)
    if fmt == "json":
        return _attachment(opendata.package_chunks(items), fmt, "360giving")
    rows = (opendata.flat_row(item) for item in items)
    return _attachment(exports.csv_chunks(opendata.flat_header(), rows), fmt, "360giving")


@bp.route("/awards/<int:award_id>/publication", methods=["POST"])
def set_publication(award_id: int):
    award = shown(Award, award_id, Permission.VIEW_AWARD)
    require(Permission.SET_PUBLICATION, award)
    form = PublicationForm()
    if not form.validate_on_submit():
        flash(_("Choose how this award appears in open data."), "error")
    else:
        try:
            opendata.set_publication(current_user, award, Publication(form.publication.data))
        except ServiceError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_("Saved: %(choice)s.", choice=Publication(form.publication.data).label),
                  "success")
    return redirect(url_for("awards.show", award_id=award_id) + "#open-data")
