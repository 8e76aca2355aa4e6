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

from bench.app import texts
from bench.app.datagen_apps import ApplicationsMixin
from bench.app.fastinsert import Writer
from grants import usernames
from grants.models import (
    Call,
    CallQuestion,
    CallStatus,
    CallText,
    CallType,
    Fund,
    MemberRole,
    Membership,
    Organisation,
    OrgKind,
    Role,
    User,
)

BATCH = 5000
PREFIX = "bench-"  # every account the generator makes; others mean real data
STAFF = [("bench-admin", Role.ADMIN)] + [(f"bench-officer-{i}", Role.OFFICER)
                                           for i in range(1, 6)] + [
    (f"bench-reviewer-{i}", Role.REVIEWER) for i in range(1, 4)]


def _named(name: str) -> dict:
    """A user row's name with the forms log-in and the look-alike check compare (the rows
    are written without the model, whose validator derives them)."""
    return {"username": name, "username_key": usernames.key(name),
            "username_skeleton": usernames.skeleton(name)}


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
class Generator(ApplicationsMixin):
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
        from bench.app import datagen_awards

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
        from bench.app.commands import bench_totp_secret

        created = at(self.today - timedelta(days=900))
        common = {"password_hash": self.password_hash, "is_active": True,
                  "preferred_language": "en", "created_at": created,
                  "password_changed_at": created, "totp_last_step": 0, "email": None}
        for name, role in STAFF:
            yield {**common, "id": self.staff[name], **_named(name), "role": role,
                   "totp_secret": bench_totp_secret(name), "totp_enabled": True}
        inter = {org_id for org_id, _c in self.intermediaries}
        for org_id, uid in self.owner.items():
            role = Role.INTERMEDIARY if org_id in inter else Role.APPLICANT
            name = f"{PREFIX}intermediary-{org_id}" if role == Role.INTERMEDIARY \
                else f"{PREFIX}owner-{org_id}"
            # Every group's owner gave an address (a made-up one, example.org), so that a
            # message from an officer writes a notice into the outbox (bench/jobs.py).
            yield {**common, "id": uid, **_named(name), "role": role,
                   "email": f"{name}@example.org",
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
