"""Sent after commit whenever a user's conversations change, whichever door the change came
through. The realtime app pushes them to the owner's sockets; the cache bumps its version.

Arguments: `owner_id` (int), `action` ("created", "updated" or "deleted"), `conversation_ids`
(the public ids that changed).
"""

from django.dispatch import Signal

conversations_changed = Signal()
