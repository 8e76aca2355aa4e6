"""A draft call's questions: add one from the bank or the officer's own, remove one, move
one up or down. Only a draft's questions change: applicants answer an open call's."""

from __future__ import annotations

from grants.applications.calls import question_bank
from grants.applications.calls.display import language_name
from grants.applications.calls.display import translate as _
from grants.errors import ServiceError
from grants.extensions import db
from grants.models import Call, CallQuestion, CallStatus, User
from grants.security import audit

MAX_WORD_LIMIT = 1000
PROMPT_MAX = 1000


def questions_locked(call: Call) -> str | None:
    """Why the call's questions cannot change now, or None while it is a draft."""
    if call.status == CallStatus.DRAFT:
        return None
    if call.status == CallStatus.OPEN:
        return _("The questions cannot change: this call is open, and applicants may "
                 "already be answering them. Questions can only change while a call is a "
                 "draft.")
    return _("The questions cannot change: this call has been open, and applications "
             "answer them. Questions can only change while a call is a draft.")


def lock(call: Call) -> None:
    """Re-read the call under a row lock (PostgreSQL) so that two officers editing its
    questions, or one opening it meanwhile, take turns; SQLite has a single writer."""
    db.session.refresh(call, with_for_update=True)
    db.session.expire(call, ["questions"])


def _require_draft(call: Call) -> None:
    lock(call)
    reason = questions_locked(call)
    if reason:
        raise ServiceError(reason)


def add_bank_question(actor: User, call: Call, key: str, *, word_limit: int | None = None,
                      required: bool = True, prompts: dict[str, str] | None = None
                      ) -> CallQuestion:
    """Add a question from the bank; `prompts` may reword it in any of the call's languages."""
    _require_draft(call)
    entry = question_bank.get(key)
    if entry is None:
        raise ServiceError(_("Choose a question from the list."), "key")
    if entry.on_first_step:
        raise ServiceError(_("Every application already answers this on its first step; a "
                             "call does not ask it again."), "key")
    if any(q.bank_key == key for q in call.questions):
        raise ServiceError(_("The call already asks this question."), "key")
    # Only the officer's rewordings are stored: the bank's own wording is said in the
    # reader's language when shown (see question_wording).
    wording = {code: text for code, text in _clean_prompts(call, prompts or {}).items()
               if text != entry.wording(code)}
    return _add(actor, call, bank_key=key, prompts=wording,
                word_limit=word_limit or entry.word_limit, required=required,
                sensitive=entry.sensitive, replaceable=entry.replaceable)


def add_custom_question(actor: User, call: Call, *, prompts: dict[str, str], word_limit: int,
                        required: bool = True, replaceable: bool = False,
                        sensitive: bool = False) -> CallQuestion:
    """Add a question the officer wrote; it needs a prompt in the call's main language."""
    _require_draft(call)
    wording = _clean_prompts(call, prompts)
    main = call.languages[0]
    if not wording.get(main):
        raise ServiceError(_("Write the question in %(language)s, the call's main language.",
                             language=language_name(main)), f"prompt_{main}")
    return _add(actor, call, bank_key=question_bank.CUSTOM, prompts=wording,
                word_limit=word_limit, required=required, sensitive=sensitive,
                replaceable=replaceable)


def _clean_prompts(call: Call, prompts: dict[str, str]) -> dict[str, str]:
    out = {}
    for code, text in prompts.items():
        text = (text or "").strip()
        if not text:
            continue
        if code not in call.languages:
            raise ServiceError(_("The call is not published in that language."))
        if len(text) > PROMPT_MAX:
            raise ServiceError(_("Keep the question under %(n)d characters.", n=PROMPT_MAX),
                               f"prompt_{code}")
        out[code] = text
    return out


def _add(actor: User, call: Call, *, word_limit: int, **fields) -> CallQuestion:
    if not isinstance(word_limit, int) or not 1 <= word_limit <= MAX_WORD_LIMIT:
        raise ServiceError(_("Enter a word limit from 1 to %(n)d.", n=MAX_WORD_LIMIT),
                           "word_limit")
    position = max((q.position for q in call.questions), default=0) + 1
    question = CallQuestion(position=position, word_limit=word_limit, **fields)
    call.questions.append(question)
    db.session.flush()
    audit.record(actor, "call.question_added", call, question_id=question.id,
                 bank_key=question.bank_key, position=position, word_limit=word_limit)
    return question


def remove_question(actor: User, call: Call, question: CallQuestion) -> None:
    """Remove a question; the others keep their order, numbered 1..n."""
    _require_draft(call)
    qid, key = question.id, question.bank_key
    call.questions.remove(question)  # delete-orphan
    db.session.flush()
    _renumber(call, sorted(call.questions, key=lambda q: q.position))
    audit.record(actor, "call.question_removed", call, question_id=qid, bank_key=key)


def move_question(actor: User, call: Call, question: CallQuestion, direction: str) -> None:
    """Move a question one place up or down (no-op at either end)."""
    _require_draft(call)
    if direction not in ("up", "down"):
        raise ServiceError(_("Choose up or down."))
    order = sorted(call.questions, key=lambda q: q.position)
    i = order.index(question)
    j = i - 1 if direction == "up" else i + 1
    if not 0 <= j < len(order):
        return
    order[i], order[j] = order[j], order[i]
    _renumber(call, order)
    audit.record(actor, "call.question_moved", call, question_id=question.id,
                 direction=direction, position=question.position)


def _renumber(call: Call, order: list[CallQuestion]) -> None:
    """Number `order` 1..n. Two flushed passes keep (call_id, position) unique throughout."""
    for i, q in enumerate(order, start=1):
        q.position = -i
    db.session.flush()
    for i, q in enumerate(order, start=1):
        q.position = i
    db.session.flush()
    db.session.expire(call, ["questions"])
