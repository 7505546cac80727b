"""What the local provider extracts from chat-style utterances, and how fast.

    .venv/bin/python -m bench.extraction [--corpus PATH ...] [--rounds 20] [--quiet]

Runs the `local` provider over the labelled corpora, one utterance per conversation, as written,
with its role, and prints for each the corpus size, the figures and the mean extraction time per
message over `--rounds` passes, then every missed label and every false memory (unless
`--quiet`). By default every corpus in tests/memories/ that exists:

- extraction_corpus.jsonl, the main one, and extraction_holdout.jsonl, written after the rules
  and never tuned on, label slot facts: precision and recall per slot (the slot `other` row is
  the general path, which no slot label can match), overall, and overall for slot facts only
  (without the general path's memories; tests/memories/extraction_scoring.py);
- extraction_blind.jsonl, written blind (only the memory format shown), labels memories by
  keywords and whose they are: precision and recall overall, by whose fact, by the slot of what
  was extracted (`other`: the general path), old facts kept current (counted as false) and
  retractions (tests/memories/memory_scoring.py).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from pathlib import Path

from memories.llm import LocalProvider
from tests.memories.extraction_scoring import CORPUS, Fact, Tally, facts_of, load_corpus
from tests.memories.extraction_scoring import score_corpus as score_slots
from tests.memories.memory_scoring import (
    BLIND_CORPUS,
    BlindScore,
    Extracted,
    extracted_of,
    load_blind,
    score_blind,
)

CORPORA = (CORPUS, CORPUS.with_name("extraction_holdout.jsonl"), BLIND_CORPUS)


def extract(messages: list[dict[str, str]]) -> list[Fact]:
    return facts_of(LocalProvider().extract(messages=messages))  # type: ignore[arg-type]


def extract_slot_facts(messages: list[dict[str, str]]) -> list[Fact]:
    return [fact for fact in extract(messages) if fact.slot != "other"]


def extract_memories(messages: list[dict[str, str]]) -> list[Extracted]:
    return extracted_of(LocalProvider().extract(messages=messages))  # type: ignore[arg-type]


def ms_per_message(messages: Sequence[list[dict[str, str]]], rounds: int) -> float:
    provider = LocalProvider()
    started = time.perf_counter()
    for _ in range(rounds):
        for conversation in messages:
            provider.extract(messages=conversation)  # type: ignore[arg-type]
    return (time.perf_counter() - started) * 1000 / (rounds * len(messages))


def print_table(title: str, rows: list[tuple[str, Tally]]) -> None:
    print(f"{title:<14} {'labels':>6} {'found':>6} {'false':>6} {'precision':>9} {'recall':>7}")
    for name, tally in rows:
        labels = tally.found + tally.missed
        print(
            f"{name:<14} {labels:>6} {tally.found:>6} {tally.false:>6} "
            f"{tally.precision:>9.3f} {tally.recall:>7.3f}"
        )


def print_errors(title: str, errors: list[tuple[str, str]]) -> None:
    print(f"\n{title} ({len(errors)}):")
    for what, text in errors:
        print(f"  {what:<45} <- {text}")


def run_slots(path: Path, quiet: bool) -> list[list[dict[str, str]]]:
    corpus = load_corpus(path)
    result = score_slots(extract, corpus)
    labels = sum(len(u.facts) for u in corpus)
    empty = sum(not u.facts for u in corpus)
    print(
        f"corpus {path.name}: {len(corpus)} utterances, {labels} labelled facts, {empty} with none"
    )
    slot_facts = score_slots(extract_slot_facts, corpus).overall
    print_table("slot", [*sorted(result.slots.items()), ("overall", result.overall)])
    print_table("slot facts", [("overall", slot_facts)])
    if not quiet:
        print_errors("missed", [(str(f), f"[{u.role}] {u.text}") for u, f in result.misses])
        print_errors(
            "false facts", [(str(f), f"[{u.role}] {u.text}") for u, f in result.false_facts]
        )
    return [u.messages for u in corpus]


def run_blind(path: Path, quiet: bool) -> list[list[dict[str, str]]]:
    corpus = load_blind(path)
    result = score_blind(extract_memories, corpus)
    labels = sum(len(s.memories) for s in corpus)
    empty = sum(not s.memories for s in corpus)
    print(f"corpus {path.name}: {len(corpus)} utterances, {labels} labelled memories, ", end="")
    print(f"{empty} with none")
    print_table("whose", [*sorted(result.people.items()), ("overall", result.overall)])
    print_table("\nextracted by", sorted(result.slots.items()))
    print(f"\nold facts kept current: {result.violations}; retractions: {result.retractions}")
    if not quiet:
        print_blind_errors(result)
    return [s.messages for s in corpus]


def print_blind_errors(result: BlindScore) -> None:
    judged = result.judged
    print_errors("missed", [(m.content, j.said.text) for j in judged for m in j.missed])
    false = [(f"{m.content} [{m.slot}]", j.said.text) for j in judged for m in j.false]
    print_errors("false memories", false)
    kept = [(f"{m.content} (was: {old})", j.said.text) for j in judged for old, m in j.violations]
    print_errors("old facts kept current", kept)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, action="append", help="default: every corpus")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--quiet", action="store_true", help="figures only, no error lists")
    args = parser.parse_args()
    for path in args.corpus or [path for path in CORPORA if path.exists()]:
        run = run_blind if _is_blind(path) else run_slots
        messages = run(path, args.quiet)
        print(f"\nextraction: {ms_per_message(messages, args.rounds):.3f} ms per message (mean)\n")


def _is_blind(path: Path) -> bool:
    first = next(line for line in path.read_text().splitlines() if line.strip())
    return "memories" in json.loads(first)


if __name__ == "__main__":
    main()
