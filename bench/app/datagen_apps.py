"""The applications of the bench portfolio: statuses mostly sent or decided, answers to
their call's questions, budgets with the protection and psychosocial lines, status
history, some reviews and messages. A mixin of datagen.Generator (its rng, plan, insert)."""

from __future__ import annotations

from datetime import datetime, timedelta

from bench.app import texts
from grants.models import (
    Application,
    ApplicationAnswer,
    ApplicationStatus,
    ApplicationStatusChange,
    BudgetLine,
    CallStatus,
    CallType,
    Message,
    RapidCategory,
    Recommendation,
    Review,
    RiskLevel,
)

S = ApplicationStatus
# Statuses of the applications that are not approved, with their weights.
OTHER_STATUSES = [(S.DRAFT, 12), (S.SUBMITTED, 10), (S.UNDER_REVIEW, 8),
                  (S.MORE_INFO_REQUESTED, 2), (S.AWAITING_ENDORSEMENT, 1), (S.DECLINED, 50),
                  (S.WITHDRAWN, 6)]
IN_REVIEW = {S.SUBMITTED, S.UNDER_REVIEW, S.MORE_INFO_REQUESTED}


def _at(d):
    from bench.app.datagen import at

    return at(d)


class ApplicationsMixin:
    def applications(self) -> None:
        plan, rng = self.plan, self.rng
        approved = plan.awards - plan.regranting_awards
        others = rng.choices([s for s, _w in OTHER_STATUSES], k=plan.applications - approved,
                             weights=[w for _s, w in OTHER_STATUSES])
        statuses = [S.APPROVED] * approved + others
        rng.shuffle(statuses)
        # The first application is the bench applicant's draft on the first (open) call.
        statuses[statuses.index(S.DRAFT) if S.DRAFT in statuses else 0] = statuses[0]
        statuses[0] = S.DRAFT
        sendable = [c for c in self.calls if c["row"]["status"] != CallStatus.DRAFT]
        open_calls = [c for c in sendable if c["open"] and c["kind"] != CallType.RAPID_RESPONSE]
        self.apps = []
        for i, status in enumerate(statuses, 1):
            call = self.calls[0] if i == 1 else rng.choice(
                open_calls if status in IN_REVIEW or status == S.DRAFT else sendable)
            org = self.orgs[0] if i == 1 else rng.choice(self.orgs)
            self.apps.append((i, status, call, org))
        self.insert(Application, self._application_rows())
        self.insert(ApplicationAnswer, self._answers())
        self.insert(BudgetLine, self._budget_lines())
        self.insert(ApplicationStatusChange, self._history())
        self.insert(Review, self._reviews())
        self.insert(Message, self._messages())

    def _dates(self, app_id: int, status: S) -> tuple[datetime, datetime | None, datetime | None]:
        """created, sent, decided; spread over five years, the recent ones still open."""
        rng, now = self.rng, _at(self.today)
        recent = status in IN_REVIEW or status in (S.DRAFT, S.AWAITING_ENDORSEMENT)
        created = now - timedelta(days=rng.randint(1, 60) if recent else rng.randint(60, 1800),
                                  hours=rng.randint(0, 23))
        sent = None if status == S.DRAFT else created + timedelta(days=rng.randint(0, 10))
        sent = min(sent, now) if sent else None
        decided = sent + timedelta(days=rng.randint(10, 50)) if status in (
            S.APPROVED, S.DECLINED) else None
        return created, sent, decided

    def _application_rows(self):
        rng = self.rng
        self.app_info = {}
        for app_id, status, call, (org_id, _kind, country) in self.apps:
            created, sent, decided = self._dates(app_id, status)
            row = call["row"]
            amount = rng.randrange(row["amount_min_minor"], row["amount_max_minor"], 10_000)
            risk = rng.choices(list(RiskLevel), weights=[70, 20, 10])[0]
            rapid = call["kind"] == CallType.RAPID_RESPONSE
            self.app_info[app_id] = (status, call, org_id, amount, sent, decided)
            yield {
                "id": app_id, "call_id": row["id"], "organisation_id": org_id,
                "created_by_id": self.owner[org_id],
                "intermediary_id": self.intermediaries[0][0]
                if status == S.AWAITING_ENDORSEMENT else None,
                "code_name": f"BN-{app_id:07d}", "status": status, "language": "en",
                "title": texts.title(rng), "country": country, "currency": row["currency"],
                "amount_requested_minor": amount, "risk_level": risk,
                "threat_description": texts.sentence(rng) if risk != RiskLevel.LOW else None,
                "safe_contact": texts.contact(rng) if risk != RiskLevel.LOW else None,
                "focus_populations": rng.sample(texts.POPULATIONS, 2)
                if rng.random() < 0.2 else None,
                "current_step": rng.randint(1, 4) if status == S.DRAFT else 5,
                "budget_draft": None, "reused_proposal": False,
                "wants_intermediary_found": False, "on_behalf": False,
                "assigned_officer_id": rng.choice(self.officers)
                if status not in (S.DRAFT, S.SUBMITTED, S.AWAITING_ENDORSEMENT) else None,
                "rapid_category": rng.choice(list(RapidCategory)) if rapid else None,
                "needs_now": texts.sentence(rng) if rapid else None,
                "rapid_due_at": sent + timedelta(hours=72) if rapid and sent else None,
                "created_at": created, "updated_at": decided or sent or created,
                "submitted_at": sent, "decided_at": decided,
            }

    def _answers(self):
        n = 0
        for app_id, status, call, _org in self.apps:
            qids = call.get("question_ids", [])
            if status == S.DRAFT:
                qids = qids[: self.rng.randint(0, len(qids))]
            for qid in qids:
                n += 1
                yield {"id": n, "application_id": app_id, "question_id": qid,
                       "text": texts.paragraph(self.rng, self.rng.randint(2, 5)),
                       "updated_at": _at(self.today)}

    def _budget_lines(self):
        self.line_id = 0
        for app_id, (status, call, _org, amount, _s, _d) in self.app_info.items():
            lines = texts.budget_split(self.rng, call["kind"], amount)
            if status == S.DRAFT:
                lines = lines[: self.rng.randint(0, len(lines))]
            for category, part in lines:
                self.line_id += 1
                yield {"id": self.line_id, "application_id": app_id, "award_id": None,
                       "category": category, "year": 1, "amount_minor": part,
                       "currency": call["row"]["currency"],
                       "description": texts.BUDGET_WORDS[category]}

    def _history(self):
        n = 0
        for app_id, (status, _call, org_id, _amount, sent, decided) in self.app_info.items():
            steps = [(None, S.DRAFT, None)]
            if sent is not None:
                steps.append((S.DRAFT, S.SUBMITTED, sent))
            if status not in (S.DRAFT, S.SUBMITTED, S.AWAITING_ENDORSEMENT):
                steps.append((S.SUBMITTED, status, decided or sent))
            for before, after, when in steps:
                n += 1
                yield {"id": n, "application_id": app_id, "from_status": before,
                       "to_status": after, "actor_id": self.owner[org_id], "note": None,
                       "created_at": when or _at(self.today - timedelta(days=1))}

    def _reviews(self):
        n, rng = 0, self.rng
        for app_id, (status, _call, _org, _amount, sent, _d) in self.app_info.items():
            if status not in (S.UNDER_REVIEW, S.APPROVED, S.DECLINED) or rng.random() > 0.4:
                continue
            n += 1
            scores = {name: rng.randint(1, 5) for name in texts.CRITERIA}
            yield {"id": n, "application_id": app_id, "reviewer_id": rng.choice(self.reviewers),
                   "assigned_by_id": self.officers[0], "declared_at": sent,
                   "conflict_declared": False, "conflict_note": None,
                   "criteria_scores": scores, "score": round(sum(scores.values()) / len(scores)),
                   "recommendation": rng.choice(list(Recommendation)),
                   "comment": texts.sentence(rng) if rng.random() < 0.5 else None,
                   "created_at": sent, "updated_at": sent, "submitted_at": sent}

    def _messages(self):
        n, rng = 0, self.rng
        for app_id, (_status, _call, org_id, _a, sent, _d) in self.app_info.items():
            if sent is None or rng.random() > 0.05:
                continue
            n += 1
            yield {"id": n, "application_id": app_id, "award_id": None,
                   "sender_id": rng.choice([self.owner[org_id], self.officers[0]]),
                   "body": texts.sentence(rng), "created_at": sent, "read_at": None}
