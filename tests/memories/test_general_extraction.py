"""The local provider's general path: durable statements beyond the slot rules' verbs, one
sentence that holds two times, other people's facts stored as theirs, and what is not stored."""

import pytest

from memories.llm import LocalProvider, Related
from tests.memories.memory_scoring import BLIND_CORPUS, load_blind


def _said(text: str) -> list[tuple[str, str, bool]]:
    candidates = LocalProvider().extract(messages=[{"role": "user", "content": text}])
    return [(c.slot, c.content, c.negated) for c in candidates]


@pytest.mark.parametrize(
    ("text", "content"),
    [
        ("I can't eat gluten, it makes me ill", "User can't eat gluten"),
        ("I've been learning the cello for years", "User has been learning the cello for years"),
        ("I work from home", "User works from home"),
        ("Honestly I never drink alcohol", "User never drinks alcohol"),
        ("I don't drive", "User doesn't drive"),
        ("I usually go running before work", "User usually goes running before work"),
        ("I speak three languages", "User speaks three languages"),
        ("i'm a night owl", "User is a night owl"),
        ("I'm Polish", "User is Polish"),
        ("I'm from Ghana originally", "User is from Ghana originally"),
        ("I grew up in Lagos", "User grew up in Lagos"),
        ("I'm terrified of spiders", "User is terrified of spiders"),
        ("I'm good at chess", "User is good at chess"),
        ("I'm in a band", "User is in a band"),
        ("I have a Tesla", "User has a Tesla"),
        ("I've lived here for ten years", "User has lived here for ten years"),
        ("I drive my kids to school", "User drives their kids to school"),
        ("On weekends I play golf", "User plays golf on weekends"),
        ("Been learning the piano for years", "User has been learning the piano for years"),
        ("can't eat shellfish, sadly", "User can't eat shellfish"),
        ("Every summer my parents rent a cabin", "User's parents rent a cabin every summer"),
    ],
)  # fmt: skip
def test_a_durable_statement_no_slot_knows_is_kept_in_the_third_person(text, content):
    assert _said(text) == [("other", content, False)]


@pytest.mark.parametrize(
    ("text", "content"),
    [
        ("My wife is a dentist", "User's wife is a dentist"),
        ("My wife is pregnant", "User's wife is pregnant"),
        ("My friend lives in Oslo", "User's friend lives in Oslo"),
        ("my son plays the violin", "User's son plays the violin"),
        ("My husband works from home", "User's husband works from home"),
        ("My mum passed away two years ago", "User's mum passed away two years ago"),
        ("my boss hates my jokes", "User's boss hates User's jokes"),
    ],
)
def test_a_fact_about_the_users_people_is_stored_as_theirs(text, content):
    assert _said(text) == [("other", content, False)]


def test_a_named_person_keeps_the_name_and_the_fact():
    assert _said("My husband, David, works nights") == [
        ("partner", "User's husband is David", False),
        ("other", "User's husband David works nights", False),
    ]


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("I used to live in Madrid, but now I live in Lisbon",
         [("home_location", "User lives in Madrid", True),
          ("home_location", "User lives in Lisbon", False)]),
        ("We moved from Leeds to Bristol last year",
         [("home_location", "User lives in Leeds", True),
          ("home_location", "User lives in Bristol", False)]),
        ("I used to be a teacher, now I'm a nurse",
         [("occupation", "User works as a teacher", True),
          ("occupation", "User works as a nurse", False)]),
        ("I no longer drink coffee, now I drink tea",
         [("other", "User no longer drinks coffee", False), ("other", "User drinks tea", False)]),
        ("I used to play the drums", []),
    ],
)  # fmt: skip
def test_one_sentence_two_times_keeps_only_the_new_fact_as_current(text, said):
    assert _said(text) == said


def test_the_old_fact_of_a_move_is_deleted_and_the_new_one_replaces_it():
    candidates = LocalProvider().extract(
        messages=[{"role": "user", "content": "I used to live in Madrid, but now I'm in Lisbon"}]
    )
    madrid = Related(id="m1", content="User lives in Madrid", slot="home_location", value="Madrid")
    decisions = LocalProvider().decide(candidates=candidates, related=[[madrid]] * len(candidates))
    assert [(c.content, c.negated) for c in candidates] == [
        ("User lives in Madrid", True),
        ("User is in Lisbon", False),
    ]
    assert [(d.action, d.target_ids) for d in decisions] == [("DELETE", ["m1"]), ("ADD", [])]


@pytest.mark.parametrize(
    "text",
    [
        "I'm tired today",
        "I'm so bored",
        "I have a cold",
        "I'm cooking dinner",
        "I'm in the kitchen",
        "I'm in a meeting, brb",
        "I just finished my shift",
        "I went to the cinema yesterday",
        "I might move to Berlin",
        "I wish I could play the piano",
        "I'm thinking about learning the drums",
        "I would never eat snails",
        "Do I like sushi? I can't remember",
        "I think so",
        "I love your answers",
        "I love that!",
        "She said she can't eat nuts",
        "My sister says she hates jazz",
        "If I had a car I'd drive to work",
        "I'm allergic to Mondays lol",
        "So my mom always says I work too hard",
        "we play tennis",
    ],
)
def test_what_is_passing_unsure_hypothetical_or_someone_elses_word_is_not_stored(text):
    assert _said(text) == []


@pytest.mark.skipif(not BLIND_CORPUS.exists(), reason="the blind corpus is not committed here")
def test_the_blind_corpus_is_large_and_half_of_it_has_nothing_to_store():
    corpus = load_blind()
    empty = [said for said in corpus if not said.memories]
    assert len(corpus) >= 200
    assert len(empty) >= len(corpus) * 0.45
