"""The blind corpus's scorer: keywords held loosely, whose fact it is, old facts kept current."""

from tests.memories.memory_scoring import Extracted, Memory, Said, about, judge

GLUTEN = Memory("User can't eat gluten", ("gluten",))
DENTIST = Memory("User's wife is a dentist", ("dentist",), about="wife")
MOVE = Said(
    "I used to live in Madrid, but now I'm in Lisbon",
    (Memory("User lives in Lisbon", ("Lisbon",)),),
    ("User lives in Madrid",),
)


def _memory(content: str, slot: str = "other", negated: bool = False) -> Extracted:
    return Extracted(content, slot, negated)


def test_keywords_match_whatever_the_case_plural_apostrophe_or_hyphen():
    said = Said("x", (Memory("User plays Board-Games", ("board games", "user's")),))
    judged = judge(said, [_memory("user plays board game")])
    assert (len(judged.found), judged.missed, judged.false) == (1, (), ())


def test_a_memory_without_every_keyword_is_false_and_the_label_missed():
    said = Said("x", (Memory("User plays the cello", ("cello", "years")),))
    judged = judge(said, [_memory("User plays the cello")])
    assert (len(judged.false), judged.missed) == (1, said.memories)


def test_a_fact_about_the_spouse_is_not_the_users():
    said = Said("My wife is a dentist", (DENTIST,))
    assert judge(said, [_memory("User works as a dentist", "occupation")]).missed == (DENTIST,)
    assert judge(said, [_memory("User's wife is a dentist")]).found[0][0] == DENTIST


def test_whose_fact_comes_after_users_with_one_modifier():
    assert about("User's older brother lives in Oslo") == "brother"
    assert about("User's name is Ana") == "user"
    assert about("User's sister-in-law is a pilot", ["sister in law"]) == "sister in law"
    assert about("User has a sister") == "user"


def test_a_label_said_twice_counts_the_second_as_false():
    judged = judge(Said("x", (GLUTEN,)), [_memory("User can't eat gluten")] * 2)
    assert (len(judged.found), len(judged.false)) == (1, 1)


def test_the_old_fact_kept_as_current_is_a_violation():
    kept = judge(MOVE, [_memory("User lives in Lisbon"), _memory("User lives in Madrid")])
    assert [old for old, _ in kept.violations] == ["User lives in Madrid"]


def test_the_old_fact_marked_as_past_or_retracted_is_no_violation():
    past = judge(MOVE, [_memory("User lives in Lisbon"), _memory("User used to live in Madrid")])
    retracted = judge(MOVE, [_memory("User lives in Madrid", "home_location", negated=True)])
    assert (past.violations, len(past.found)) == ((), 1)
    assert (retracted.violations, retracted.retractions, retracted.false) == ((), 1, ())
