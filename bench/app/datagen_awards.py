"""The money side of the bench portfolio: awards with 3 tranches each, budget lines per
year, report requirements and reports, disbursements, regranting awards to intermediaries
with their sub-grants and payments. The money rule holds: committed payments never exceed
their tranche, sub-grants never exceed the pool, paid never exceeds sub-granted."""

from __future__ import annotations

from datetime import date, timedelta

from bench.app import texts
from grants.models import (
    ApplicationStatus,
    Award,
    AwardStatus,
    BudgetLine,
    CallType,
    Disbursement,
    DisbursementStatus,
    PaymentRoute,
    RegrantType,
    Report,
    ReportKind,
    ReportRequirement,
    ReportStatus,
    SubGrant,
    SubGrantPayment,
    SupportType,
    Tranche,
    TrancheStatus,
)
from grants.models.reporting import Publication

TRANCHES = 3
D = DisbursementStatus
ROUTES = [(PaymentRoute.BANK_TRANSFER, 45), (PaymentRoute.MOBILE_MONEY, 20),
          (PaymentRoute.INTERMEDIARY, 10), (PaymentRoute.TRUSTED_PARTNER, 15),
          (PaymentRoute.STRIPE_TRANSFER, 10)]


class AwardWriter:
    def __init__(self, gen):
        self.g, self.rng, self.today = gen, gen.rng, gen.today

    def run(self) -> None:
        g = self.g
        self.awards = self._plan_awards()
        g.insert(Award, (a["row"] for a in self.awards))
        g.insert(BudgetLine, self._budget_lines())
        g.insert(ReportRequirement, self._requirements())
        g.insert(Tranche, self._tranches())
        g.insert(Report, self._reports())
        g.insert(Disbursement, self._disbursements())
        g.insert(SubGrant, self._sub_grant_rows())
        g.insert(SubGrantPayment, self._sub_grant_payments())

    # Awards ---------------------------------------------------------------------------------

    def _plan_awards(self) -> list[dict]:
        g, rng, out = self.g, self.rng, []
        approved = [(app_id, info) for app_id, info in g.app_info.items()
                    if info[0] == ApplicationStatus.APPROVED]
        for n, (app_id, (_s, call, org_id, amount, _sent, decided)) in enumerate(approved, 1):
            years = call["row"]["max_years"] if call["kind"] == CallType.CORE_SUPPORT \
                else rng.choice([1, 2, 3])
            start = decided.date() + timedelta(days=14)
            status = AwardStatus.ACTIVE if rng.random() > 0.02 else rng.choice(
                [AwardStatus.SUSPENDED, AwardStatus.PENDING_APPROVAL])
            out.append(self._award(n, app_id, org_id, call["row"]["fund_id"], amount,
                                   call["row"]["currency"], start, years, status, decided,
                                   core=call["kind"] == CallType.CORE_SUPPORT))
        self._plan_regranting(out)
        return out

    def _award(self, n, app_id, org_id, fund_id, amount, currency, start, years, status,
               decided, core=False, **extra) -> dict:
        end = start + timedelta(days=365 * years - 1)
        if status == AwardStatus.ACTIVE and end < self.today:
            status = AwardStatus.CLOSED
        row = {"id": n, "reference": f"AW-{n:07d}", "application_id": app_id,
               "organisation_id": org_id, "fund_id": fund_id, "amount_minor": amount,
               "currency": currency, "start_date": start, "end_date": end, "years": years,
               "support_type": SupportType.CORE if core else SupportType.PROJECT,
               "regrant_type": None, "regranting_minor": None, "status": status,
               "conditions": "", "decided_by_id": self.g.officers[0],
               "publication": self.rng.choices(list(Publication), weights=[70, 25, 5])[0],
               "second_approver_id": None, "created_at": decided,
               "approved_at": None if status == AwardStatus.PENDING_APPROVAL else decided,
               "closed_at": None, **extra}
        if status == AwardStatus.CLOSED:
            row["closed_at"] = at_day(end + timedelta(days=30))
        return {"row": row, "years": years, "start": start}

    def _plan_regranting(self, out: list[dict]) -> None:
        """Three regranting awards per intermediary; sub-grants are planned first so that
        each award's pool covers them."""
        g, rng = self.g, self.rng
        pools = [(org_id, served) for org_id, served in g.intermediaries for _ in range(3)]
        self.sub_grants = [[] for _ in pools]
        for k in range(g.plan.sub_grants):
            self.sub_grants[k % len(pools)].append(rng.randrange(50_000, 500_000, 1000))
        for i, (org_id, _served) in enumerate(pools):
            pool = sum(self.sub_grants[i]) + 100_000
            decided = at_day(self.today - timedelta(days=rng.randint(100, 900)))
            award = self._award(len(out) + 1, None, org_id, 5, pool + pool // 10, "USD",
                                decided.date() + timedelta(days=14), 3, AwardStatus.ACTIVE,
                                decided, core=False)
            award["row"].update(regrant_type=rng.choice(list(RegrantType)),
                                regranting_minor=pool)
            award["pool"] = i
            out.append(award)

    def _budget_lines(self):
        g = self.g
        for a in self.awards:
            row, years = a["row"], a["years"]
            lines = texts.budget_split(self.rng, CallType.OPEN, row["amount_minor"])
            for year in range(1, years + 1):
                for category, part in lines:
                    g.line_id += 1
                    share = part // years + (part % years if year == years else 0)
                    yield {"id": g.line_id, "application_id": None, "award_id": row["id"],
                           "category": category, "year": year, "amount_minor": share,
                           "currency": row["currency"],
                           "description": texts.BUDGET_WORDS[category]}

    # Reports and tranches -------------------------------------------------------------------

    def _requirements(self):
        n = 0
        for a in self.awards:
            a["requirements"] = []
            for year in range(1, a["years"] + 1):
                n += 1
                due = a["start"] + timedelta(days=365 * year - 30)
                a["requirements"].append((n, due))
                yield {"id": n, "award_id": a["row"]["id"], "kind": ReportKind.SHORT_FORM,
                       "title": f"Year {year} report", "due_date": due,
                       "questions": ["What changed?", "What was hard?", "Anything else?"],
                       "reminded_at": None}

    def _tranches(self):
        n, rng = 0, self.rng
        self.eligible = []  # (tranche id, amount, currency, status, due, award)
        for a in self.awards:
            row = a["row"]
            amount, step = row["amount_minor"], max(1, 365 * a["years"] // TRANCHES)
            for seq in range(1, TRANCHES + 1):
                n += 1
                part = amount // TRANCHES + (amount % TRANCHES if seq == TRANCHES else 0)
                due = a["start"] + timedelta(days=step * (seq - 1))
                # One tranche a year: each later one waits for the previous year's report.
                gate = a["requirements"][seq - 2][0] if seq > 1 and a["years"] == TRANCHES \
                    else None
                status = TrancheStatus.PLANNED
                if due <= self.today and row["status"] != AwardStatus.PENDING_APPROVAL:
                    status = TrancheStatus.PAID if rng.random() < 0.9 else TrancheStatus.RELEASED
                    self.eligible.append((n, part, row["currency"], status, due, row))
                yield {"id": n, "award_id": row["id"], "sequence": seq, "due_date": due,
                       "amount_minor": part, "currency": row["currency"], "status": status,
                       "gating_requirement_id": gate,
                       "released_at": at_day(due) if status != TrancheStatus.PLANNED else None,
                       "released_by_id": self.g.officers[0]
                       if status != TrancheStatus.PLANNED else None}

    def _reports(self):
        n, rng, g = 0, self.rng, self.g
        for a in self.awards:
            owner = g.owner[a["row"]["organisation_id"]]
            for req_id, due in a["requirements"]:
                if due > self.today + timedelta(days=10) or rng.random() > 0.85:
                    continue
                n += 1
                status = rng.choices([ReportStatus.ACCEPTED, ReportStatus.SUBMITTED,
                                      ReportStatus.CHANGES_REQUESTED], weights=[80, 15, 5])[0]
                oral = rng.random() < 0.2
                sent = at_day(due - timedelta(days=rng.randint(0, 20)))
                done = status != ReportStatus.SUBMITTED
                yield {"id": n, "requirement_id": req_id,
                       "kind": ReportKind.CONVERSATION if oral else ReportKind.SHORT_FORM,
                       "status": status, "body": texts.paragraph(rng, 3) if oral else None,
                       "answers": None if oral else [texts.sentence(rng) for _ in range(3)],
                       "filename": None, "media_type": None, "size_bytes": None,
                       "content": None, "officer_note": None,
                       "recorded_by_id": g.officers[0] if oral else None, "created_at": sent,
                       "spending": {"protection_security": rng.randrange(10_000, 200_000, 100),
                                    "psychosocial": rng.randrange(5_000, 100_000, 100)},
                       "submitted_by_id": None if oral else owner, "submitted_at": sent,
                       "reviewed_by_id": g.officers[0] if done else None,
                       "reviewed_at": sent + timedelta(days=5) if done else None}

    # Payments -------------------------------------------------------------------------------

    def _parts(self) -> dict[int, int]:
        """How many payments each paid or released tranche gets, to reach the plan's total:
        one each, then some paid in two or three parts."""
        parts = {t[0]: 1 for t in self.eligible}
        paid = [t[0] for t in self.eligible if t[3] == TrancheStatus.PAID]
        extra = self.g.plan.payments - len(parts)
        while extra > 0 and paid:
            tid = self.rng.choice(paid)
            if parts[tid] < 3:
                parts[tid] += 1
                extra -= 1
            elif all(parts[t] >= 3 for t in paid):
                break
        if extra < 0:  # a tiny scale: fewer payments than paid tranches
            for tid in list(parts)[: -extra]:
                del parts[tid]
        return parts

    def _disbursements(self):
        n, rng, g = 0, self.rng, self.g
        parts = self._parts()
        via = [org_id for org_id, _served in g.intermediaries]
        routes, weights = zip(*ROUTES, strict=True)
        for tid, amount, currency, status, due, _award in self.eligible:
            k = parts.get(tid, 0)
            failed = k > 1 and status == TrancheStatus.PAID and rng.random() < 0.1
            shares = _split(amount, k - 1 if failed else k)
            if failed:  # the first attempt failed or came back, then it was paid again
                shares.insert(0, shares[0])
            for i, share in enumerate(shares):
                n += 1
                route = rng.choices(routes, weights=weights)[0]
                state = D.PAID if status == TrancheStatus.PAID else rng.choice(
                    [D.SCHEDULED, D.APPROVED, D.SENT])
                if failed and i == 0:
                    state = rng.choice([D.FAILED, D.RETURNED, D.CANCELLED])
                when = at_day(due + timedelta(days=rng.randint(0, 20) + i))
                yield _payment(n, tid, share, currency, route, state, when, g.officers,
                               via[n % len(via)], rng)

    # Sub-grants -----------------------------------------------------------------------------

    def _sub_grant_rows(self):
        n, rng, g = 0, self.rng, self.g
        self.paid_sub_grants = []
        for a in self.awards:
            if "pool" not in a:
                continue
            row = a["row"]
            served = dict(g.intermediaries)[row["organisation_id"]]
            for k, amount in enumerate(self.sub_grants[a["pool"]], 1):
                n += 1
                paid = rng.choice([amount, amount, amount, amount // 2, 0])
                if paid:
                    self.paid_sub_grants.append((n, paid, row["start_date"]))
                yield {"id": n, "award_id": row["id"], "intermediary_id": row["organisation_id"],
                       "recipient_code": f"SG-{k:05d}", "recipient_organisation_id": None,
                       "recipient_details": texts.contact(rng) if rng.random() < 0.1 else None,
                       "country": rng.choice(served), "purpose": texts.title(rng),
                       "amount_minor": amount, "currency": "USD", "paid_minor": paid,
                       "category": rng.choice(["protection_security", "psychosocial",
                                               "programme", "core_operating"]),
                       "theme": rng.choice(texts.THEMES), "application_id": None,
                       "pass_through": False, "created_by_id": g.owner[row["organisation_id"]],
                       "created_at": at_day(row["start_date"])}

    def _sub_grant_payments(self):
        rng = self.rng
        for n, (sub_id, paid, start) in enumerate(self.paid_sub_grants, 1):
            day = start + timedelta(days=rng.randint(10, 300))
            yield {"id": n, "sub_grant_id": sub_id, "amount_minor": paid, "currency": "USD",
                   "route": rng.choice([PaymentRoute.BANK_TRANSFER, PaymentRoute.MOBILE_MONEY,
                                        PaymentRoute.TRUSTED_PARTNER]),
                   "reference": f"REF-{sub_id}" if rng.random() < 0.5 else None,
                   "paid_on": min(day, self.today), "recorded_by_id": None,
                   "created_at": at_day(min(day, self.today))}


def _split(amount: int, k: int) -> list[int]:
    return [amount // k + (amount % k if i == k - 1 else 0) for i in range(k)]


def _payment(n, tid, amount, currency, route, state, when, officers, via, rng) -> dict:
    account = f"{rng.randint(10**9, 10**10 - 1)}"
    details = {
        PaymentRoute.BANK_TRANSFER: {"masked": "•••• " + account[-4:]},
        PaymentRoute.MOBILE_MONEY: {"provider": "M-Pesa", "number": account,
                                    "masked": "•••• " + account[-4:]},
        PaymentRoute.TRUSTED_PARTNER: {"partner": "Partner " + account[:3],
                                       "handed_over": "cash"},
        PaymentRoute.STRIPE_TRANSFER: {"destination": f"acct_bench{n}"},
    }.get(route)
    ended = state in (D.FAILED, D.RETURNED, D.CANCELLED)
    moved = state not in (D.SCHEDULED, D.CANCELLED)
    return {"id": n, "tranche_id": tid, "amount_minor": amount, "currency": currency,
            "route": route, "status": state, "idempotency_key": f"bench-{n}",
            "external_reference": f"TX-{n}" if moved else None,
            "bank_details": account if route == PaymentRoute.BANK_TRANSFER else None,
            "via_organisation_id": via if route == PaymentRoute.INTERMEDIARY else None,
            "route_details": details, "last_error": None,
            "scheduled_by_id": officers[0], "approved_by_id": officers[1] if moved else None,
            "second_approver_id": None, "created_at": when, "updated_at": when,
            "approved_at": when if moved else None,
            "sent_at": when if moved and state != D.APPROVED else None,
            "paid_at": when if state == D.PAID else None, "ended_at": when if ended else None,
            "note": None}


def at_day(d: date):
    from bench.app.datagen import at

    return at(d)
