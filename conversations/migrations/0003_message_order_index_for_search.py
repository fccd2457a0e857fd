"""Messages indexed by (conversation, position, id), the order a conversation's messages are read in.

Search looks up each hit's first matching message along this index and stops at the first
match; while the foreign key kept its own single-column index, PostgreSQL preferred that one,
read every message of the conversation and sorted. The new index leads with `conversation`, so
it serves the foreign key too, and it replaces the (conversation, position) index.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("conversations", "0002_add_trigram_search_indexes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="message",
            index=models.Index(fields=["conversation", "position", "id"], name="message_conversation_order"),
        ),
        migrations.RemoveIndex(
            model_name="message",
            name="message_conversation_position",
        ),
        migrations.AlterField(
            model_name="message",
            name="conversation",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="messages",
                to="conversations.conversation",
            ),
        ),
    ]
