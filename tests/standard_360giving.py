"""Validation against the 360Giving Data Standard 1.4.3 (tests/standards/360giving/, copied
unchanged from the standard's repository, CC BY 4.0, so a clean clone has it):
the package schema with the grant schema resolved locally (no machine here reaches the web),
format checks on, and the flat CSV read back into JSON by the schema's own column titles."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime
from pathlib import Path

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry
from referencing.jsonschema import DRAFT202012

STANDARD = Path(__file__).resolve().parent / "standards" / "360giving"
BASE = "https://raw.githubusercontent.com/ThreeSixtyGiving/standard/{}/schema/{}"


def _schema(name: str) -> dict:
    return json.loads((STANDARD / name).read_text())


def _format_checker() -> FormatChecker:
    """Format checks as the README asks (date-time in RFC 3339), without another package."""
    checker = FormatChecker()
    pattern = re.compile(r"^\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)$")

    @checker.checks("date-time", raises=ValueError)
    def _date_time(value) -> bool:
        if not isinstance(value, str):
            return True
        return bool(pattern.match(value)) and bool(datetime.fromisoformat(value.upper()))

    return checker


def package_validator() -> Draft202012Validator:
    grant = DRAFT202012.create_resource(_schema("360-giving-schema.json"))
    # The 1.4.3 package schema still points its items at the 1.4.2 URL: both are this file.
    registry = Registry().with_resources(
        [(BASE.format(v, "360-giving-schema.json"), grant) for v in ("1.4.2", "1.4.3")])
    return Draft202012Validator(_schema("360-giving-package-schema.json"), registry=registry,
                                format_checker=_format_checker())


def assert_valid(validator, package: dict) -> None:
    errors = sorted(validator.iter_errors(package), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]


def _column_paths() -> dict[str, tuple]:
    """The flat CSV's column titles, read from the grant schema itself: "Title" or
    "Array Title:Field Title" -> (property, field, is it an array, its JSON type)."""
    schema = _schema("360-giving-schema.json")
    defs = schema["$defs"]

    def resolve(spec):
        return defs[spec["$ref"].rsplit("/", 1)[1]] if "$ref" in spec else spec

    out = {}
    for name, spec in schema["properties"].items():
        if "$ref" in spec and "properties" not in resolve(spec):
            spec = {**resolve(spec), **{k: v for k, v in spec.items() if k != "$ref"}}
        if "items" in spec or "$ref" in spec:
            inner = resolve(spec.get("items", spec))
            for field, fspec in inner.get("properties", {}).items():
                if "title" in fspec and "title" in spec:
                    out[f"{spec['title']}:{fspec['title']}"] = (
                        name, field, "items" in spec, fspec.get("type"))
        elif "title" in spec:
            out[spec["title"]] = (name, None, False, spec.get("type"))
    return out


def unflatten(text: str) -> dict:
    """The flat CSV back into a package, by the schema's titles (a column it does not
    know fails the test)."""
    paths = _column_paths()
    grants = []
    for row in csv.DictReader(io.StringIO(text)):
        grant: dict = {}
        for title, value in row.items():
            assert title in paths, f"not a 360Giving column: {title}"
            if value == "":
                continue
            name, field, is_array, kind = paths[title]
            if kind == "number" or (isinstance(kind, list) and "number" in kind):
                value = float(value)
            if field is None:
                grant[name] = value
            elif is_array:
                grant.setdefault(name, [{}])[0][field] = value
            else:
                grant.setdefault(name, {})[field] = value
        grants.append(grant)
    return {"grants": grants}
