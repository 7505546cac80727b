"""What the `openai` provider is asked. The answers' shapes are the pydantic models in schema.py."""

from __future__ import annotations

import json
from collections.abc import Sequence

from .schema import Candidate, Message, Related

EXTRACTION_SYSTEM = """\
You maintain the long-term memory of an AI companion about one person, "the user".
Read the conversation and list the facts about the user worth remembering: identity, home,
work, family and partner, pets, likes and dislikes, favourites, allergies and health, diet, goals.

Rules:
- Only facts the user states in their own messages (role "user"). Assistant and system
  messages are context: never take a fact from them, even if the user seems to agree.
- One fact per item, third person and self-contained: "User lives in Lisbon", "User has a dog
  named Bolt", "User loves hiking". Never merge two facts into one item.
- slot: the attribute the fact fills (use "other" when none fits). value: the slot's value
  (the city, the employer, the liked thing; for pets the species, for family the relation, for
  favourites the category). detail: the pet's or relative's name, the favourite thing, or a
  count; "" otherwise.
- When the user says something no longer holds ("I don't like X anymore", "I no longer work at
  Y"), add the fact that no longer holds with negated=true.
- A later statement supersedes an earlier one about the same thing; list only the latest.
- tier: "core" for identity, home, partner, allergies and other safety facts; "short_term" for
  plans and states that will soon stop being true; "long_term" otherwise.
- importance: 0 to 1, how much forgetting it would hurt the companion's usefulness.
- message_index: the index of the user message that states the fact.
- Ignore small talk, questions and opinions about the assistant. An empty list is fine.
"""

DECISION_SYSTEM = """\
You keep a person's memory consistent. For each new candidate fact you see the user's existing
memories related to it (with their ids). Decide one action per candidate:
- ADD: the fact is new; store it.
- UPDATE: the fact refines or rewords exactly one existing memory about the same thing (more
  detail, same truth); target_ids is that one id.
- DELETE: the fact contradicts existing memories (a new home, a new employer, a like that is
  now a dislike), or the candidate is negated and retracts them; target_ids are the memories
  that stop being true. A non-negated candidate is stored in their place.
- NOOP: the fact is already known, or a negated candidate retracts nothing.
Only use ids shown for that candidate. Answer one decision per candidate index.
"""


def _conversation(messages: Sequence[Message]) -> str:
    return json.dumps(
        [
            {"index": index, "role": message["role"], "content": message["content"]}
            for index, message in enumerate(messages)
        ],
        ensure_ascii=False,
        indent=1,
    )


def extraction_prompt(messages: Sequence[Message]) -> list[tuple[str, str]]:
    return [
        ("system", EXTRACTION_SYSTEM),
        ("human", f"Conversation (JSON):\n{_conversation(messages)}"),
    ]


def decision_prompt(
    candidates: Sequence[Candidate], related: Sequence[Sequence[Related]]
) -> list[tuple[str, str]]:
    items = [
        {
            "index": index,
            "candidate": candidate.model_dump(
                include={"content", "slot", "value", "detail", "negated"}
            ),
            "existing": [
                memory.model_dump(include={"id", "content", "slot", "value", "detail"})
                for memory in shown
            ],
        }
        for index, (candidate, shown) in enumerate(zip(candidates, related, strict=True))
    ]
    return [
        ("system", DECISION_SYSTEM),
        ("human", f"Candidates (JSON):\n{json.dumps(items, ensure_ascii=False, indent=1)}"),
    ]
