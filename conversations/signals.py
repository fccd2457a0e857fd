"""Sent after commit whenever a user's conversations change, whichever door the change came
through. The realtime app pushes them to the owner's sockets; the cache bumps its version.

Arguments: `owner_id` (int), `action` ("created", "updated" or "deleted"), `conversation_ids`
(the public ids that changed) and, for new conversations, `conversations` (the rows as
created, so receivers need not read them back; None otherwise).
"""

from django.dispatch import Signal

conversations_changed = Signal()
