"""Words for the bench portfolio: plausible names, answers and budgets, made from small
vocabularies (no real people, groups or places finer than a country)."""

from __future__ import annotations

import random

from grants.models import BudgetCategory, CallType, OrgKind


def _words(text: str) -> list[str]:
    return text.split()


# About sixty countries where defenders are funded, ISO 3166-1 alpha-2.
COUNTRIES = _words(
    "AF AM AZ BD BF BI BO BR BY CD CM CO CU EC EG ET GE GH GN GT HN HT ID IN IQ IR KE KG KH KZ "
    "LB LK MA ML MM MX MZ NG NI NP PE PH PK PS PY RU RW SD SN SS SV SY TH TJ TR TZ UA UG VE VN "
    "YE ZW"
)
LANGUAGES = ["es", "fr", "pt", "ar", "ru", "sw"]
THEMES = ["land defenders", "LGBTIQ rights", "women human rights defenders", "journalists",
          "indigenous peoples", "environmental defenders", "labour rights"]
POPULATIONS = ["women", "lgbtiq", "indigenous", "minorities", "migrants_refugees",
               "disabilities", "young_people", "land_environment", "journalists", "lawyers"]
CRITERIA = ("Fit with the fund's purpose", "Need and urgency", "Feasibility",
            "Safety of the plan")
QUESTIONS = [
    ("mission", "What is your group's mission?", 150),
    ("activities", "What will you do with this support?", 300),
    ("who_you_work_with", "Who do you work with, and who benefits from your work?", 150),
    ("risks", "What risks do you face, and how do you manage them?", 200),
    ("safe_contact", "How and when can we reach you safely?", 60),
    ("custom", "What would change for your community in a year?", 150),
    ("custom", "Who else supports your work?", 100),
]
BUDGET_WORDS = {
    BudgetCategory.CORE_OPERATING: "Rent, salaries and running costs",
    BudgetCategory.PROGRAMME: "Community monitoring and documentation",
    BudgetCategory.PROTECTION_SECURITY: "Safe transport and a security audit",
    BudgetCategory.DIGITAL_SECURITY: "Devices, encryption training",
    BudgetCategory.IN_COUNTRY_PROTECTION: "Safe house in the country",
    BudgetCategory.PSYCHOSOCIAL: "Collective care sessions",
    BudgetCategory.CONVENING: "Travel and meeting costs",
    BudgetCategory.RELOCATION: "Temporary relocation",
    BudgetCategory.DEPENDANTS_SUPPORT: "Support for dependants",
    BudgetCategory.OTHER: "Other costs",
}
_WORDS = _words(
    "community river land rights defenders women youth network legal accompaniment "
    "documentation safety hearing village forest mining threats solidarity care training "
    "radio archive testimony court monitoring elders water health movement partners "
    "meeting collective resilience advocacy campaign protection wellbeing support"
)
_ADJ = ("Rivers", "Voices", "Roots", "Mountain", "Coastal", "Dawn", "Open", "Common", "Bridges",
        "Harvest", "Lantern", "Compass", "Seeds", "Tide", "Circle", "Horizon")
_NOUN = {OrgKind.REGISTERED_NGO: ("Foundation", "Association", "Centre", "Institute"),
         OrgKind.UNREGISTERED_GROUP: ("Collective", "Network", "Movement", "Circle"),
         OrgKind.INDIVIDUAL_DEFENDER: ("Defender", "Advocate", "Journalist", "Lawyer")}


def org_name(rng, kind: OrgKind, number: int) -> str:
    return f"{rng.choice(_ADJ)} {rng.choice(_NOUN[kind])} {number}"


def _make_sentence(rng, words: int) -> str:
    text = " ".join(rng.choice(_WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


# Drawn once: choosing from a pool is much cheaper than writing each sentence word by word.
_POOL = [_make_sentence(random.Random(n), 8 + n % 9) for n in range(997)]  # noqa: S311


def sentence(rng) -> str:
    return rng.choice(_POOL)


def paragraph(rng, sentences: int) -> str:
    return " ".join(rng.choices(_POOL, k=sentences))


def contact(rng) -> str:
    return f"Signal via partner, ask for {rng.choice(_ADJ).lower()} {rng.randint(10, 99)}"


def title(rng) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(4)).capitalize()


def call_title(rng, kind: CallType, number: int) -> str:
    label = {CallType.RAPID_RESPONSE: "Emergency protection grants",
             CallType.CONVENING: "Protection networks: convening grants",
             CallType.CORE_SUPPORT: "Movement core support",
             CallType.ROLLING: "Rolling small grants"}.get(kind, "Protection and resilience")
    return f"{label} {number}"


def budget_split(rng, kind: CallType, amount: int) -> list[tuple[BudgetCategory, int]]:
    """Three or four lines adding up to `amount`, always with a protection line (IV.8)
    and a psychosocial line (IV.10)."""
    main = {CallType.CORE_SUPPORT: BudgetCategory.CORE_OPERATING,
            CallType.CONVENING: BudgetCategory.CONVENING,
            CallType.RAPID_RESPONSE: BudgetCategory.IN_COUNTRY_PROTECTION}.get(
        kind, BudgetCategory.PROGRAMME)
    protection = rng.choice([BudgetCategory.PROTECTION_SECURITY,
                             BudgetCategory.DIGITAL_SECURITY,
                             BudgetCategory.IN_COUNTRY_PROTECTION])
    if protection == main:
        protection = BudgetCategory.PROTECTION_SECURITY
    shares = [(protection, 20), (BudgetCategory.PSYCHOSOCIAL, 10)]
    if rng.random() < 0.3:
        shares.append((BudgetCategory.OTHER, 5))
    lines = [(cat, amount * pct // 100) for cat, pct in shares]
    return [(main, amount - sum(p for _c, p in lines)), *lines]
