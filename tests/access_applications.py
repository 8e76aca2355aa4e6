"""Authorization-matrix entries for grants/applications (merged into the matrix test).

`application` is the applicant's draft (nobody else may even see it), `submitted` the
applicant's sent application (officers read it, only the group acts on it). Document id
999999 does not exist: the answer is 404 for all, never a hint that it might.
"""

from __future__ import annotations

from tests.access import LOGIN, ROLES, signed_in


def _for(**statuses) -> dict:
    """404 (not even seen) for every signed-in role not named; log-in for the anonymous."""
    return {r: LOGIN if r == "anon" else statuses.get(r, 404) for r in ROLES}


OWN_DRAFT = _for(applicant=200)
SENT = _for(applicant=200, officer=200)

ENTRIES: dict = {
    "applications.index": ("GET", {}, signed_in(200)),
    "applications.start": ("GET", {"call_id": "call"}, _for(
        applicant=200, stranger=200, reviewer=403, officer=403, intermediary=403, admin=403)),
    "applications.step": ("GET", {"application_id": "application", "number": 1}, OWN_DRAFT),
    # Refused with the review page (the draft has no answers yet): 200, nothing sent.
    "applications.submit": ("POST", {"application_id": "application"}, OWN_DRAFT),
    "applications.sent": ("GET", {"application_id": "submitted"}, SENT),
    "applications.show": ("GET", {"application_id": "submitted"}, SENT),
    # Officers open a sent application's sensitive details, saying why; the group already
    # sees its own (403); nobody else learns it exists.
    "applications.reveal": ("POST", {"application_id": "submitted"},
                            _for(applicant=403, officer=302)),
    "applications.document": ("GET", {"application_id": "submitted", "document_id": 999999},
                              _for()),
    "applications.delete_document": ("POST", {"application_id": "application",
                                               "document_id": 999999}, _for()),
    "applications.withdraw": ("GET", {"application_id": "submitted"},
                              _for(applicant=200, officer=403)),
    "applications.delete": ("GET", {"application_id": "application"}, OWN_DRAFT),
}
