"""Collection names and memory contents compared after Unicode normalisation and case folding.

Collections get `name_key`; a name that now clashes with an older collection of the same user
(say "Straße" and "STRASSE") is renamed "<name> (2)". Memory content hashes are recomputed
where the new folding changes them, except where that would merge two stored memories: those
keep their old hash (and stay two memories) rather than lose one.
"""

import hashlib

from django.db import migrations, models

from memories.text import text_fold


def _content_hash(content: str) -> str:
    return hashlib.sha256(" ".join(text_fold(content).split()).encode()).hexdigest()


def _fill_name_keys(apps, schema_editor) -> None:
    collections = apps.get_model("memories", "MemoryCollection")
    taken: set[tuple[int, str]] = set()
    for collection in collections.objects.order_by("created_at", "id").iterator():
        name, suffix = collection.name, 2
        while (collection.user_id, text_fold(name)) in taken:
            name, suffix = f"{collection.name[:190]} ({suffix})", suffix + 1
        collection.name, collection.name_key = name, text_fold(name)
        taken.add((collection.user_id, collection.name_key))
        collection.save(update_fields=["name", "name_key"])


def _rehash_contents(apps, schema_editor) -> None:
    memories = apps.get_model("memories", "Memory")
    non_ascii = memories.objects.filter(content__regex=r"[^\x01-\x7f]").only(
        "id", "user_id", "content", "content_hash"
    )
    for memory in non_ascii.iterator():
        new_hash = _content_hash(memory.content)
        clash = memories.objects.filter(user_id=memory.user_id, content_hash=new_hash)
        if new_hash != memory.content_hash and not clash.exists():
            memories.objects.filter(pk=memory.pk).update(content_hash=new_hash)


class Migration(migrations.Migration):
    dependencies = [("memories", "0009_unused_choices_removed")]

    operations = [
        migrations.RemoveConstraint(
            model_name="memorycollection", name="memories_collection_user_name_ci_unique"
        ),
        migrations.AddField(
            model_name="memorycollection",
            name="name_key",
            field=models.CharField(default="", editable=False, max_length=600),
            preserve_default=False,
        ),
        migrations.RunPython(_fill_name_keys, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="memorycollection",
            constraint=models.UniqueConstraint(
                fields=("user", "name_key"), name="memories_collection_user_name_key_unique"
            ),
        ),
        migrations.RunPython(_rehash_contents, migrations.RunPython.noop),
    ]
