# Fills memories_memoryvector.content_search for the memories stored before 0007, then builds the
# GIN index concurrently: on a populated table that takes minutes.

import django.contrib.postgres.indexes
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations

BACKFILL = """
UPDATE memories_memoryvector AS vector
SET content_search = memories_search_document(memory.content)
FROM memories_memory AS memory
WHERE memory.id = vector.memory_id
"""


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("memories", "0007_memoryvector_content_search"),
    ]

    operations = [
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
        AddIndexConcurrently(
            model_name="memoryvector",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["content_search"], name="memories_vector_text_idx"
            ),
        ),
    ]
