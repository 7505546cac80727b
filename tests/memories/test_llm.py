"""The providers behind the pipelines: the local rules, and OpenAI through a fake server."""

import json

import pytest

from memories.llm import (
    Candidate,
    Decision,
    LLMError,
    LLMUnavailable,
    LocalProvider,
    Related,
    get_llm,
)
from tests.support.fake_openai import FakeOpenAI, chat_completion, schema_name


def _said(*texts: str) -> list[tuple[str, str, str, bool]]:
    messages = [{"role": "user", "content": text} for text in texts]
    return [
        (c.slot, c.content, c.key, c.negated) for c in LocalProvider().extract(messages=messages)
    ]


def _contents(*texts: str) -> list[str]:
    return [content for _, content, _, _ in _said(*texts)]


# --- local: what it understands -------------------------------------------------


@pytest.mark.parametrize(
    ("text", "slot", "content"),
    [
        ("My name is Ana.", "name", "User's name is Ana"),
        ("Call me ana", "name", "User's name is Ana"),
        ("I live in Lisbon.", "home_location", "User lives in Lisbon"),
        ("I moved to Porto last month.", "home_location", "User lives in Porto"),
        ("I've just moved to new york with my wife", "home_location", "User lives in New York"),
        ("I'm based in Berlin", "home_location", "User lives in Berlin"),
        ("I work at Acme", "employer", "User works at Acme"),
        ("I'm working for Globex now", "employer", "User works at Globex"),
        ("I work as a nurse", "occupation", "User works as a nurse"),
        ("I'm a senior software engineer", "occupation",
         "User works as a senior software engineer"),
        ("My wife is called Maria", "partner", "User's wife is Maria"),
        ("I'm married to João", "partner", "User's partner is João"),
        ("I have a sister named Eva", "family", "User's sister is Eva"),
        ("I have two kids", "family", "User has two kids"),
        ("I have a dog named Bolt", "pets", "User has a dog named Bolt"),
        ("I adopted a little grey cat", "pets", "User has a cat"),
        ("My cat's name is Mia", "pets", "User has a cat named Mia"),
        ("I love hiking", "likes", "User loves hiking"),
        ("I enjoy cooking", "likes", "User enjoys cooking"),
        ("I'm a big fan of jazz", "likes", "User likes jazz"),
        ("I hate mondays", "dislikes", "User hates mondays"),
        ("I don't like olives", "dislikes", "User dislikes olives"),
        ("My favourite food is sushi", "favourites", "User's favourite food is sushi"),
        ("I'm allergic to peanuts", "allergies", "User is allergic to peanuts"),
        ("I have a nut allergy", "allergies", "User is allergic to nuts"),
        ("I was diagnosed with diabetes", "health", "User has diabetes"),
        ("I got a job at Initech", "employer", "User works at Initech"),
        ("My boyfriend's name is Leo", "partner", "User's boyfriend is Leo"),
        ("I have asthma", "health", "User has asthma"),
        ("I'm vegetarian", "diet", "User is vegetarian"),
        ("I want to learn Japanese", "goals", "User wants to learn Japanese"),
        ("My goal is to run a marathon next year", "goals", "User wants to run a marathon"),
    ],
)  # fmt: skip
def test_local_reads_first_person_statements_into_slots(text, slot, content):
    assert [(s, c) for s, c, _, negated in _said(text) if not negated] == [(slot, content)]


@pytest.mark.parametrize(
    ("text", "slot", "key"),
    [
        ("I don't like sushi anymore", "likes", "preference:sushi"),
        ("I no longer work at Acme", "employer", "employer"),
        ("I quit my job", "employer", "employer"),
        ("I'm not allergic to cats anymore", "allergies", "allergies:cats"),
        ("My dog Bolt died", "pets", "pets:dog:bolt"),
        ("I no longer have a cat", "pets", "pets:cat"),
        ("I'm single now", "partner", "partner"),
        ("I broke up with my girlfriend", "partner", "partner"),
        ("I broke up with my boyfriend Jake", "partner", "partner"),
        ("My wife Ana and I split up", "partner", "partner"),
        ("we gave the cat away", "pets", "pets:cat"),
        ("Not in London anymore, we left in May", "home_location", "home_location"),
        ("I'm no longer vegan", "diet", "diet"),
        ("I don't want to learn Japanese anymore", "goals", "goals:learn japanese"),
    ],
)
def test_local_reads_negations_as_retractions(text, slot, key):
    assert [(s, k, negated) for s, _, k, negated in _said(text)] == [(slot, key, True)]


def test_local_splits_sentences_clauses_and_lists():
    assert _contents(
        "My name is Ana. I live in Lisbon. I love hiking and I have a dog named Bolt."
    ) == [
        "User's name is Ana",
        "User lives in Lisbon",
        "User loves hiking",
        "User has a dog named Bolt",
    ]
    assert _contents("I'm allergic to peanuts, shellfish and latex") == [
        "User is allergic to peanuts",
        "User is allergic to shellfish",
        "User is allergic to latex",
    ]


def test_local_ignores_what_is_not_a_first_person_fact():
    assert (
        _contents(
            "What's the weather like?",
            "You live in the cloud, right?",
            "I think so",
            "",
        )
        == []
    )


@pytest.mark.parametrize(
    ("text", "facts"),
    [
        ("Big news: I moved to Porto last month.", [("home_location", "Porto", "")]),
        ("Hey, I'm Tomasz and I live in Krakow.",
         [("name", "Tomasz", ""), ("home_location", "Krakow", "")]),
        ("We relocated to Bergen in spring.", [("home_location", "Bergen", "")]),
        ("We adopted a dog named Rex.", [("pets", "dog", "Rex")]),
        ("My goal this year is to run a half marathon.", [("goals", "run a half marathon", "")]),
        ("Guess what? I was hired by Initech", [("employer", "Initech", "")]),
        ("so basically i've been working at Globex for two years now",
         [("employer", "Globex", "")]),
        ("just joined Acme as a designer!",
         [("employer", "Acme", ""), ("occupation", "designer", "")]),
        ("me and my gf Lily are going to Rome", [("partner", "Lily", "girlfriend")]),
        ("my daughter Emma just started school", [("family", "daughter", "Emma")]),
        ("we have a son and a daughter", [("family", "son", ""), ("family", "daughter", "")]),
        ("Honestly, I'm allergic to pollen every spring", [("allergies", "pollen", "")]),
        ("love love love k-dramas 😍", [("likes", "k-dramas", "")]),
        ("i'm Kwame, 34, from Accra but living in London now",
         [("name", "Kwame", ""), ("home_location", "London", "")]),
    ],
)  # fmt: skip
def test_local_sees_through_greetings_household_we_time_phrases_and_synonyms(text, facts):
    said = LocalProvider().extract(messages=[{"role": "user", "content": text}])
    assert [(c.slot, c.value, c.detail) for c in said if not c.negated] == facts


@pytest.mark.parametrize(
    "text",
    [
        "Do I live in Paris?",
        "If I moved to Rome I'd learn Italian",
        "She told me she's allergic to cats",
        'My coworker said "I live in Paris" and I laughed',
        "I'm Tired",
        "We're vegan",
        "we work at Acme together",
        "I want to sleep lol",
        "I live in hope",
        "I'm a terrible cook",
        "I'm thinking about adopting a dog",
        "enjoy the weekend!",
        "I want to get some sleep",
        "got into an argument with my sister",
    ],
)
def test_local_reads_no_fact_from_questions_hypotheticals_others_or_non_names(text):
    assert _said(text) == []


def test_local_never_takes_facts_from_assistant_or_system_messages():
    messages = [
        {"role": "system", "content": "My name is Companion. I live in a server."},
        {"role": "assistant", "content": "I love hiking too! I have a cat named Mia."},
        {"role": "user", "content": "Nice. I love tea."},
    ]
    candidates = LocalProvider().extract(messages=messages)
    assert [(c.content, c.message_index) for c in candidates] == [("User loves tea", 2)]


def test_within_one_conversation_the_latest_statement_wins():
    assert _contents("I live in Lisbon.", "Actually I moved to Porto.") == ["User lives in Porto"]
    said = _said("I love sushi.", "I don't like sushi anymore.")
    assert [(content, negated) for _, content, _, negated in said] == [("User likes sushi", True)]
    assert _contents("I don't like sushi anymore.", "I love sushi.") == ["User loves sushi"]


# --- local: decisions -----------------------------------------------------------


def _candidate(text: str) -> Candidate:
    (candidate,) = LocalProvider().extract(messages=[{"role": "user", "content": text}])
    return candidate


def _memory(memory_id: str, text: str) -> Related:
    candidate = _candidate(text)
    return Related(
        id=memory_id, content=candidate.content, slot=candidate.slot,
        value=candidate.value, detail=candidate.detail,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("said", "known", "action", "targets"),
    [
        ("I live in Porto", [("m1", "I live in Lisbon")], "DELETE", ["m1"]),
        ("I live in Lisbon", [("m1", "I live in Lisbon")], "NOOP", []),
        ("I love hiking", [("m1", "I like hiking")], "UPDATE", ["m1"]),
        ("I love swimming", [("m1", "I love hiking")], "ADD", []),
        ("I hate hiking", [("m1", "I love hiking")], "DELETE", ["m1"]),
        ("I have a dog named Bolt", [("m1", "I have a dog")], "UPDATE", ["m1"]),
        ("I have a dog", [("m1", "I have a dog named Bolt")], "NOOP", []),
        ("I have a dog named Rex", [("m1", "I have a dog named Bolt")], "ADD", []),
        ("I have three kids", [("m1", "I have two kids")], "DELETE", ["m1"]),
        ("I don't like hiking anymore", [("m1", "I love hiking"), ("m2", "I love tea")],
         "DELETE", ["m1"]),
        ("I no longer work at Acme", [("m1", "I work at Globex")], "NOOP", []),
        ("I quit my job", [("m1", "I work at Globex")], "DELETE", ["m1"]),
        ("My dog died", [("m1", "I have a dog named Bolt"), ("m2", "I have a cat")],
         "DELETE", ["m1"]),
    ],
)  # fmt: skip
def test_local_decides_by_slot(said, known, action, targets):
    related = [_memory(memory_id, text) for memory_id, text in known]
    (decision,) = LocalProvider().decide(candidates=[_candidate(said)], related=[related])
    assert (decision.action, decision.target_ids) == (action, targets)


def test_local_decides_by_content_for_memories_without_a_slot():
    candidate = _candidate("I love hiking")
    plain = Related(id="m1", content="user loves  HIKING")
    other = Related(id="m2", content="User climbs mountains")
    decisions = LocalProvider().decide(
        candidates=[candidate, candidate], related=[[plain], [other]]
    )
    assert [d.action for d in decisions] == ["NOOP", "ADD"]


# --- openai, against a local OpenAI-compatible server ---------------------------

EXTRACTION = {
    "memories": [
        {"content": "User lives in Lisbon", "tier": "core", "importance": 0.8,
         "slot": "home_location", "value": "Lisbon", "detail": "", "negated": False,
         "message_index": 0},
        {"content": "User is an AI", "tier": "core", "importance": 0.1, "slot": "other",
         "value": "", "detail": "", "negated": False, "message_index": 1},
    ]
}  # fmt: skip
CONVERSATION = [
    {"role": "user", "content": "I live in Lisbon."},
    {"role": "assistant", "content": "I am an AI."},
]


@pytest.fixture
def openai_settings(settings):
    settings.LLM_PROVIDER = "openai"
    settings.OPENAI_API_KEY = "sk-test"
    settings.LLM_TIMEOUT_SECONDS = 5

    def use(fake: FakeOpenAI):
        settings.OPENAI_BASE_URL = fake.base_url
        return get_llm()

    return use


def test_openai_extracts_with_structured_output_and_drops_non_user_facts(openai_settings):
    with FakeOpenAI(lambda request: json.dumps(EXTRACTION)) as fake:
        candidates = openai_settings(fake).extract(messages=CONVERSATION)
    assert [(c.content, c.key) for c in candidates] == [("User lives in Lisbon", "home_location")]
    (request,) = fake.requests
    assert schema_name(request) == "Extraction"
    assert request["response_format"]["type"] == "json_schema"
    assert '"role": "assistant"' in request["messages"][1]["content"]
    assert request["model"] == "gpt-4o-mini"


def test_openai_decisions_are_checked_against_what_was_shown(openai_settings):
    candidate = Candidate(**EXTRACTION["memories"][0])
    related = [[Related(id="m1", content="User lives in Porto", slot="home_location")]]
    answers = iter([
        {"decisions": [{"candidate": 0, "action": "DELETE", "target_ids": ["m1"]}]},
        {"decisions": [{"candidate": 0, "action": "DELETE", "target_ids": ["m9"]}]},
        {"decisions": []},
        {"decisions": [{"candidate": 0, "action": "UPDATE", "target_ids": []}]},
    ])  # fmt: skip
    with FakeOpenAI(lambda request: json.dumps(next(answers))) as fake:
        provider = openai_settings(fake)
        assert provider.decide(candidates=[candidate], related=related) == [
            Decision(candidate=0, action="DELETE", target_ids=["m1"])
        ]
        for message in ("not shown", "one to one", "updates 0 memories"):
            with pytest.raises(LLMError, match=message):
                provider.decide(candidates=[candidate], related=related)


@pytest.mark.parametrize(
    "answer",
    [
        "this is not JSON",
        json.dumps({"memories": [{"content": 3}]}),
        (200, chat_completion("", refusal="I can't help with that.")),
        (400, {"error": {"message": "bad request", "type": "invalid_request_error"}}),
        (401, {"error": {"message": "bad key", "type": "invalid_request_error"}}),
    ],
)
def test_openai_unusable_answers_are_errors_not_retried(openai_settings, answer):
    with FakeOpenAI(lambda request: answer) as fake, pytest.raises(LLMError) as raised:
        openai_settings(fake).extract(messages=CONVERSATION)
    assert not isinstance(raised.value, LLMUnavailable)
    assert len(fake.requests) == 1


@pytest.mark.parametrize("status", [429, 500, 503])
def test_openai_overload_and_outage_are_transient(openai_settings, status):
    busy = (status, {"error": {"message": "busy"}})
    with FakeOpenAI(lambda request: busy) as fake, pytest.raises(LLMUnavailable):
        openai_settings(fake).extract(messages=CONVERSATION)
    assert len(fake.requests) == 1  # retries belong to the task, with backoff


def test_openai_unreachable_or_slow_is_transient(openai_settings, settings):
    with FakeOpenAI(lambda request: json.dumps(EXTRACTION)) as fake:
        url = fake.base_url
    settings.OPENAI_BASE_URL = url  # nothing listens there any more
    with pytest.raises(LLMUnavailable):
        get_llm().extract(messages=CONVERSATION)
    settings.LLM_TIMEOUT_SECONDS = 0.2
    slow = FakeOpenAI(lambda request: json.dumps(EXTRACTION), delay=1.0)
    with slow as fake, pytest.raises(LLMUnavailable):
        openai_settings(fake).extract(messages=CONVERSATION)


def test_unknown_provider_or_missing_key_is_an_error(settings):
    settings.LLM_PROVIDER = "nope"
    with pytest.raises(LLMError, match="LLM_PROVIDER"):
        get_llm()
    settings.LLM_PROVIDER, settings.OPENAI_API_KEY = "openai", ""
    with pytest.raises(LLMError, match="OPENAI_API_KEY"):
        get_llm()
