"""`local`: deterministic rules over the user's first-person statements; nothing leaves the
process. Messages are cut into clauses in `local_text.py`, read by the rules in `local_rules.py`
into values checked in `local_values.py`."""

from __future__ import annotations

from collections.abc import Sequence

from .local_general import general_candidate, past_as_retraction
from .local_patterns import Rule
from .local_rules import LOCAL_RULES, MENTIONS, SLOTS
from .local_text import Clause, clauses
from .local_values import read
from .schema import (
    SINGLE_VALUED_SLOTS,
    Action,
    Candidate,
    Decision,
    Message,
    Related,
    normalise,
)


def _candidates_in(clause: Clause, message_index: int) -> list[Candidate]:
    """What a clause mentions in passing ("my wife Ana"), then what the first rule reads; else
    the old fact of "I used to ..." retracted where a rule knows its slot; else the general
    path's memory."""
    found = [
        _candidate(rule, fact, message_index)
        for rule in MENTIONS
        for match in rule.pattern.finditer(clause.text)
        for fact in read(rule, match)
    ]
    read_by_rules, refused = _read_by_rules(clause.text, message_index)
    if read_by_rules:
        return found + read_by_rules
    past = past_as_retraction(clause.text)
    if past is not None:
        return found + [c for c in _read_by_rules(past, message_index)[0] if c.negated]
    general = None if refused else general_candidate(clause.said, message_index)
    return found + ([general] if general else [])


_JOKED_ABOUT = frozenset({"allergies", "home_location"})


def _read_by_rules(clause: str, message_index: int) -> tuple[list[Candidate], bool]:
    """The first rule's reading, and whether an allergy or a home rule refused what it matched
    ("allergic to Mondays", "I live in hope"): a joke, which the general path does not take."""
    refused = False
    for rule in LOCAL_RULES:
        match = rule.pattern.match(clause)
        facts = read(rule, match) if match else []
        if facts:
            return [_candidate(rule, fact, message_index) for fact in facts], False
        refused = refused or bool(match and rule.slot in _JOKED_ABOUT and not rule.negated)
    return [], refused


def _candidate(rule: Rule, fact: tuple[str, str, str], message_index: int) -> Candidate:
    slot, value, detail = fact
    spec = SLOTS[slot]
    verb = rule.verb if slot == rule.slot else ""
    return Candidate(
        content=spec.phrase(value, detail, verb or "likes").strip(),
        tier=spec.tier,
        importance=spec.importance,
        slot=slot,  # type: ignore[arg-type]
        value=value,
        detail=detail,
        negated=rule.negated and slot == rule.slot,
        message_index=message_index,
    )


def _identity(candidate: Candidate) -> str:
    return candidate.key or f"content:{normalise(candidate.content)}"


def _latest_wins(candidates: list[Candidate]) -> list[Candidate]:
    """Within one conversation a later statement about the same thing supersedes an earlier one."""
    kept: dict[str, Candidate] = {}
    for candidate in candidates:
        if candidate.negated:
            kept = {k: c for k, c in kept.items() if c.negated or not _retracts(candidate, c)}
            identity = f"not:{_identity(candidate)}:{normalise(candidate.value)}"
        else:
            kept = {k: c for k, c in kept.items() if not (c.negated and _retracts(c, candidate))}
            identity = _identity(candidate)
        kept.pop(identity, None)
        kept[identity] = candidate
    return list(kept.values())


def _retracts(negation: Candidate, fact: Candidate | Related) -> bool:
    if fact.slot != negation.slot or negation.key is None or fact.key is None:
        return False
    if fact.key != negation.key and not fact.key.startswith(f"{negation.key}:"):
        return False
    if negation.slot in SINGLE_VALUED_SLOTS and negation.value:
        return normalise(fact.value) == normalise(negation.value)
    return True


class LocalProvider:
    """Deterministic rules: nothing leaves the process."""

    def extract(self, *, messages: Sequence[Message]) -> list[Candidate]:
        found: list[Candidate] = []
        for index, message in enumerate(messages):
            if message["role"] != "user":
                continue
            for clause in clauses(message["content"]):
                found += _candidates_in(clause, index)
        return _latest_wins(found)

    def decide(
        self, *, candidates: Sequence[Candidate], related: Sequence[Sequence[Related]]
    ) -> list[Decision]:
        decisions = []
        for index, (candidate, memories) in enumerate(zip(candidates, related, strict=True)):
            action, targets = _local_action(candidate, list(memories))
            decisions.append(
                Decision(candidate=index, action=action, target_ids=[m.id for m in targets])
            )
        return decisions


def _local_action(candidate: Candidate, related: list[Related]) -> tuple[Action, list[Related]]:
    if candidate.negated:
        retracted = [memory for memory in related if _retracts(candidate, memory)]
        return ("DELETE", retracted) if retracted else ("NOOP", [])
    text = normalise(candidate.content)
    if any(normalise(memory.content) == text for memory in related):
        return "NOOP", []
    key = candidate.key
    if key is None:
        return "ADD", []
    keyed = [(memory.key, memory) for memory in related if memory.key]
    if any(other.startswith(f"{key}:") for other, _ in keyed):
        return "NOOP", []  # already known in more detail
    same = [memory for other, memory in keyed if other == key]
    if len(same) == 1 and _same_fact(candidate, same[0]):
        return "UPDATE", same
    broader = [memory for other, memory in keyed if key.startswith(f"{other}:")]
    if not same and len(broader) == 1:
        return "UPDATE", broader
    replaced = same + broader
    return ("DELETE", replaced) if replaced else ("ADD", [])


def _same_fact(candidate: Candidate, memory: Related) -> bool:
    """The same slot holding the same value: only the wording differs."""
    return (
        memory.slot == candidate.slot
        and normalise(memory.value) == normalise(candidate.value)
        and normalise(memory.detail) == normalise(candidate.detail)
    )
