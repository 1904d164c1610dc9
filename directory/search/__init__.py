"""The directory's expertise search: one interface, one backend per database vendor
(as Wagtail's search).

``get_backend()`` picks the backend for the database in use. Each backend says
honestly what it can do; see ``SearchBackend``'s capability flags.
"""

from django.db import connection

from directory.search.base import SearchBackend


def get_backend() -> SearchBackend:
    # late: each backend is loaded on its own database only (the PostgreSQL one
    # imports django.contrib.postgres).
    if connection.vendor == "postgresql":
        from directory.search.postgres import PostgresSearchBackend

        return PostgresSearchBackend()
    if connection.vendor == "sqlite":
        from directory.search.sqlite import SQLiteSearchBackend

        return SQLiteSearchBackend()
    raise NotImplementedError(f"no search backend for {connection.vendor}")


__all__ = ["SearchBackend", "get_backend"]
