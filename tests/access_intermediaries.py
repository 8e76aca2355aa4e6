"""Authorization-matrix entries for the intermediary path (merged into the matrix test).

`regranting_award` is intermediary_org's; its pool, sub-grants (`sub_grant`) and their
payments are for that intermediary's staff alone: everyone else gets 404, the funder's
officers included. Officers read only the aggregate upward report. `routed` waits for
intermediary_org's endorsement: its group and officers see it but may not endorse (403).
`application` is the applicant's draft on a call without an intermediary route: its page
of routes sends the group back to checking the draft (302).
"""

from __future__ import annotations

from tests.access import LOGIN, ROLES, only


def _for(**statuses) -> dict:
    """404 (not even seen) for every signed-in role not named; log-in for the anonymous."""
    return {r: LOGIN if r == "anon" else statuses.get(r, 404) for r in ROLES}


AWARD = {"award_id": "regranting_award"}
SUB_GRANT = {"sub_grant_id": "sub_grant"}

ENTRIES: dict = {
    "applications.route": ("GET", {"application_id": "application"}, _for(applicant=302)),
    "intermediaries.index": ("GET", {}, only(("intermediary",))),
    "intermediaries.endorse": ("GET", {"application_id": "routed"},
                               _for(intermediary=200, applicant=403, officer=403)),
    "intermediaries.award": ("GET", AWARD, _for(intermediary=200)),
    "intermediaries.new_sub_grant": ("GET", AWARD, _for(intermediary=200)),
    "intermediaries.sub_grant": ("GET", SUB_GRANT, _for(intermediary=200)),
    "intermediaries.record_payment": ("GET", SUB_GRANT, _for(intermediary=200)),
    "intermediaries.upward_report": ("GET", AWARD, _for(intermediary=200, officer=200)),
}
ENTRIES.update({
    # intermediary_org's own call and the applicant's application to it: the funder's
    # officers never learn they exist; the group sees its own application but decides nothing.
    "intermediaries.new_call": ("GET", AWARD, _for(intermediary=200)),
    "intermediaries.call_applications": ("GET", {"call_id": "own_call"}, _for(intermediary=200)),
    "intermediaries.decide": ("GET", {"application_id": "own_call_application"},
                              _for(intermediary=200, applicant=403)),
    # What intermediary_org serves: its owner edits it; officers and admins see the
    # organisation but do not rewrite it.
    "intermediaries.profile": ("GET", {"org_id": "intermediary_org"},
                               _for(intermediary=200, officer=403, admin=403)),
    # Officers make regranting awards to intermediaries; nobody else.
    "intermediaries.new_award": ("GET", {}, only(("officer",))),
})
