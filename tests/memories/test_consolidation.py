"""Consolidation: promote, expire, merge near-duplicates, decay; core untouched; idempotent."""

import datetime

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone

from memories.embeddings import embed_text
from memories.models import Memory, MemoryEvent
from memories.pipelines.runner import memory_consolidate
from memories.services import memory_create
from memories.tasks import consolidate_user

pytestmark = pytest.mark.django_db

NOTHING = {"promoted": 0, "expired": 0, "merged": 0, "decayed": 0}


def _days_ago(days: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


def _memory(user, content: str, *, tier: str = "long_term", **fields) -> Memory:
    """A memory, with timestamps and counters set as if it had lived a while."""
    memory = memory_create(
        user=user,
        content=content,
        tier=tier,
        importance=fields.pop("importance", 0.5),
        metadata=fields.pop("metadata", None),
        expires_at=fields.pop("expires_at", None),
        embedding=fields.pop("embedding", None),
    )
    if fields:
        Memory.objects.filter(pk=memory.pk).update(**fields)
    memory.refresh_from_db()
    return memory


def _events(memory: Memory) -> list[str]:
    return list(MemoryEvent.objects.filter(memory_id=memory.id).values_list("event", flat=True))


def _gone(memory: Memory) -> bool:
    return not Memory.objects.filter(pk=memory.pk).exists()


def test_short_term_memories_in_use_are_promoted_and_kept(user):
    used = _memory(user, "User is reading Dune", tier="short_term", access_count=3,
                   expires_at=_days_ago(1))  # fmt: skip
    unused = _memory(user, "User has a cold", tier="short_term", access_count=2,
                     expires_at=timezone.now() + datetime.timedelta(days=1))  # fmt: skip
    counts = memory_consolidate(user=user)
    assert counts["promoted"] == 1
    used.refresh_from_db()
    assert (used.tier, used.expires_at) == ("long_term", None)
    assert _events(used) == ["add", "promote"]
    unused.refresh_from_db()
    assert unused.tier == "short_term"
    assert _events(unused) == ["add"]


def test_short_term_memories_past_expiry_are_deleted_with_history(user):
    due = _memory(user, "User is in Paris this week", tier="short_term", expires_at=_days_ago(1))
    later = _memory(user, "User has a deadline on Friday", tier="short_term",
                    expires_at=timezone.now() + datetime.timedelta(hours=1))  # fmt: skip
    lasting = _memory(user, "User plays chess", expires_at=_days_ago(1))
    assert memory_consolidate(user=user)["expired"] == 1
    assert _gone(due)
    assert _events(due) == ["add", "expire"]
    assert not _gone(later)
    assert not _gone(lasting)


def test_near_duplicates_merge_into_the_richer_text_with_their_history(user):
    vector = embed_text("User loves hiking")
    plain = _memory(user, "User loves hiking", embedding=vector, importance=0.9, access_count=2)
    richer = _memory(user, "User loves hiking in the mountains", embedding=vector,
                     importance=0.4, access_count=1)  # fmt: skip
    unrelated = _memory(user, "User keeps bees")
    assert memory_consolidate(user=user)["merged"] == 1
    assert _gone(plain)
    assert not _gone(unrelated)
    richer.refresh_from_db()
    assert richer.importance == 0.9
    assert richer.access_count == 3
    history = list(
        MemoryEvent.objects.filter(memory_id=richer.id).values_list("event", "old_content")
    )
    assert history == [
        ("add", None),
        ("add", None),
        ("merge", "User loves hiking"),
        ("merge", "User loves hiking in the mountains"),
    ]
    assert not MemoryEvent.objects.filter(memory_id=plain.id).exists()  # moved, not lost


def test_facts_about_different_slots_or_in_core_never_merge(user):
    vector = embed_text("User lives in Lisbon")
    home = {"slot": "home_location", "detail": "", "key": "home_location"}
    _memory(user, "User lives in Lisbon", embedding=vector, metadata={**home, "value": "Lisbon"})
    other = {"slot": "likes", "value": "Lisbon", "detail": "", "key": "preference:lisbon"}
    _memory(user, "User likes Lisbon a lot", embedding=vector, metadata=other)
    _memory(user, "User's name is Ana", tier="core", embedding=embed_text("User is Ana"))
    _memory(user, "User is Ana", embedding=embed_text("User is Ana"))
    assert memory_consolidate(user=user)["merged"] == 0
    assert Memory.objects.filter(user=user).count() == 4


def test_importance_of_long_unused_memories_decays_once_per_period(user):
    stale = _memory(user, "User once visited Rome", importance=0.5,
                    last_accessed_at=_days_ago(40), updated_at=_days_ago(40))  # fmt: skip
    never_used = _memory(user, "User owns a kayak", importance=0.5, updated_at=_days_ago(40))
    recently_used = _memory(user, "User likes jazz", importance=0.5,
                            last_accessed_at=_days_ago(2), updated_at=_days_ago(40))  # fmt: skip
    floor = _memory(user, "User once had a goldfish", importance=0.05,
                    updated_at=_days_ago(400))  # fmt: skip
    assert memory_consolidate(user=user)["decayed"] == 2
    for memory, importance in ((stale, 0.45), (never_used, 0.45), (recently_used, 0.5),
                               (floor, 0.05)):  # fmt: skip
        memory.refresh_from_db()
        assert memory.importance == pytest.approx(importance)
    assert _events(stale) == ["add", "update"]
    assert _events(recently_used) == ["add"]


def test_core_memories_are_never_touched(user):
    vector = embed_text("User's name is Ana")
    core = [
        _memory(user, "User's name is Ana", tier="core", embedding=vector, access_count=10,
                expires_at=_days_ago(5), last_accessed_at=_days_ago(90),
                updated_at=_days_ago(90)),
        _memory(user, "User's name is Ana Silva", tier="core", embedding=vector,
                updated_at=_days_ago(90)),
    ]  # fmt: skip
    assert memory_consolidate(user=user) == NOTHING
    for memory in core:
        before = memory
        after = Memory.objects.get(pk=memory.pk)
        assert (after.tier, after.importance, after.content) == (
            before.tier,
            before.importance,
            before.content,
        )
        assert _events(after) == ["add"]


def test_a_second_run_right_after_the_first_changes_nothing(user):
    vector = embed_text("User loves tea")
    _memory(user, "User loves tea", embedding=vector)
    _memory(user, "User loves green tea", embedding=vector)
    _memory(user, "User loves tea!", embedding=vector)
    _memory(user, "User is on holiday", tier="short_term", expires_at=_days_ago(1))
    _memory(user, "User is learning Go", tier="short_term", access_count=5)
    _memory(user, "User once lived in Oslo", updated_at=_days_ago(60))
    first = memory_consolidate(user=user)
    assert first == {"promoted": 1, "expired": 1, "merged": 2, "decayed": 1}
    events = MemoryEvent.objects.count()
    assert memory_consolidate(user=user) == NOTHING
    assert MemoryEvent.objects.count() == events


def test_consolidation_only_touches_the_users_own_memories(user, other_user):
    theirs = _memory(other_user, "User is in Rome", tier="short_term", expires_at=_days_ago(1))
    assert memory_consolidate(user=user) == NOTHING
    assert not _gone(theirs)
    assert consolidate_user(other_user.pk)["expired"] == 1
    assert _gone(theirs)


def test_the_command_consolidates_one_user_or_everyone(user, other_user, capsys):
    _memory(user, "User is in Paris", tier="short_term", expires_at=_days_ago(1))
    _memory(other_user, "User is in Rome", tier="short_term", expires_at=_days_ago(1))
    call_command("consolidate_memories", "--user", user.clerk_user_id)
    out = capsys.readouterr().out
    assert f"{user.clerk_user_id}: 0 promoted, 1 expired, 0 merged, 0 decayed" in out
    assert Memory.objects.filter(user=other_user).count() == 1
    call_command("consolidate_memories")
    assert "Consolidated 1 users: 0 promoted, 1 expired" in capsys.readouterr().out
    assert not Memory.objects.exists()
    with pytest.raises(CommandError, match="No user"):
        call_command("consolidate_memories", "--user", "user_nobody")


def test_nightly_consolidation_and_the_sweep_are_scheduled():
    schedule = settings.CELERY_BEAT_SCHEDULE
    nightly = schedule["memories-consolidate-all"]
    assert nightly["task"] == "memories.tasks.consolidate_all"
    assert nightly["schedule"].hour == {3}
    assert nightly["schedule"].minute == {30}
    sweep = schedule["ingestion-jobs-sweep"]
    assert sweep["task"] == "memories.tasks.ingestion_jobs_sweep"
    assert sweep["schedule"] == settings.INGESTION_SWEEP_SECONDS
