"""A deleted file's bytes leave the storage once the deletion is committed.

On every path: a service, a cascade from a deleted post or member, the admin.
Never before the commit: a rolled-back deletion keeps a row whose bytes exist.
"""

import logging

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from files.models import StoredFile
from files.storage import files_storage

logger = logging.getLogger(__name__)


def delete_blobs(blob_names: list[str]) -> None:
    for blob_name in blob_names:
        try:
            files_storage.delete(blob_name)
        except Exception:
            # Left behind, not lost: the answer stands; the operator sees the log.
            logger.exception("could not delete the stored file %s", blob_name)


@receiver(post_delete, sender=StoredFile, dispatch_uid="files_delete_blobs")
def _delete_blobs_on_commit(sender, instance: StoredFile, **kwargs) -> None:
    blob_names = [name for name in (instance.blob.name, instance.thumbnail.name) if name]
    if blob_names:
        transaction.on_commit(lambda: delete_blobs(blob_names))
