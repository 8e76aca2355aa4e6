"""Who may do what to which object: the one authorization package.

Views, templates and services all ask `can(user, Permission.X, obj)`. A view that cannot
show an object to a user answers 404 (the object's existence is itself information);
one that can show it but not act on it answers 403. A service asks
`require_to(actor, Permission.X, obj)`, which refuses with a reason the person can read
(a ServiceError). No role checks live anywhere else; which statuses allow what lives on the
status enums (ApplicationStatus.EDITABLE, ...).

Nothing here runs at import time: `init_app` (called by the factory) hooks the per-request
answer kept by `assignment` to the session's events.
"""

from grants.models import Membership, User
from grants.policy.assignment import assignment, init_app

# The table of rules by permission: a test replaces one rule in it to see a page obey it.
from grants.policy.core import _RULES as _RULES
from grants.policy.core import can, refusal, require, require_to
from grants.policy.permissions import Permission
from grants.policy.rapid import may_file_for_others
from grants.policy.reporting import directory_organisations
from grants.policy.roles import (
    OFFICER_ROLES,
    STAFF_REVIEWERS,
    acts_for_a_group,
    is_member,
    owns_what_it_creates,
)

__all__ = ["Permission", "can", "require", "require_to", "refusal", "is_member", "Membership",
           "User",
           # asked by one feature each
           "OFFICER_ROLES", "STAFF_REVIEWERS", "acts_for_a_group", "assignment",
           "directory_organisations", "init_app", "may_file_for_others",
           "owns_what_it_creates"]
