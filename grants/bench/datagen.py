"""A realistic portfolio for the benchmark, written with bulk inserts.

At scale 1: about 10,000 organisations in ~60 countries, 200 calls, 100,000 applications
(mostly sent or decided, with answers, budget lines carrying the protection and
psychosocial lines, status history and some reviews), 30,000 awards with 3 tranches each,
100,000 payments, 20 intermediaries with 20,000 sub-grants, reports, and the people: a few
staff and one owner per organisation.

Rows go in through SQLAlchemy Core `insert()` with lists of dicts in batches, on the
ORM tables: the column types (EncryptedText, UTCDateTime, enums) process every value, so
encrypted fields are encrypted exactly as the portal does it. Ids are given here, so that
children can point at parents without a round trip. Everything is one transaction; the
caller commits. Random but repeatable (a fixed seed).
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from grants.bench import texts
from grants.bench.fastinsert import Writer
from grants.models import (
    Application,
    ApplicationAnswer,
    ApplicationStatus,
    ApplicationStatusChange,
    BudgetLine,
    Call,
    CallQuestion,
    CallStatus,
    CallText,
    CallType,
    Fund,
    MemberRole,
    Membership,
    Message,
    Organisation,
    OrgKind,
    RapidCategory,
    Recommendation,
    Review,
    RiskLevel,
    Role,
    User,
)

BATCH = 5000
PREFIX = "bench-"  # every account the generator makes; others mean real data
STAFF = [("bench-admin", Role.ADMIN)] + [(f"bench-officer-{i}", Role.OFFICER)
                                           for i in range(1, 6)] + [
    (f"bench-reviewer-{i}", Role.REVIEWER) for i in range(1, 4)]
S = ApplicationStatus
# Statuses of the applications that are not approved, with their weights.
OTHER_STATUSES = [(S.DRAFT, 12), (S.SUBMITTED, 10), (S.UNDER_REVIEW, 8),
                  (S.MORE_INFO_REQUESTED, 2), (S.AWAITING_ENDORSEMENT, 1), (S.DECLINED, 50),
                  (S.WITHDRAWN, 6)]
IN_REVIEW = {S.SUBMITTED, S.UNDER_REVIEW, S.MORE_INFO_REQUESTED}


@dataclass
class Plan:
    """How many of each at a scale; the smallest scales keep a few of everything."""

    scale: float

    def n(self, at_one: int, least: int) -> int:
        return max(least, round(at_one * self.scale))

    @property
    def organisations(self) -> int:
        return self.n(10_000, 10)

    @property
    def intermediaries(self) -> int:
        return self.n(20, 2)

    @property
    def calls(self) -> int:
        return self.n(200, 10)

    @property
    def applications(self) -> int:
        return self.n(100_000, 100)

    @property
    def awards(self) -> int:
        return self.n(30_000, 30)

    @property
    def regranting_awards(self) -> int:
        return 3 * self.intermediaries

    @property
    def payments(self) -> int:
        return self.n(100_000, 100)

    @property
    def sub_grants(self) -> int:
        return self.n(20_000, 20)

    def describe(self) -> str:
        return (f"{self.organisations:,} organisations (+{self.intermediaries} intermediaries), "
                f"{self.calls:,} calls, {self.applications:,} applications, "
                f"{self.awards:,} awards with 3 tranches each, {self.payments:,} payments, "
                f"{self.sub_grants:,} sub-grants, one owner account per organisation and "
                f"{len(STAFF)} staff accounts")


def at(d: date, hour: int = 10) -> datetime:
    return datetime(d.year, d.month, d.day, hour, tzinfo=UTC)


@dataclass
class Generator:
    """Writes the portfolio through `conn`, timing each table."""

    conn: sa.Connection
    plan: Plan
    password_hash: str
    echo: callable = print
    rng: random.Random = field(default_factory=lambda: random.Random(2026))  # noqa: S311
    timings: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    today: date = field(default_factory=date.today)

    def insert(self, model, rows) -> None:
        """Insert `rows` (an iterable of dicts with the same keys) in batches."""
        table = model.__table__
        started, batch, writer = time.perf_counter(), [], None
        for row in rows:
            batch.append(row)
            if len(batch) >= BATCH:
                writer = writer or Writer(self.conn, table, list(batch[0]))
                writer.write(batch)
                self.counts[table.name] += len(batch)
                batch = []
        if batch:
            (writer or Writer(self.conn, table, list(batch[0]))).write(batch)
            self.counts[table.name] += len(batch)
        self.timings[table.name] += time.perf_counter() - started

    def run(self) -> None:
        from grants.bench import datagen_awards

        self.people()
        self.funds_and_calls()
        self.applications()
        datagen_awards.AwardWriter(self).run()

    # People ---------------------------------------------------------------------------------

    def people(self) -> None:
        rng, plan = self.rng, self.plan
        countries = texts.COUNTRIES
        kinds = rng.choices([OrgKind.REGISTERED_NGO, OrgKind.UNREGISTERED_GROUP,
                             OrgKind.INDIVIDUAL_DEFENDER], weights=[45, 35, 20],
                            k=plan.organisations)
        self.orgs = [(i + 1, kind, rng.choice(countries)) for i, kind in enumerate(kinds)]
        first = plan.organisations + 1
        self.intermediaries = [(first + i, rng.sample(countries, rng.randint(3, 6)))
                               for i in range(plan.intermediaries)]
        self.insert(Organisation, self._org_rows())
        self.staff = {name: i + 1 for i, (name, _role) in enumerate(STAFF)}
        self.officers = [uid for name, uid in self.staff.items() if "officer" in name]
        self.reviewers = [uid for name, uid in self.staff.items() if "reviewer" in name]
        base = len(STAFF)
        self.owner = {org_id: base + org_id for org_id, _k, _c in self.orgs}
        self.owner.update({org_id: base + org_id for org_id, _c in self.intermediaries})
        self.insert(User, self._user_rows())
        self.insert(Membership, ({"id": i, "user_id": uid, "organisation_id": org_id,
                                  "role": MemberRole.OWNER}
                                 for i, (org_id, uid) in enumerate(self.owner.items(), 1)))

    def _org_rows(self):
        rng = self.rng
        for org_id, kind, country in self.orgs:
            registered = kind == OrgKind.REGISTERED_NGO
            yield self._org(org_id, texts.org_name(rng, kind, org_id), kind, country,
                            registration_number=f"REG/{org_id:06d}" if registered else None,
                            legal_name=texts.org_name(rng, kind, org_id) + " Trust"
                            if registered else None,
                            contact_details=texts.contact(rng) if rng.random() < 0.6 else None,
                            serves_countries=[], accepts_routed_applications=False,
                            themes=[], is_verified=registered and rng.random() < 0.7)
        for org_id, served in self.intermediaries:
            yield self._org(org_id, f"Solidarity Fund {org_id}", OrgKind.INTERMEDIARY, served[0],
                            registration_number=f"INT/{org_id:06d}", legal_name=None,
                            contact_details=texts.contact(rng), serves_countries=served,
                            accepts_routed_applications=True,
                            themes=rng.sample(texts.THEMES, 2), is_verified=True)

    def _org(self, org_id, name, kind, country, **values) -> dict:
        opted = self.rng.random() < 0.1
        return {"id": org_id, "name": name, "kind": kind, "country": country,
                "directory_opt_in": opted,
                "directory_blurb": texts.sentence(self.rng) if opted else None,
                "directory_contact": texts.contact(self.rng) if opted else None,
                "created_at": at(self.today - timedelta(days=self.rng.randint(30, 1800))),
                **values}

    def _user_rows(self):
        from grants.bench.commands import bench_totp_secret

        created = at(self.today - timedelta(days=900))
        common = {"password_hash": self.password_hash, "is_active": True,
                  "preferred_language": "en", "created_at": created,
                  "password_changed_at": created, "totp_last_step": 0, "email": None}
        for name, role in STAFF:
            yield {**common, "id": self.staff[name], "username": name, "role": role,
                   "totp_secret": bench_totp_secret(name), "totp_enabled": True}
        inter = {org_id for org_id, _c in self.intermediaries}
        for org_id, uid in self.owner.items():
            role = Role.INTERMEDIARY if org_id in inter else Role.APPLICANT
            name = f"{PREFIX}intermediary-{org_id}" if role == Role.INTERMEDIARY \
                else f"{PREFIX}owner-{org_id}"
            yield {**common, "id": uid, "username": name, "role": role,
                   "totp_secret": bench_totp_secret(name) if role.is_staff else None,
                   "totp_enabled": role.is_staff}

    # Funds and calls ------------------------------------------------------------------------

    FUNDS = [("Bench Protection Fund", "USD", True), ("Bench Core Support Fund", "EUR", False),
             ("Bench Convening Fund", "USD", False), ("Bench Rapid Response Fund", "USD", True),
             ("Bench Regranting Fund", "USD", False)]

    def funds_and_calls(self) -> None:
        self.insert(Fund, ({"id": i, "name": name, "currency": cur, "is_protection": prot,
                            "envelope_minor": 500_000_000_00, "description": texts.sentence(
                                self.rng), "accepts_donations": prot, "is_active": True,
                            "rapid_response_target_hours": 72,
                            "created_at": at(self.today - timedelta(days=2000))}
                           for i, (name, cur, prot) in enumerate(self.FUNDS, 1)))
        self.calls = [self._call(i) for i in range(1, self.plan.calls + 1)]
        self.insert(Call, (c["row"] for c in self.calls))
        self.insert(CallText, self._call_texts())
        self.insert(CallQuestion, self._call_questions())

    def _call(self, i: int) -> dict:
        rng, now = self.rng, at(self.today)
        kind = ([CallType.OPEN, CallType.RAPID_RESPONSE, CallType.CONVENING]
                [i - 1] if i <= 3 else rng.choices(list(CallType), weights=[45, 10, 10, 20, 15])[0])
        status = CallStatus.OPEN if i <= 3 or rng.random() < 0.3 else (
            CallStatus.DRAFT if rng.random() < 0.03 else CallStatus.CLOSED)
        fund = {CallType.CORE_SUPPORT: 2, CallType.CONVENING: 3, CallType.RAPID_RESPONSE: 4}.get(
            kind, 1)
        currency = self.FUNDS[fund - 1][1]
        rolling = kind in (CallType.ROLLING, CallType.CONVENING, CallType.RAPID_RESPONSE)
        opens = now - timedelta(days=rng.randint(10, 60) if status == CallStatus.OPEN
                                else rng.randint(200, 1500))
        closes = None if rolling and status != CallStatus.CLOSED else (
            now + timedelta(days=rng.randint(10, 90)) if status != CallStatus.CLOSED
            else opens + timedelta(days=rng.randint(30, 120)))
        languages = ["en"] + rng.sample(texts.LANGUAGES, rng.randint(0, 2))
        questions = [] if kind == CallType.RAPID_RESPONSE else rng.sample(
            texts.QUESTIONS, rng.randint(3, 5))
        row = {"id": i, "fund_id": fund, "call_type": kind, "status": status,
               "languages": languages, "opens_at": opens, "closes_at": closes,
               "currency": currency, "amount_min_minor": 100_000,
               "amount_max_minor": 9_000_000 if kind == CallType.CORE_SUPPORT else 2_500_000,
               "allow_registered": True, "allow_unregistered": True, "allow_individuals": True,
               "allow_intermediary_route": rng.random() < 0.3,
               "min_protection_share_bp": rng.choice([0, 500, 1000]),
               "min_psychosocial_share_bp": rng.choice([0, 500]), "attachments_required": 0,
               "allow_reused_proposal": True,
               "max_years": 3 if kind == CallType.CORE_SUPPORT else rng.choice([1, 1, 2]),
               "review_criteria": [], "intermediary_id": None, "regranting_award_id": None,
               "created_by_id": self.officers[0], "created_at": opens - timedelta(days=7)}
        return {"row": row, "questions": questions,
                "open": status == CallStatus.OPEN, "kind": kind}

    def _call_texts(self):
        n = 0
        for c in self.calls:
            for lang in c["row"]["languages"]:
                n += 1
                yield {"id": n, "call_id": c["row"]["id"], "language": lang,
                       "title": texts.call_title(self.rng, c["kind"], c["row"]["id"]),
                       "description": texts.paragraph(self.rng, 4)}

    def _call_questions(self):
        n = 0
        for c in self.calls:
            c["question_ids"] = []
            for pos, (key, prompt, limit) in enumerate(c["questions"], 1):
                n += 1
                c["question_ids"].append(n)
                yield {"id": n, "call_id": c["row"]["id"], "position": pos, "bank_key": key,
                       "prompts": {"en": prompt}, "word_limit": limit, "required": True,
                       "sensitive": key in ("risks", "safe_contact"),
                       "replaceable": key in ("mission", "activities")}

    # Applications ---------------------------------------------------------------------------

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
        rng, now = self.rng, at(self.today)
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
                       "updated_at": at(self.today)}

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
                       "created_at": when or at(self.today - timedelta(days=1))}

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
