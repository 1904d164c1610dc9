"""Chat's answers to the hooks of the layers below it (connected in ``ChatConfig.ready``).

A project's room follows the project (community.hooks): community sends, chat
keeps the room in step; community never imports chat.
"""

from chat import services


def project_changed(sender, project, **kwargs) -> None:
    services.project_room_sync(project=project)


def project_deleted(sender, project, **kwargs) -> None:
    services.project_room_close(project=project)
