"""Every name shown is isolated from the text around it (<bdi> or an element with `dir`).

The pages are every GET route of the authorization matrix (so every route of the url map),
opened by every role that may read it, over a world whose names are written right to left.
Each occurrence of a name in the HTML must be the whole text of an isolating element.
Not checked: <title> and <option> (each is laid out on its own) and attribute values.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from grants.extensions import db
from grants.models import Application, CallText, Fund, Organisation, SubGrant, User
from tests.access import ROLES
from tests.conftest import Auth, _bind
from tests.matrix import MATRIX, client_as, route_url

SEPARATE = {"title", "option", "textarea", "script", "style"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


class _Node:
    def __init__(self, tag: str, attrs: dict, parent: _Node | None):
        self.tag, self.attrs, self.parent, self.children = tag, attrs, parent, []

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)


class _Tree(HTMLParser):
    """A plain element tree; the name's text nodes are kept with their parent element."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = self.current = _Node("#root", {}, None)
        self.texts: list[tuple[str, _Node]] = []

    def handle_starttag(self, tag, attrs):
        node = _Node(tag, dict(attrs), self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_endtag(self, tag):
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)
        self.texts.append((data, self.current))


def _isolated(name: str, element: _Node) -> bool:
    node = element
    while node is not None:
        if node.tag in SEPARATE:
            return True
        if node.tag == "bdi" or "dir" in node.attrs:
            return node.text().strip() == name
        node = node.parent
    return False


def unisolated(page: str, names: list[str], *, where: bool = False) -> list:
    """The names that occur somewhere in the page outside an isolating element of their own
    (with `where`, each with the text of the element it is in)."""
    tree = _Tree()
    tree.feed(page)
    tree.close()
    found = {(name, f"<{parent.tag}> {parent.text().strip()[:120]}" if where else "")
             for text, parent in tree.texts for name in names
             if name in text and not _isolated(name, parent)}
    return sorted(found if where else {name for name, _where in found})


def _rename(items, attribute: str, word: str) -> list[str]:
    """Give each a right-to-left name: `word`, then a number between Hebrew letters, so no
    name is part of another."""
    names = []
    for i, item in enumerate(items):
        name = f"{word} ש{i}ם"
        setattr(item, attribute, name)
        names.append(name)
    return names


@pytest.fixture(scope="module")
def rtl_names(app, shared_world, _module_connection) -> list[str]:
    with app.app_context():
        _bind(_module_connection)
        s = db.session
        orgs = s.scalars(sa.select(Organisation).order_by(Organisation.id)).all()
        names = _rename(orgs, "name", "منظمة")
        names += _rename([o for o in orgs if o.legal_name], "legal_name", "جمعية")
        names += _rename(s.scalars(sa.select(Fund).order_by(Fund.id)), "name", "صندوق")
        names += _rename(s.scalars(sa.select(CallText).order_by(CallText.id)), "title", "دعوة")
        apps = s.scalars(sa.select(Application).order_by(Application.id)).all()
        names += _rename(apps, "title", "طلب")
        names += _rename([a for a in apps if a.defender_alias], "defender_alias", "مدافعة")
        names += _rename(s.scalars(sa.select(SubGrant).order_by(SubGrant.id)),
                         "recipient_code", "رمز")
        for i, user in enumerate(s.scalars(sa.select(User).order_by(User.id))):
            user.username = f"zu{i}q-"  # ASCII only, ending in a neutral: still reordered
            names.append(user.username)
        s.commit()
        s.remove()
    return names


PAGES = [(endpoint, role) for endpoint, (method, _args, expected) in MATRIX.items()
         for role in ROLES if method == "GET" and expected[role] == 200 and endpoint != "static"]


def test_the_checker_tells_isolated_names_from_bare_ones():
    names = ["منظمة ש1ם"]
    assert unisolated("<p>Group: منظمة ש1ם, Colombia</p>", names) == names
    assert unisolated("<html dir=rtl><p>منظمة ש1ם</p><p>Colombia</p></html>", names) == names
    assert unisolated("<p>Group: <bdi>منظمة ש1ם</bdi>, Colombia</p>", names) == []
    assert unisolated('<td dir="auto">منظمة ש1ם</td>', names) == []
    assert unisolated('<td dir="auto">منظمة ש1ם (منظمة ש2ם)</td>', names) == names
    assert unisolated("<select><option>منظمة ש1ם</option></select>", names) == []


@pytest.mark.parametrize(("endpoint", "role"), PAGES)
def test_every_name_on_every_page_is_isolated(app, shared_world, rtl_names, endpoint, role):
    _method, args, _expected = MATRIX[endpoint]
    client = client_as(app, Auth, shared_world, role)
    response = client.get(route_url(app, shared_world, endpoint, args))
    assert response.status_code == 200
    if response.mimetype == "text/html":
        assert unisolated(response.get_data(as_text=True), rtl_names, where=True) == []


def test_the_officers_list_of_organisations_shows_each_name_isolated(app, shared_world,
                                                                     rtl_names):
    """The issue's case, and a check that the names above are really on the pages."""
    client = client_as(app, Auth, shared_world, "officer")
    page = client.get("/orgs/").get_data(as_text=True)
    shown = [n for n in rtl_names if n.startswith("منظمة") and n in page]
    assert len(shown) >= 3
    assert all(f"<bdi>{name}</bdi>" in page for name in shown)
