"""The map stays true: README's Layout names every package and module at the top of the
portal package, and comments say what they mean rather than point at an issue number."""

from __future__ import annotations

import re

import pytest

from grants.config import ROOT

README = (ROOT / "README.md").read_text()
LAYOUT = README.split("## Layout", 1)[1].split("```")[1]
TOP = sorted(p.name for p in (ROOT / "grants").iterdir()
             if (p.is_dir() and not p.name.startswith((".", "__")))
             or (p.suffix == ".py"))
SOURCES = sorted(p for folder in ("grants", "tests", "demo", "bench", "tools")
                 for p in (ROOT / folder).rglob("*.py"))
ISSUE_NUMBER = re.compile(r"\(issues? #?\d+|\bissue #?\d+\b", re.IGNORECASE)


@pytest.mark.parametrize("name", TOP)
def test_the_layout_names_every_part_of_the_package(name):
    shown = f"{name}/" if (ROOT / "grants" / name).is_dir() else name
    assert re.search(rf"^\s+{re.escape(shown)}\s", LAYOUT, re.MULTILINE), (
        f"README.md's Layout does not say what grants/{shown} is")


def test_the_issue_number_check_finds_one():
    assert ISSUE_NUMBER.search("# the clock (iss" + "ue 7): one officer")
    assert not ISSUE_NUMBER.search("an issued key")


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_comments_say_what_they_mean_not_an_issue_number(path):
    found = [n for n, line in enumerate(path.read_text().splitlines(), 1)
             if ISSUE_NUMBER.search(line)]
    assert not found, f"{path.relative_to(ROOT)} lines {found}: say what the issue meant"
