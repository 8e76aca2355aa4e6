"""Authorization-matrix entries for grants/applications/calls (merged into the matrix test).

Management routes answer 403 to those who may see the call but not manage it (world.call
is open, so public) and 404 to those who may not even see it (world.draft_call). The
question routes use a question id that does not exist (the test world has no question
attribute): officers and admins get 404 after passing the check, everyone else is
stopped before the question is looked up.
"""

from __future__ import annotations

from tests.access import LOGIN, ROLES, everyone, only

MANAGERS = ("officer", "admin")
NO_QUESTION = 999_999


def _draft_visible_to_managers(ok=200) -> dict:
    return {r: ok if r in MANAGERS else 404 for r in ROLES}


ENTRIES: dict = {
    "calls.index": ("GET", {}, everyone(200)),
    "calls.show": ("GET", {"call_id": "draft_call"}, _draft_visible_to_managers()),
    "calls.manage": ("GET", {}, only(MANAGERS)),
    "calls.create": ("GET", {}, only(MANAGERS)),
    "calls.edit": ("GET", {"call_id": "call"}, only(MANAGERS)),
    "calls.text": ("GET", {"call_id": "draft_call", "lang": "en"},
                   {**_draft_visible_to_managers(), "anon": LOGIN}),
    "calls.questions": ("GET", {"call_id": "draft_call"},
                        {**_draft_visible_to_managers(), "anon": LOGIN}),
    "calls.delete_question": ("POST", {"call_id": "call", "qid": NO_QUESTION},
                              only(MANAGERS, ok=404)),
    "calls.move_question": ("POST", {"call_id": "call", "qid": NO_QUESTION},
                            only(MANAGERS, ok=404)),
    "calls.open": ("POST", {"call_id": "draft_call"},
                   {**_draft_visible_to_managers(ok=302), "anon": LOGIN}),
    "calls.close": ("POST", {"call_id": "call"}, only(MANAGERS, ok=302)),
}
