"""What the local provider extracts from chat-style utterances, and how fast.

    .venv/bin/python -m bench.extraction [--corpus PATH] [--rounds 20] [--quiet]

Runs the `local` provider over a labelled corpus (default tests/memories/extraction_corpus.jsonl;
tests/memories/extraction_holdout.jsonl was written after the rules and never tuned on), one
utterance per conversation, as written, with its role, matches the candidates to the labels (see
tests/memories/extraction_scoring.py) and prints precision and recall per slot and overall, the
corpus size, the mean extraction time per message over `--rounds` passes, and every missed label
and every false fact (unless `--quiet`).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from memories.llm import LocalProvider
from tests.memories.extraction_scoring import (
    CORPUS,
    Fact,
    Score,
    Utterance,
    facts_of,
    load_corpus,
    score_corpus,
)


def extract(messages: list[dict[str, str]]) -> list[Fact]:
    return facts_of(LocalProvider().extract(messages=messages))  # type: ignore[arg-type]


def ms_per_message(corpus: list[Utterance], rounds: int) -> float:
    provider = LocalProvider()
    started = time.perf_counter()
    for _ in range(rounds):
        for utterance in corpus:
            provider.extract(messages=utterance.messages)  # type: ignore[arg-type]
    return (time.perf_counter() - started) * 1000 / (rounds * len(corpus))


def print_table(result: Score) -> None:
    print(f"{'slot':<14} {'labels':>6} {'found':>6} {'false':>6} {'precision':>9} {'recall':>7}")
    rows = [*sorted(result.slots.items()), ("overall", result.overall)]
    for slot, tally in rows:
        labels = tally.found + tally.missed
        print(
            f"{slot:<14} {labels:>6} {tally.found:>6} {tally.false:>6} "
            f"{tally.precision:>9.3f} {tally.recall:>7.3f}"
        )


def print_errors(title: str, errors: list[tuple[Utterance, Fact]]) -> None:
    print(f"\n{title} ({len(errors)}):")
    for utterance, fact in errors:
        print(f"  {fact!s:<45} <- [{utterance.role}] {utterance.text}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--quiet", action="store_true", help="figures only, no error lists")
    args = parser.parse_args()
    corpus = load_corpus(args.corpus)
    result = score_corpus(extract, corpus)
    labels = sum(len(u.facts) for u in corpus)
    empty = sum(not u.facts for u in corpus)
    print(
        f"corpus {args.corpus.name}: {len(corpus)} utterances, {labels} labelled facts, "
        f"{empty} with none"
    )
    print_table(result)
    print(f"\nextraction: {ms_per_message(corpus, args.rounds):.3f} ms per message (mean)")
    if not args.quiet:
        print_errors("missed", result.misses)
        print_errors("false facts", result.false_facts)


if __name__ == "__main__":
    main()
