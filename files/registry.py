"""Who may see and manage files attached to which kind of object.

``files`` knows no app. Each app that attaches files registers its models in
its ``AppConfig.ready()`` with two questions about one object; a file follows
the object it is attached to. Nobody is allowed implicitly, not even staff.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import models


@dataclass(frozen=True)
class Attachable:
    can_view: Callable[[object, models.Model], bool]
    can_manage: Callable[[object, models.Model], bool]


_REGISTRY: dict[str, Attachable] = {}


def _key(model: type[models.Model]) -> str:
    return model._meta.concrete_model._meta.label_lower


def register_attachable(
    model: type[models.Model],
    *,
    can_view: Callable[[object, models.Model], bool],
    can_manage: Callable[[object, models.Model], bool],
) -> None:
    _REGISTRY[_key(model)] = Attachable(can_view=can_view, can_manage=can_manage)


def attachable(model: type[models.Model]) -> Attachable | None:
    return _REGISTRY.get(_key(model))


def is_registered(model: type[models.Model]) -> bool:
    return _key(model) in _REGISTRY
