"""The storage of uploaded files: ``STORAGES["files"]``, resolved when first used.

A lazy object (as Django's ``default_storage``), so that tests and operators
can switch the backend by settings without the model field holding an old one.
"""

from django.core.files.storage import storages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.functional import LazyObject, empty

ALIAS = "files"


class _FilesStorage(LazyObject):
    def _setup(self):
        self._wrapped = storages[ALIAS]


files_storage = _FilesStorage()


def get_files_storage():
    """The callable the model fields name (a migration must not freeze a backend)."""
    return files_storage


@receiver(setting_changed)
def _forget_storage(*, setting, **kwargs):
    if setting == "STORAGES":
        files_storage._wrapped = empty
