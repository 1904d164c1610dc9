"""A forum reply's bell entries for a set of watchers, as forum.services makes them."""

from django.utils.translation import gettext_noop

from notifications import services
from notifications.texts import later


def notify_reply(recipients, actor, title="Thema"):
    return services.notify_members(
        recipients=[m.pk for m in recipients],
        kind="forum.reply",
        text=later(
            gettext_noop("%(name)s hat in „%(title)s“ geantwortet."),
            name=actor.display_name,
            title=title,
        ),
        url="/forum/beitrag/1/",
        thread_key=f"forum.thread.{title}",
        thread_title=title,
        actor=actor,
    )
