"""Signals of the bell, for whoever wants to hear of it.

``notification_changed`` is sent once the transaction has committed, once per
batch, from ``notifications.services`` alone:

- ``action="new"``: entries were created, or a collapsed entry counted one
  more event and is unread again. ``notification_ids``: every one of them (a
  reply can reach 1,600 members; a receiver reads only those it needs, best
  off the request: ``notifications.background``). A receiver runs after the
  commit and may be lost with its process; what must not be lost belongs in
  a job of the outbox written with the entries (``notifications.jobs``, as
  immediate mails and Web Push are). ``notifications``: only
  the entries of members with a bell open (Notification with the fields of
  ``services.PAYLOAD_FIELDS``), and ``payloads`` maps their ids to their
  live-bell JSON (in that member's language); ``recipient_ids``: everybody told;
- ``action="read"`` / ``action="withdrawn"``: the unread count of
  ``recipient_ids`` changed (entries read, or taken back because what they
  told of was deleted); ``notifications`` is empty.

``unread_counts`` maps every recipient id concerned who has a bell open
(``notifications.online``) to their new unread count; nobody else's is counted.
"""

from django.dispatch import Signal

notification_changed = Signal()
