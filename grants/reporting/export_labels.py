"""What each code in an officer's export means, in the reader's language.

An export keeps its codes ("registered_ngo", "bank_transfer", "KE"), which a spreadsheet
can filter on and a script can read, and gives beside each one the label the portal shows
for it on its pages. The labels are the features' own; this module only says which one a
column uses.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from babel import Locale
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from grants.applications.calls.forms import TYPE_LABELS
from grants.applications.forms import STATUS_LABELS as APPLICATION_STATUS_LABELS
from grants.countries import country_name
from grants.models import AwardStatus, DisbursementStatus, PaymentRoute, RegrantType, SupportType
from grants.models.labels import Labelled
from grants.organisations.forms import KIND_LABELS

PUBLICATION_LABELS = {
    "anonymous": _l("Anonymous: no name, the country only"),
    "named": _l("Named: the group's name, the country only"),
    "withheld": _l("Withheld: not published"),
}


def _reader() -> str:
    return str(get_locale() or "en")


def of(labels: Mapping) -> Callable[[str], str]:
    """The label a code has in `labels`; a code without one is shown as itself."""
    return lambda code: str(labels.get(code, code))


def of_enum(labelled: type[Labelled]) -> Callable[[str], str]:
    """The label of a labelled enum's code; a code it does not have is shown as itself."""
    values = {m.value: m for m in labelled}
    return lambda code: str(values[code].label) if code in values else code


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
application_status = of(APPLICATION_STATUS_LABELS)
payment_status = of_enum(DisbursementStatus)
org_kind = of(KIND_LABELS)
call_type = of(TYPE_LABELS)
support = of_enum(SupportType)
regrant_type = of_enum(RegrantType)
route = of_enum(PaymentRoute)
publication = of(PUBLICATION_LABELS)
