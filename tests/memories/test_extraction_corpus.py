"""The local provider on the labelled chat corpus: few invented facts, most stated facts found.

The corpus labels slot facts; the general path's memories (slot `other`) are no slot fact and
are measured on the blind corpus (test_general_extraction.py)."""

from memories.llm import LocalProvider
from tests.memories.extraction_scoring import Fact, facts_of, load_corpus, score_corpus

PRECISION_TARGET = 0.98
RECALL_TARGET = 0.97
SLOT_RECALL_TARGET = 0.80
ISSUE_SENTENCES = (
    "Big news: I moved to Porto last month.",
    "Hey, I'm Tomasz and I live in Krakow.",
    "We relocated to Bergen in spring.",
    "We adopted a dog named Rex.",
    "My goal this year is to run a half marathon.",
)


def _extract(messages: list[dict[str, str]]) -> list[Fact]:
    candidates = LocalProvider().extract(messages=messages)  # type: ignore[arg-type]
    return facts_of(c for c in candidates if c.slot != "other")


def test_the_corpus_is_large_and_holds_the_sentences_that_failed():
    corpus = load_corpus()
    users = {u.text for u in corpus if u.role == "user"}
    assert len(corpus) >= 320
    assert set(ISSUE_SENTENCES) <= users


def test_local_extraction_meets_the_precision_and_recall_targets():
    result = score_corpus(_extract, load_corpus())
    slow_slots = {
        s: round(t.recall, 3) for s, t in result.slots.items() if t.recall < SLOT_RECALL_TARGET
    }
    false = [f"{fact} <- {u.text}" for u, fact in result.false_facts]
    missed = [f"{fact} <- {u.text}" for u, fact in result.misses]
    assert result.overall.precision >= PRECISION_TARGET, false
    assert result.overall.recall >= RECALL_TARGET, missed
    assert not slow_slots, missed


def test_every_slot_is_labelled_at_least_twelve_times():
    labels = [fact.slot for u in load_corpus() for fact in u.facts]
    slots = {"name", "home_location", "employer", "occupation", "partner", "diet", "family",
             "pets", "likes", "dislikes", "favourites", "allergies", "health", "goals"}  # fmt: skip
    assert {slot: labels.count(slot) for slot in slots if labels.count(slot) < 12} == {}
