"""Downloads: one charset in every answer's type, and exports readable by people.

Every page and download of the url map is asked for (each choice of an `any(...)` part,
as a role that may read it), so a new download is covered without being listed. Each code
column of each export has its labels beside it, in the reader's language.
"""

from __future__ import annotations

import csv
import io
import itertools
import re

import pytest
from flask_babel import force_locale
from openpyxl import load_workbook

from tests.access import ROLES
from tests.matrix import MATRIX, client_as, route_url

ANY = re.compile(r"<any\(([^)]*)\):(\w+)>")


def _choices(app, endpoint: str) -> list[dict]:
    """Every combination of the rule's `any(...)` parts: {} when it has none."""
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    parts = {name: [v.strip() for v in values.split(",")] for values, name in
             ANY.findall(rule.rule)}
    return [dict(zip(parts, combo, strict=True)) for combo in itertools.product(*parts.values())]


def _readable_pages(app):
    for endpoint, (method, args, expected) in sorted(MATRIX.items()):
        role = next((r for r in ROLES if expected[r] == 200), None)
        if method == "GET" and role is not None:
            for choice in _choices(app, endpoint):
                yield endpoint, role, {**args, **choice}


def test_the_downloads_are_among_the_pages(app):
    found = {(e, a.get("kind"), a.get("fmt")) for e, _r, a in _readable_pages(app)}
    assert {("exports.download", "payments", "csv"), ("exports.download", "awards", "xlsx"),
            ("exports.open_data", None, "csv")} <= found


def test_every_answer_names_its_charset_once(app, shared_world):
    clients, failures = {}, []
    for endpoint, role, args in _readable_pages(app):
        if role not in clients:
            from tests.conftest import Auth

            clients[role] = client_as(app, Auth, shared_world, role)
        response = clients[role].get(route_url(app, shared_world, endpoint, args))
        response.close()
        content_type = response.headers.get("Content-Type", "")
        if content_type.lower().count("charset=") > 1:
            failures.append((endpoint, args, content_type))
    assert failures == []


def _officer(app, world, lang: str):
    from tests.conftest import Auth

    client = client_as(app, Auth, world, "officer")
    client.set_cookie("lang", lang)
    return client


def _expected(app, export, lang: str) -> tuple[list[str], list[tuple[int, object]]]:
    """The header in `lang`, and (position, labeller) of each code column's label."""
    from grants.reporting.exports import Coded

    with app.test_request_context(), force_locale(lang):
        header = [str(h) for h in export.header]
    coded, position = [], 0
    for column in export.columns:
        if isinstance(column, Coded):
            coded.append((position + 1, column.label))
            position += 1
        position += 1
    return header, coded


@pytest.mark.parametrize("kind", ["awards", "payments", "applications"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_every_code_has_its_label_beside_it_in_spanish(app, shared_world, kind, fmt):
    from grants.reporting.exports import EXPORTS

    response = _officer(app, shared_world, "es").get(f"/exports/{kind}.{fmt}")
    assert response.status_code == 200
    if fmt == "csv":
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
        rows = list(csv.reader(io.StringIO(response.data.decode())))
    else:
        rows = [["" if v is None else str(v) for v in row] for row in
                load_workbook(io.BytesIO(response.data), read_only=True).active.values]
    header, coded = _expected(app, EXPORTS[kind], "es")
    assert rows[0] == header and len(rows) > 1
    assert "Estado (etiqueta)" in header
    checked = 0
    for row in rows[1:]:
        for position, label in coded:
            code = row[position - 1]
            with app.test_request_context(), force_locale("es"):
                assert row[position] == (label(code) if code else ""), (header[position], code)
            checked += bool(code)
    assert checked >= len(rows) - 1  # every row has a status at least


def test_the_labels_are_the_readers_words(app, shared_world):
    """A group's kind and a payment route read in Spanish, as on the portal's pages."""
    response = _officer(app, shared_world, "es").get("/exports/payments.csv")
    rows = list(csv.DictReader(io.StringIO(response.data.decode())))
    pairs = {(r["Vía"], r["Vía (etiqueta)"]) for r in rows} | {
        (r["Tipo de grupo"], r["Tipo de grupo (etiqueta)"]) for r in rows}
    assert ("bank_transfer", "Transferencia bancaria") in pairs
    assert any(code == "registered_ngo" or code == "unregistered_group" for code, _l in pairs)
    assert all(label and label != code for code, label in pairs)
