"""The policy's table of rules is gathered from one module per area: every permission has
a rule in exactly one of them, and every rule a service asks is written as checks."""

from __future__ import annotations

from collections import Counter

from grants.policy import Permission, core


def test_every_permission_has_its_rule_in_exactly_one_area():
    counted = Counter(permission for area in core.AREAS for permission in area.RULES)
    assert set(counted) == set(Permission)
    assert [p for p, n in counted.items() if n > 1] == []


def test_every_rule_written_as_checks_is_in_one_area():
    counted = Counter(permission for area in core.AREAS
                      for permission in getattr(area, "CHECKS", {}))
    assert [p for p, n in counted.items() if n > 1] == []
    assert set(core._CHECKS) == set(counted)
