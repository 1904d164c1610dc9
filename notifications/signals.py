"""Signals of the bell, for whoever wants to hear of it (Web Push, for one).

``notification_changed`` is sent once the transaction has committed, once per
batch, from ``notifications.services`` alone:

- ``action="new"``: ``notifications`` (list of Notification with the fields
  of ``services.PAYLOAD_FIELDS``; ``recipient_id``, not the recipient: a
  reply can reach 1,600 members) were created, or a collapsed entry counted
  one more event and is unread again; ``payloads`` maps the id of each entry
  whose member has a bell open to its live-bell JSON (in that member's language);
- ``action="read"`` / ``action="withdrawn"``: the unread count of
  ``recipient_ids`` changed (entries read, or taken back because what they
  told of was deleted); ``notifications`` is empty.

``unread_counts`` maps every recipient id concerned who has a bell open
(``notifications.online``) to their new unread count; nobody else's is counted.
"""

from django.dispatch import Signal

notification_changed = Signal()
