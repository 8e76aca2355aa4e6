"""Demo data of rapid response (loaded by demo.data): open requests at different points
of their clock (fresh, half-way, past target), one decided and paid whose follow-up check-in
falls due soon; all at high risk but one, whose partner said the danger is medium. Made
through the services themselves, with a frozen `now` for each step."""

from __future__ import annotations

from datetime import timedelta

from grants.extensions import db
from grants.models import Call, Organisation, User
from grants.models.types import utcnow
from grants.payments import ledger
from grants.rapid import decision
from grants.rapid import request as filing
from grants.rapid.clock import first_payment

Line = filing.Line


def load(users: dict[str, User], orgs: dict[str, Organisation], call: Call) -> None:
    now = utcnow()
    _file(users["applicant"], orgs["rivers"], call, now - timedelta(hours=2),
          "in_country", "They raided the office and took our laptops.",
          "Two new laptops with full-disk encryption, and a lawyer for the hearing.",
          [Line("digital_security", "Two laptops", "1800"),
           Line("in_country_protection", "Lawyer, 3 days", "600")], "Español")
    _file(users["ngo"], orgs["voices"], call, now - timedelta(hours=36), "dependants",
          "A land defender we work with was detained; her children are alone.",
          "Care for her two children for a month, and food.",
          [Line("dependants_support", "Childcare, 4 weeks", "700")], "Kiswahili",
          alias="Community leader (VL-3)", risk="medium",  # the partner changed the answer
          gender_risk="She is threatened as a woman who speaks at community meetings.")
    _file(users["intermediary"], orgs["regional"], call, now - timedelta(hours=80),
          "relocation", "Death threats after he testified; men came to his house twice.",
          "A safe place in another town for six weeks.",
          [Line("relocation", "Travel and rent, 6 weeks", "2400"),
           Line("psychosocial", "Counselling", "300")], "English", alias="Journalist (RS-9)",
          why="The threats come from the local police; nowhere in his town is safe.")
    _paid(users, orgs["rivers"], call, now)


def _file(user: User, org: Organisation, call: Call, when, category: str, happened: str,
          needs: str, lines: list[Line], language: str, *, alias: str = "",
          gender_risk: str = "", why: str = "", risk: str = "high"):
    return filing.file_request(user, call, filing.Request(
        organisation=org, category=category, what_happened=happened, needs_now=needs,
        currency="USD", lines=lines, safe_contact="Signal, evenings only", written_in=language,
        relocation_justification=why, gender_risk=gender_risk, on_behalf=bool(alias),
        defender_alias=alias, risk_level=risk), now=when)


def _paid(users: dict[str, User], org: Organisation, call: Call, now) -> None:
    """Decided in 30 hours, paid three days later; the follow-up falls due in five days."""
    sent_at = now - timedelta(days=86)
    request = _file(users["applicant"], org, call, sent_at, "recovery",
                    "After the attack last year we could not work for months.",
                    "Rest and counselling for three members, and to replace the door.",
                    [Line("psychosocial", "Counselling", "900"),
                     Line("protection_security", "A steel door", "500")], "Español")
    officer = users["officer"]
    decided = sent_at + timedelta(hours=30)
    decision.approve_rapid(officer, request, amount_minor=140_000, currency="USD", now=decided)
    payment = first_payment(request)
    ledger.approve(officer, payment, now=decided + timedelta(hours=2))
    ledger.send(officer, payment, reference="BT-RR-0007", now=decided + timedelta(days=1))
    ledger.mark_paid(officer, payment, now=decided + timedelta(days=3))
    db.session.flush()
