"""Which layer a module of `grants` belongs to: models <- services <- views <- factory.

One definition, read by the import-linter contract (tools/contracts.py, `make check`) and
by the shape report (tools/shape.py). A layer may import its own layer and those below.
"""

from __future__ import annotations

MODELS, SERVICES, VIEWS, FACTORY = range(4)
NAMES = ("models", "services", "views", "factory")

# What creates the application and its commands; nothing in grants imports these.
FACTORY_MODULES = {"grants", "grants.cli", "grants.factory"}
# Below the services: the models and what they are built from (the database, the field
# encryption, a user name's rules, the errors services raise, ids, settings).
MODEL_MODULES = {"grants.extensions", "grants.errors", "grants.ids", "grants.config",
                 "grants.security.crypto", "grants.usernames"}
# The feature packages whose __init__ gathers the feature's route modules for the factory
# (`blueprints()`): that __init__ is a view of its own feature.
ROUTE_PACKAGES = {f"grants.{name}" for name in (
    "admin", "applications", "auth", "awards", "funds", "intermediaries", "main", "messages",
    "ops", "organisations", "payments", "rapid", "reporting", "review", "voice")}


def layer(name: str) -> int:
    last = name.rpartition(".")[2]
    if name in FACTORY_MODULES:
        return FACTORY
    if last == "views" or last.endswith("_views") or name in ROUTE_PACKAGES:
        return VIEWS
    if name == "grants.models" or name.startswith("grants.models.") or name in MODEL_MODULES:
        return MODELS
    return SERVICES


def feature(name: str) -> str:
    """grants.review.queue -> review; grants.web -> grants.web (no feature)."""
    parts = name.split(".")
    return parts[1] if len(parts) > 2 or name in ROUTE_PACKAGES else name


def is_test_module(name: str) -> bool:
    return name.rpartition(".")[2].startswith("test_")
