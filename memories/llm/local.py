"""`local`: deterministic rules over the user's first-person statements; nothing leaves the
process. The rules themselves are in `local_rules.py`."""

from __future__ import annotations

import re
from collections.abc import Sequence

from .local_rules import LOCAL_RULES, SLOTS, Rule
from .schema import (
    SINGLE_VALUED_SLOTS,
    Action,
    Candidate,
    Decision,
    Message,
    Related,
    is_count,
    normalise,
)

_NAMING = re.compile(r"\b(?:call|called|named|name)\b", re.IGNORECASE)

_TIME_SUFFIX = re.compile(
    r"(?:\s*,)?\s+(?:(?:last|this|next)\s+(?:week|month|year|summer|winter|spring|autumn|fall)"
    r"|recently|lately|now|nowadays|currently|yesterday|today|already|again|too|as\s+well"
    r"|a\s+lot|so\s+much|very\s+much|anymore|any\s+more|actually|though"
    r"|(?:a|an|one|two|three|a\s+few|few|a\s+couple\s+of|several|\d+)\s+"
    r"(?:days?|weeks?|months?|years?)\s+ago|in\s+\d{4}|since\s+.+|for\s+(?:a|an|\d+|many|a\s+few"
    r"|several|two|three)\s+(?:days?|weeks?|months?|years?).*|with\s+my\s+.+)$",
    re.IGNORECASE,
)
_ITEM_SEPARATOR = re.compile(r"\s*,\s*(?:and\s+|or\s+)?|\s+(?:and|or|&)\s+", re.IGNORECASE)
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+|[\n;]+")
_CLAUSE_BREAK = re.compile(
    r"\s*(?:,\s*)?(?:\b(?:and|but|so|plus|also)\b\s+|,\s+)(?=(?:i|i'm|i've|i'd|my)\b)",
    re.IGNORECASE,
)
_LEADING_FILLER = re.compile(
    r"^(?:(?:actually|well|oh|also|so|and|but|btw|by\s+the\s+way|anyway|yes|yeah|ok|okay|"
    r"hey|um|now|these\s+days|fun\s+fact)\b[,:!]?\s*)+",
    re.IGNORECASE,
)
_SMALL_WORDS = frozenset({"of", "the", "de", "da", "do", "upon", "on", "and", "la", "le", "del"})


def _strip_suffixes(value: str) -> str:
    value = value.strip(" \t\"'`.!?,:")
    while True:
        shorter = _TIME_SUFFIX.sub("", value).strip(" \t\"'`.!?,:")
        if shorter == value:
            return value
        value = shorter


def _plausible(value: str) -> bool:
    return 0 < len(value) <= 80 and len(value.split()) <= 8


def _capitalised(value: str) -> str:
    if value != value.lower():
        return value
    return " ".join(
        word if i and word in _SMALL_WORDS else word[:1].upper() + word[1:]
        for i, word in enumerate(value.split())
    )


def _is_a_name(name: str, match: re.Match[str]) -> bool:
    """Names are capitalised, unless the user said outright that it is a name."""
    return not name or name[:1].isupper() or bool(_NAMING.search(match.group(0)))


def _values(rule: Rule, match: re.Match[str]) -> list[tuple[str, str]]:
    """(value, detail) pairs read from a match; empty when nothing plausible was said."""
    value = _strip_suffixes(match.groupdict().get("v") or "")
    detail = _strip_suffixes(match.groupdict().get("d") or "")
    if rule.negated and not value:
        return [("", detail)]  # "I quit my job": whatever fills the slot
    if rule.kind == "items":
        items = [_strip_suffixes(item) for item in _ITEM_SEPARATOR.split(value)]
        return [(item, "") for item in items if _plausible(item)]
    if rule.kind == "name":
        if not _is_a_name(value, match):
            return []
        value = _capitalised(value)
        if rule.slot == "partner":
            detail = detail.lower() or "partner"
    elif rule.kind == "proper":
        value = _capitalised(value)
    elif rule.kind == "named":
        value = value.lower()
        if is_count(detail):
            detail = detail.lower()
        elif _is_a_name(detail, match):
            detail = _capitalised(detail)
        else:
            return []
    return [(value, detail)] if _plausible(value) else []


def _clauses(text: str) -> list[str]:
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    clauses = []
    for sentence in _SENTENCE_BREAK.split(text):
        parts = _CLAUSE_BREAK.split(sentence)
        clauses += [_LEADING_FILLER.sub("", part.strip(" \t.!?,")) for part in parts]
    return [clause for clause in clauses if clause]


def _candidates_in(clause: str, message_index: int) -> list[Candidate]:
    for rule in LOCAL_RULES:
        match = rule.pattern.match(clause)
        if match is None:
            continue
        spec = SLOTS[rule.slot]
        return [
            Candidate(
                content=spec.phrase(value, detail, rule.verb or "likes").strip(),
                tier=spec.tier,
                importance=spec.importance,
                slot=rule.slot,  # type: ignore[arg-type]
                value=value,
                detail=detail,
                negated=rule.negated,
                message_index=message_index,
            )
            for value, detail in _values(rule, match)
        ]
    return []


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
            for clause in _clauses(message["content"]):
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
