"""Authorization-matrix entries for the defenders' voice (merged into the matrix test).

The test world holds no survey invitation and no consultation, so their pages are checked
here on an id that does not exist (404 for everyone signed in: nobody learns which ids
exist); tests/test_survey.py and tests/test_consultations.py check them on real objects for
every role. No organisation of the world opted in to the directory, so nobody may open it
here; tests/test_directory.py opts groups in.
"""

from __future__ import annotations

from tests.access import LOGIN, ROLES, only

MISSING = 999_999


def _nobody() -> dict:
    return {r: LOGIN if r == "anon" else 404 for r in ROLES}


ENTRIES: dict = {
    "voice.survey_page": ("GET", {"invitation_id": MISSING}, _nobody()),
    "voice.survey_results": ("GET", {}, only(("officer", "admin"))),
    "voice.consultations_index": ("GET", {}, only(("officer", "admin"))),
    "voice.new_consultation": ("GET", {}, only(("officer",))),
    "voice.consultation": ("GET", {"consultation_id": MISSING}, _nobody()),
    "voice.edit_consultation": ("GET", {"consultation_id": MISSING}, _nobody()),
    "voice.peer_directory": ("GET", {}, only(())),
}
