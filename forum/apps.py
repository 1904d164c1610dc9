from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ForumConfig(AppConfig):
    name = "forum"
    verbose_name = _("Forum")

    def ready(self):
        # late: models can be imported only once the app registry is ready
        from files.registry import register_attachable
        from forum import access
        from forum.models import Post
        from forum.services import WATCHERS_JOB, _notify_watchers
        from notifications import jobs

        # Files of a post answer to whoever may read or change the post.
        register_attachable(
            Post, can_view=access.can_see_post_files, can_manage=access.can_manage_post_files
        )
        # A post's watchers hear of it from a job of the bell's outbox.
        jobs.register(WATCHERS_JOB, _notify_watchers)
