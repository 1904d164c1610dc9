"""Forum search: one interface, one backend per vendor (as community/search/).

PostgreSQL: a German tsvector per post (the thread's title with weight A on
its first post, the text with B) in ``Post.search_vector`` with a GIN index.
SQLite: an FTS5 table over Snowball-stemmed text, diacritics folded.
Deleted and hidden posts are taken out of the index.
"""

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import FloatField, QuerySet
from django.db.models.expressions import RawSQL

from community.search.text import query_terms, stem, stemmed_text
from files.models import StoredFile

PG_CONFIG = "lotsennetz_german"
FTS_TABLE = "forum_post_fts"
# Of the text extracted from a post's attached files (PDF, Word, OpenDocument),
# this much is indexed: PostgreSQL's tsvector holds at most 1 MB.
FILE_TEXT_MAX_CHARS = 200_000


def _post_type_id() -> int:
    from forum.models import Post  # late: forum.models is not loaded when this module is

    return ContentType.objects.get_for_model(Post).pk


class ForumSearchBackend:
    """``index`` refreshes posts already saved; ``search`` annotates ``rank``."""

    def index(self, post_ids: list[int]) -> None:
        raise NotImplementedError

    def search(self, posts: QuerySet, terms: list[str]) -> QuerySet:
        raise NotImplementedError


class PostgresForumSearch(ForumSearchBackend):
    def index(self, post_ids: list[int]) -> None:
        if not post_ids:
            return
        with connection.cursor() as cursor:
            cursor.execute(
                """
                UPDATE forum_post AS p SET search_vector = CASE
                  WHEN p.deleted_at IS NOT NULL OR p.hidden THEN NULL
                  ELSE setweight(to_tsvector(%s::regconfig,
                         CASE WHEN p.number = 1 THEN t.title ELSE '' END), 'A')
                    || setweight(to_tsvector(%s::regconfig, p.body), 'B')
                    || setweight(to_tsvector(%s::regconfig, left(coalesce((
                         SELECT string_agg(f.text, ' ') FROM files_storedfile AS f
                         WHERE f.attached_type_id = %s AND f.attached_id = p.id
                       ), ''), %s)), 'C')
                  END
                FROM forum_thread AS t
                WHERE t.id = p.thread_id AND p.id = ANY(%s)
                """,
                [
                    PG_CONFIG,
                    PG_CONFIG,
                    PG_CONFIG,
                    _post_type_id(),
                    FILE_TEXT_MAX_CHARS,
                    list(post_ids),
                ],
            )

    def search(self, posts: QuerySet, terms: list[str]) -> QuerySet:
        from functools import reduce
        from operator import or_

        from django.contrib.postgres.search import SearchQuery, SearchRank
        from django.db.models import F

        query = reduce(or_, [SearchQuery(t, config=PG_CONFIG, search_type="plain") for t in terms])
        return posts.filter(search_vector=query).annotate(
            rank=SearchRank(F("search_vector"), query, normalization=32)
        )


class SQLiteForumSearch(ForumSearchBackend):
    def index(self, post_ids: list[int]) -> None:
        from forum.models import Post

        if not post_ids:
            return
        rows = (
            Post.objects.filter(pk__in=post_ids, deleted_at__isnull=True, hidden=False)
            .select_related("thread")
            .only("pk", "number", "body", "thread__title")
        )
        texts: dict[int, list[str]] = {}
        for attached_id, text in StoredFile.objects.filter(
            attached_type_id=_post_type_id(), attached_id__in=post_ids
        ).values_list("attached_id", "text"):
            if text:
                texts.setdefault(attached_id, []).append(text)
        values = [
            (
                p.pk,
                stemmed_text(p.thread.title if p.number == 1 else ""),
                # The files' text counts as the post's body here (FTS5 has no third weight).
                stemmed_text(p.body + " " + " ".join(texts.get(p.pk, []))[:FILE_TEXT_MAX_CHARS]),
            )
            for p in rows
        ]
        with connection.cursor() as cursor:
            cursor.executemany(
                f"DELETE FROM {FTS_TABLE} WHERE rowid = %s",  # noqa: S608 (constant)
                [(pk,) for pk in post_ids],
            )
            cursor.executemany(
                f"INSERT INTO {FTS_TABLE} (rowid, title, body) VALUES (%s, %s, %s)",  # noqa: S608
                values,
            )

    def search(self, posts: QuerySet, terms: list[str]) -> QuerySet:
        stems = sorted({stem(t) for t in terms} - {""})
        match = " OR ".join(
            ('"' + s.replace('"', "") + '"' + ("*" if len(s) >= 4 else "")) for s in stems
        )
        table = posts.model._meta.db_table
        rank = RawSQL(  # noqa: S611 (constants only; the query is a parameter)
            f"SELECT -bm25({FTS_TABLE}, 5.0, 1.0) FROM {FTS_TABLE} "  # noqa: S608
            f"WHERE {FTS_TABLE} MATCH %s AND {FTS_TABLE}.rowid = {table}.id",
            [match],
            output_field=FloatField(),
        )
        matching = RawSQL(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [match])  # noqa: S608, S611
        return posts.filter(pk__in=matching).annotate(rank=rank)


def get_backend() -> ForumSearchBackend:
    if connection.vendor == "postgresql":
        return PostgresForumSearch()
    if connection.vendor == "sqlite":
        return SQLiteForumSearch()
    raise NotImplementedError(f"no forum search backend for {connection.vendor}")


__all__ = ["get_backend", "query_terms"]
