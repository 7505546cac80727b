"""An offline, deterministic companion: it says back what it remembers, word by word.

"User lives in Porto" and "User has a dog named Bolt" become "I remember you live in Porto and
have a dog named Bolt."
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator

from .schema import ChatPrompt, Chunk

NOTHING_YET = "I don't know much about you yet. Tell me about yourself!"
MAX_REMEMBERED = 4
_THIRD_PERSON = [
    (re.compile(r"^User's\b"), "your"),
    (re.compile(r"^User is\b"), "you are"),
    (re.compile(r"^User has\b"), "you have"),
    (re.compile(r"^User was\b"), "you were"),
]
_USER_VERB = re.compile(r"^User (\w+?)(e?s)\b")
_ES_VERBS = ("ch", "sh", "ss", "x", "o")


def _verb_base(verb: str, ending: str) -> str:
    if ending == "es" and not verb.endswith(_ES_VERBS):
        return verb + "e"  # "lives" is "liv" + "es"
    return verb


def second_person(fact: str) -> str:
    """A memory about "User", as said to the user."""
    for pattern, words in _THIRD_PERSON:
        if pattern.match(fact):
            return pattern.sub(words, fact, count=1)
    verb = _USER_VERB.match(fact)
    if verb:
        return f"you {_verb_base(verb.group(1), verb.group(2))}{fact[verb.end() :]}"
    return f"you told me: {fact}"


def _joined(clauses: list[str]) -> str:
    # "you live in Porto and have a dog": no second "you" after a clause that starts with one.
    parts = [clauses[0]]
    for previous, clause in itertools.pairwise(clauses):
        same_subject = previous.startswith("you ") and clause.startswith("you ")
        parts.append(clause[len("you ") :] if same_subject else clause)
    if len(parts) == 1:
        return parts[0]
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def local_answer(memories: list[str]) -> str:
    facts = [m.strip().rstrip(".") for m in memories if m.strip()][:MAX_REMEMBERED]
    if not facts:
        return NOTHING_YET
    return f"I remember {_joined([second_person(fact) for fact in facts])}."


class LocalChatModel:
    name = "local"

    def stream(self, prompt: ChatPrompt) -> Iterator[Chunk]:
        words = local_answer(prompt.memories).split(" ")
        for index, word in enumerate(words):
            yield Chunk(text=word if index == 0 else f" {word}")
