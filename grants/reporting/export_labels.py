"""What each code in an officer's export means, in the reader's language.

An export keeps its codes ("registered_ngo", "bank_transfer", "KE"), which a spreadsheet
can filter on and a script can read, and gives beside each one the label the portal shows
for it on its pages. The labels are the enums' own; this module only says which one a
column uses.
"""

from __future__ import annotations

from collections.abc import Callable

from babel import Locale
from flask_babel import get_locale
from flask_babel import gettext as _

from grants.countries import country_name
from grants.models import (
    ApplicationStatus,
    AwardStatus,
    CallType,
    DisbursementStatus,
    OrgKind,
    PaymentRoute,
    Publication,
    RegrantType,
    SupportType,
)
from grants.models.labels import Labelled


def _reader() -> str:
    return str(get_locale() or "en")


def of_enum(labelled: type[Labelled]) -> Callable[[str], str]:
    """The label of a labelled enum's code; a code it does not have is shown as itself."""
    return labelled.label_of


def yes_no(code: str) -> str:
    return _("Yes") if code == "yes" else _("No")


def language(code: str) -> str:
    try:
        return Locale.parse(code).get_display_name(_reader()) or code
    except (ValueError, TypeError):
        return code


def country(code: str) -> str:
    return country_name(code, _reader())


award_status = of_enum(AwardStatus)
application_status = of_enum(ApplicationStatus)
payment_status = of_enum(DisbursementStatus)
org_kind = of_enum(OrgKind)
call_type = of_enum(CallType)
support = of_enum(SupportType)
regrant_type = of_enum(RegrantType)
route = of_enum(PaymentRoute)
publication = of_enum(Publication)
