"""The ingestion graph in this process: one test per node, then whole runs, resumes and apply."""

import pytest
from langgraph.runtime import Runtime

from memories.embeddings import embed_texts
from memories.llm import Candidate, Decision, LocalProvider, Related
from memories.models import IngestionJob, Memory, MemoryEvent
from memories.pipelines import nodes
from memories.pipelines.graph import ingestion_session
from memories.pipelines.state import IngestionContext
from memories.services import ingestion_job_apply, ingestion_job_start, memory_create

pytestmark = pytest.mark.django_db

ANA = "My name is Ana. I live in Lisbon. I love hiking and I have a dog named Bolt."


class Crash(Exception):
    """Stands in for a worker dying in the middle of a step."""


class CountingProvider(LocalProvider):
    """The local provider, counting its calls; `crash_in` makes one step fail once."""

    def __init__(self, crash_in: str = "") -> None:
        self.calls = {"extract": 0, "decide": 0}
        self.crash_in = crash_in

    def extract(self, **kwargs):
        self.calls["extract"] += 1
        self._maybe_crash("extract")
        return super().extract(**kwargs)

    def decide(self, **kwargs):
        self.calls["decide"] += 1
        self._maybe_crash("decide")
        return super().decide(**kwargs)

    def _maybe_crash(self, step: str) -> None:
        if self.crash_in == step:
            self.crash_in = ""
            raise Crash(step)


def _job(user, *texts: str, role: str = "user") -> IngestionJob:
    messages = [{"role": role, "content": text} for text in texts]
    return IngestionJob.objects.create(user=user, messages=messages)


def _runtime(job: IngestionJob, llm=None) -> Runtime:
    return Runtime(context=IngestionContext(job=job, llm=llm or LocalProvider()))


def _run(job: IngestionJob, llm=None) -> dict[str, int]:
    started = ingestion_job_start(job_id=job.id)
    with ingestion_session(job_id=job.id) as session:
        result = session.run(job=started, llm=llm or LocalProvider())
        session.forget()
    return result


def _contents(user) -> set[str]:
    return set(Memory.objects.filter(user=user).values_list("content", flat=True))


# --- one test per node ----------------------------------------------------------


def test_extract_takes_facts_from_user_messages_only(user):
    job = IngestionJob.objects.create(
        user=user,
        messages=[
            {"role": "system", "content": "I live in the cloud."},
            {"role": "user", "content": "I love hiking."},
            {"role": "assistant", "content": "I love hiking too! My name is Companion."},
        ],
    )
    update = nodes.extract({"messages": job.messages}, _runtime(job))
    assert [(c["content"], c["message_index"]) for c in update["candidates"]] == [
        ("User loves hiking", 1)
    ]


def test_embed_gives_one_vector_per_candidate_in_order(user):
    job = _job(user, ANA)
    candidates = nodes.extract({"messages": job.messages}, _runtime(job))["candidates"]
    update = nodes.embed({"candidates": candidates}, _runtime(job))
    expected = embed_texts([candidate["content"] for candidate in candidates])
    assert len(update["embeddings"]) == len(candidates) == 4
    for got, want in zip(update["embeddings"], expected, strict=True):
        assert got == pytest.approx(want.tolist(), abs=1e-6)


def test_find_related_returns_the_memory_in_the_same_slot_and_only_the_users(user, other_user):
    home = {"slot": "home_location", "detail": "", "key": "home_location"}
    lisbon = memory_create(
        user=user, content="User lives in Lisbon", metadata={**home, "value": "Lisbon"}
    )
    memory_create(
        user=other_user, content="User lives in Porto", metadata={**home, "value": "Porto"}
    )
    job = _job(user, "I moved to Porto.")
    state = {"messages": job.messages}
    state |= nodes.extract(state, _runtime(job))
    state |= nodes.embed(state, _runtime(job))
    related = nodes.find_related(state, _runtime(job))["related"]
    assert [[memory["id"] for memory in shown] for shown in related] == [[str(lisbon.id)]]
    assert related[0][0]["slot"] == "home_location"


def test_decide_asks_the_model_only_about_candidates_with_related_memories(user):
    job = _job(user, "unused")
    provider = CountingProvider()
    candidates = [
        Candidate(content="User lives in Porto", tier="core", importance=0.8,
                  slot="home_location", value="Porto", detail="", negated=False,
                  message_index=0),
        Candidate(content="User loves hiking", tier="long_term", importance=0.5, slot="likes",
                  value="hiking", detail="", negated=False, message_index=0),
        Candidate(content="User likes sushi", tier="long_term", importance=0.5, slot="likes",
                  value="sushi", detail="", negated=True, message_index=0),
    ]  # fmt: skip
    lisbon = Related(id="m1", content="User lives in Lisbon", slot="home_location", value="Lisbon")
    state = {
        "candidates": [candidate.model_dump() for candidate in candidates],
        "related": [[lisbon.model_dump()], [], []],
    }
    decisions = nodes.decide(state, _runtime(job, provider))["decisions"]
    assert [(d["candidate"], d["action"], d["target_ids"]) for d in decisions] == [
        (0, "DELETE", ["m1"]),
        (1, "ADD", []),
        (2, "NOOP", []),
    ]
    assert provider.calls["decide"] == 1


def test_apply_node_applies_and_finishes_the_job(user):
    job = _job(user, "I love hiking.")
    ingestion_job_start(job_id=job.id)
    state = {"messages": job.messages}
    for step in (nodes.extract, nodes.embed, nodes.find_related, nodes.decide):
        state |= step(state, _runtime(job))
    assert nodes.apply(state, _runtime(job)) == {
        "result": {"added": 1, "updated": 0, "deleted": 0, "unchanged": 0}
    }
    job.refresh_from_db()
    assert job.status == IngestionJob.Status.SUCCEEDED
    assert _contents(user) == {"User loves hiking"}


# --- whole graph ----------------------------------------------------------------


def test_the_graph_stores_each_fact_with_an_embedding_and_history(user):
    job = _job(user, ANA)
    assert _run(job) == {"added": 4, "updated": 0, "deleted": 0, "unchanged": 0}
    memories = Memory.objects.filter(user=user)
    assert {m.content for m in memories} == {
        "User's name is Ana",
        "User lives in Lisbon",
        "User loves hiking",
        "User has a dog named Bolt",
    }
    for memory in memories:
        assert memory.source == Memory.Source.INGESTION
        assert len(memory.embedding) == 1536
        event = MemoryEvent.objects.get(memory_id=memory.id)
        assert (event.event, event.actor, event.job_id) == ("add", "pipeline", job.id)


def test_a_later_run_replaces_a_one_value_slot_and_accumulates_the_others(user):
    _run(_job(user, ANA))
    result = _run(_job(user, "I moved to Porto last month. I also love swimming."))
    assert result == {"added": 2, "updated": 0, "deleted": 1, "unchanged": 0}
    contents = _contents(user)
    assert "User lives in Porto" in contents
    assert "User lives in Lisbon" not in contents
    assert {"User loves hiking", "User loves swimming"} <= contents
    porto = Memory.objects.get(user=user, content="User lives in Porto")
    lisbon_id = porto.metadata["replaces"][0]
    assert list(
        MemoryEvent.objects.filter(memory_id=lisbon_id).values_list("event", "old_content")
    ) == [("add", None), ("delete", "User lives in Lisbon")]


def test_negations_remove_only_what_they_name(user):
    _run(_job(user, "I work at Acme. I love sushi and jazz. I'm allergic to peanuts."))
    result = _run(
        _job(
            user,
            "I don't like sushi anymore. I no longer work at Globex. I'm not allergic to cats.",
        )
    )
    assert result == {"added": 0, "updated": 0, "deleted": 1, "unchanged": 2}
    assert _contents(user) == {
        "User works at Acme",
        "User loves jazz",
        "User is allergic to peanuts",
    }


def test_a_run_resumes_after_a_crash_without_asking_the_model_again(user):
    _run(_job(user, "I live in Lisbon."))
    job = _job(user, "I moved to Porto. My name is Ana.")
    started = ingestion_job_start(job_id=job.id)
    provider = CountingProvider(crash_in="decide")
    with ingestion_session(job_id=job.id) as session, pytest.raises(Crash):
        session.run(job=started, llm=provider)
    assert _contents(user) == {"User lives in Lisbon"}  # nothing half-applied

    with ingestion_session(job_id=job.id) as session:
        assert session.run(job=started, llm=provider)["added"] == 2
        assert session.graph.get_state({"configurable": {"thread_id": str(job.id)}}).values
        session.forget()
        assert not session.graph.get_state({"configurable": {"thread_id": str(job.id)}}).values
    assert provider.calls == {"extract": 1, "decide": 2}
    assert _contents(user) == {"User lives in Porto", "User's name is Ana"}


def test_only_one_session_at_a_time_holds_a_job(user):
    job = _job(user, "I love tea.")
    with ingestion_session(job_id=job.id) as first:
        assert first is not None
        with ingestion_session(job_id=job.id) as second:
            assert second is None
    with ingestion_session(job_id=job.id) as again:
        assert again is not None


# --- apply ----------------------------------------------------------------------


def _planned(user, text: str) -> tuple[IngestionJob, dict]:
    job = _job(user, text)
    ingestion_job_start(job_id=job.id)
    state = {"messages": job.messages}
    for step in (nodes.extract, nodes.embed, nodes.find_related, nodes.decide):
        state |= step(state, _runtime(job))
    plan = {
        "candidates": [Candidate(**c) for c in state["candidates"]],
        "embeddings": state["embeddings"],
        "decisions": [Decision(**d) for d in state["decisions"]],
    }
    return job, plan


def test_apply_twice_changes_nothing_the_second_time(user):
    job, plan = _planned(user, ANA)
    first = ingestion_job_apply(job=job, **plan)
    events = MemoryEvent.objects.count()
    assert ingestion_job_apply(job=job, **plan) == first
    assert MemoryEvent.objects.count() == events
    assert Memory.objects.filter(user=user).count() == 4


def test_apply_never_leaves_two_values_in_a_one_value_slot(user):
    """Two jobs planned against the same state: the later apply still replaces the earlier."""
    porto_job, porto = _planned(user, "I live in Porto.")
    faro_job, faro = _planned(user, "I live in Faro.")
    ingestion_job_apply(job=porto_job, **porto)
    assert ingestion_job_apply(job=faro_job, **faro)["deleted"] == 1
    homes = Memory.objects.filter(user=user, metadata__slot="home_location")
    assert [memory.content for memory in homes] == ["User lives in Faro"]


def test_a_known_fact_added_through_the_api_is_not_added_again(user):
    memory_create(user=user, content="User loves hiking")
    result = _run(_job(user, "I love hiking."))
    assert result == {"added": 0, "updated": 0, "deleted": 0, "unchanged": 1}
    assert Memory.objects.filter(user=user).count() == 1


def test_apply_refines_a_memory_in_place(user):
    _run(_job(user, "I have a dog."))
    dog = Memory.objects.get(user=user)
    assert _run(_job(user, "My dog is called Bolt."))["updated"] == 1
    dog.refresh_from_db()
    assert dog.content == "User has a dog named Bolt"
    assert list(MemoryEvent.objects.filter(memory_id=dog.id).values_list("event", flat=True)) == [
        "add",
        "update",
    ]


# --- the decision's guarantees on chat-style phrasings --------------------------


def _current(user, slot: str) -> list[str]:
    return sorted(
        Memory.objects.filter(user=user, metadata__slot=slot).values_list("content", flat=True)
    )


def test_a_one_value_slot_keeps_one_current_memory_whatever_the_phrasing(user):
    _run(_job(user, "Hey, I'm Tomasz and I live in Krakow."))
    _run(_job(user, "Big news: I moved to Porto last month."))
    _run(_job(user, "We relocated to Bergen in spring. Oh and I'm Tom btw"))
    assert _current(user, "home_location") == ["User lives in Bergen"]
    assert _current(user, "name") == ["User's name is Tom"]


def test_a_repeat_in_other_words_adds_nothing(user):
    _run(_job(user, "We adopted a dog named Rex. I'm vegan."))
    result = _run(
        _job(user, "so yeah we have a dog named Rex lol. Honestly, I've been vegan since March")
    )
    assert result == {"added": 0, "updated": 0, "deleted": 0, "unchanged": 2}
    assert Memory.objects.filter(user=user).count() == 2


def test_a_negation_in_other_words_removes_only_what_it_names(user):
    _run(
        _job(
            user,
            "We adopted a dog named Rex and we have a cat named Miso. I work at Spotify. "
            "I'm allergic to eggs.",
        )
    )
    result = _run(
        _job(
            user,
            "we gave the cat away. No longer at Globex, long story. "
            "Turns out I'm not allergic to penicillin after all.",
        )
    )
    assert result["deleted"] == 1
    assert _contents(user) == {
        "User has a dog named Rex",
        "User works at Spotify",
        "User is allergic to eggs",
    }
