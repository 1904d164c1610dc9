"""Forum search: one interface, one backend per vendor (as directory/search/).

PostgreSQL: a German tsvector per post (the thread's title with weight A on
its first post, the text with B) in ``Post.search_vector`` with a GIN index.
SQLite: an FTS5 table over Snowball-stemmed text, diacritics folded.
Deleted and hidden posts are taken out of the index.
"""

from functools import reduce
from operator import or_

from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import F, FloatField, QuerySet
from django.db.models.expressions import RawSQL

from core.search_text import query_terms, stem, stemmed_text
from files.models import StoredFile
from forum.models import Post

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

    def search(
        self, posts: QuerySet, terms: list[str], *, candidates: int | None = None
    ) -> QuerySet:
        """``candidates``: rank at most the newest that many matching posts and the
        newest that many whose thread title matches (where the backend can find
        them from an index), not every matching post. None: all of them."""
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

    def search(
        self, posts: QuerySet, terms: list[str], *, candidates: int | None = None
    ) -> QuerySet:
        query = reduce(or_, [SearchQuery(t, config=PG_CONFIG, search_type="plain") for t in terms])
        posts = posts.filter(search_vector=query)
        if candidates:
            # Newest first along the primary key (a broad word stops after ``candidates``
            # rows instead of ranking tens of thousands), and the title hits (weight A,
            # only in first posts) along their own index (forum 0005): an old thread
            # named after the matter still competes.
            tsquery = " || ".join(["plainto_tsquery(%s::regconfig, %s)"] * len(terms))
            params = [value for term in terms for value in (PG_CONFIG, term)]
            posts = posts.filter(
                pk__in=RawSQL(  # noqa: S611 (constants; the terms are parameters)
                    f"(SELECT id FROM forum_post WHERE search_vector @@ ({tsquery})"  # noqa: S608
                    f" ORDER BY id DESC LIMIT %s) UNION"
                    f" (SELECT id FROM forum_post WHERE number = 1"
                    f" AND ts_filter(search_vector, '{{a}}') @@ ({tsquery})"
                    f" ORDER BY id DESC LIMIT %s)",
                    [*params, candidates, *params, candidates],
                )
            )
        return posts.annotate(rank=SearchRank(F("search_vector"), query, normalization=32))


class SQLiteForumSearch(ForumSearchBackend):
    def index(self, post_ids: list[int]) -> None:
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

    def search(
        self, posts: QuerySet, terms: list[str], *, candidates: int | None = None
    ) -> QuerySet:
        # All matches: the embedded default serves small forums.
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
