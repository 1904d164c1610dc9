"""PostgreSQL: German full-text search with unaccent, plus trigram similarity for typos.

The text search configuration ``lotsennetz_german`` (german stemming after
unaccent) and the GIN indexes are created by migration 0003.

Typos are looked up in the vocabulary of the documents (``community_searchword``,
trigram GIN index, migration 0006), not in the documents themselves: the closest
words found there join the full-text query, so a search reads only the tsvector
index. Comparing the typed word with every candidate document instead costs
seconds at 50,000 members (docs/performance.md).
"""

from django.contrib.postgres.search import SearchQueryField, SearchVector, SearchVectorField
from django.db import connection, transaction
from django.db.models import BooleanField, F, FloatField, Func, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast
from django.utils import timezone

from community.models import MemberSearchDocument
from directory.search.base import (
    SearchBackend,
    TextQuery,
    close_words,
    typo_candidates,
    with_close_words,
)

CONFIG = "lotsennetz_german"
# Trigram candidates per typed word, of which rapidfuzz keeps the close ones.
CANDIDATES = 20

VOCABULARY_ADD = """
    INSERT INTO community_searchword (word)
    SELECT DISTINCT w FROM community_membersearchdocument d,
      unnest(tsvector_to_array(to_tsvector(
        'simple', unaccent(concat_ws(' ', d.text_a, d.text_b, d.text_c))
      ))) AS w
    WHERE d.member_id = ANY(%s) AND length(w) >= 4
      -- never a member's name: a typo must not widen into people
      AND w <> ALL(tsvector_to_array(to_tsvector('simple', unaccent(d.display_name))))
    ORDER BY w
    ON CONFLICT DO NOTHING
"""
# word %> term: word_similarity(term, word) >= pg_trgm.word_similarity_threshold,
# the test the search used to run against whole documents, now against words;
# only for terms that are no word of the documents and whose stem matches no
# document either ("did you mean"): "Akten" is no word of the documents, but
# its stem "akt" is, so it is searched as it is, without widening to
# "aktenplan", "papierakten", … (that once made it match 17,000 members).
SIMILAR_SQL = """
    SELECT t.term, s.word FROM unnest(%s::text[]) AS t(term)
    CROSS JOIN LATERAL (
      SELECT NOT EXISTS (
        SELECT 1 FROM community_searchword WHERE word = unaccent(t.term)
      ) AND NOT EXISTS (
        SELECT 1 FROM community_membersearchdocument
        WHERE vector @@ plainto_tsquery('lotsennetz_german', t.term)
      ) AS unknown
    ) k
    CROSS JOIN LATERAL (
      SELECT word FROM community_searchword
      WHERE k.unknown AND (word %%> unaccent(t.term) OR word %% unaccent(t.term))
      ORDER BY similarity(unaccent(t.term), word) DESC,
               word_similarity(unaccent(t.term), word) DESC, word
      LIMIT %s
    ) s
"""
# What a word of a member's document is worth to a search for it, and the
# member's state (``directory_membersearchterm``, migration directory 0003),
# refreshed with the document. As ``directory.selectors`` weighs these parts of
# the score: the text rank of the word alone (``ts_rank`` as the search computes
# it, times its weight 4: how often and where it stands, so that members of one
# word sort as a search for that word sorts them, not by id), the level of a
# declared field whose name has it (× 1.5), the running or finished projects
# whose title or tools have it (× 4, at most two; recent ones up to 1.5 more, as
# of the year ``%s``: ``terms_refresh`` recomputes them when it changes) and any
# such project (1 each, at most 3).
TERMS_DELETE = "DELETE FROM directory_membersearchterm WHERE member_id = ANY(%s)"
TERMS_ADD = """
    INSERT INTO directory_membersearchterm (member_id, lexeme, weight, state, display_name)
    WITH docs AS (
      SELECT member_id, state, vector, levels, projects, display_name
      FROM community_membersearchdocument
      WHERE member_id = ANY(%s) AND is_active AND vector IS NOT NULL
    ), fields AS (
      SELECT d.member_id, l.lexeme, MAX(f.level::int) AS level
      FROM docs d
      CROSS JOIN LATERAL jsonb_each_text(d.levels) AS f(key, level)
      JOIN community_expertise e ON 'e' || e.id = f.key
      CROSS JOIN LATERAL unnest(tsvector_to_array(
        to_tsvector('lotsennetz_german', e.name))) AS l(lexeme)
      GROUP BY 1, 2
    ), practice AS (
      SELECT d.member_id, l.lexeme,
        LEAST(COUNT(*) FILTER (WHERE jsonb_typeof(p.entry->5) = 'number'), 2) AS runs,
        MAX((p.entry->>5)::int) AS year,
        LEAST(COUNT(*), 3) AS projects
      FROM docs d
      CROSS JOIN LATERAL jsonb_array_elements(d.projects) AS p(entry)
      CROSS JOIN LATERAL unnest(tsvector_to_array(to_tsvector('lotsennetz_german', concat_ws(' ',
        p.entry->>0,
        (SELECT string_agg(t.name, ' ') FROM community_tool t
         WHERE t.id IN (SELECT jsonb_array_elements_text(p.entry->3)::int))
      )))) AS l(lexeme)
      GROUP BY 1, 2
    )
    SELECT d.member_id, u.lexeme,
      4.0 * ts_rank(d.vector, quote_literal(u.lexeme)::tsquery, 32)
      + 1.5 * COALESCE(f.level, 0)
      + 4.0 * COALESCE(p.runs, 0) + COALESCE(p.projects, 0)
      + 0.5 * GREATEST(0, 3 - (%s - COALESCE(p.year, 0))),
      d.state, d.display_name
    FROM docs d
    CROSS JOIN LATERAL unnest(d.vector) AS u
    LEFT JOIN fields f ON f.member_id = d.member_id AND f.lexeme = u.lexeme
    LEFT JOIN practice p ON p.member_id = d.member_id AND p.lexeme = u.lexeme
"""
# Which year (and which form of TERMS_ADD) the weights were computed for: a comment
# on the table, read and written by ``terms_refresh`` (no table of its own for a number).
TERMS_VERSION = 2  # 2: the text rank of the word, the year, the name
TERMS_STAMP_READ = "SELECT obj_description('directory_membersearchterm'::regclass, 'pg_class')"
# Per word of the query (as the full-text search parses each spelling of a term),
# the ``%s`` members it weighs most for in the network and as many in the
# searcher's state (municipality ``%s``), along the indexes of migration directory 0004:
# equal weights by name, as the ranking breaks its ties. Each word once ("akte" is in
# "E-Akte" and "elektronische Akte"), each member once.
CANDIDATES_SQL = """
    SELECT DISTINCT best.member_id FROM (
      SELECT DISTINCT l.lexeme FROM unnest(%s::text[]) AS a(alternative)
      CROSS JOIN LATERAL unnest(tsvector_to_array(
        to_tsvector('lotsennetz_german', a.alternative))) AS l(lexeme)
    ) q
    CROSS JOIN LATERAL (
      (SELECT tied.member_id FROM (
         SELECT t.member_id, t.weight, t.display_name FROM directory_membersearchterm t
         WHERE t.lexeme = q.lexeme ORDER BY t.weight DESC FETCH FIRST (%s) ROWS WITH TIES
       ) tied ORDER BY tied.weight DESC, tied.display_name, tied.member_id LIMIT %s)
      UNION ALL
      (SELECT tied.member_id FROM (
         SELECT t.member_id, t.weight, t.display_name FROM directory_membersearchterm t
         WHERE t.lexeme = q.lexeme
           AND t.state = (SELECT state FROM community_municipality WHERE id = %s)
         ORDER BY t.weight DESC FETCH FIRST (%s) ROWS WITH TIES
       ) tied ORDER BY tied.weight DESC, tied.display_name, tied.member_id LIMIT %s)
    ) best
"""
# Members tied with the last of a word's best are candidates too, up to this many times
# as many: the weight of one word cannot tell them apart, the other words of the query can.
TIED_FACTOR = 5


class PostgresSearchBackend(SearchBackend):
    vendor = "postgresql"
    supports_stemming = True
    supports_umlaut_folding = True
    supports_typo_tolerance = True

    def index(self, member_ids: list[int]) -> None:
        MemberSearchDocument.objects.filter(pk__in=member_ids).update(
            vector=SearchVector("text_a", weight="A", config=CONFIG)
            + SearchVector("text_b", weight="B", config=CONFIG)
            + SearchVector("text_c", weight="C", config=CONFIG)
        )
        # Words are only added: a word no document holds any more matches nothing.
        with connection.cursor() as cursor:
            cursor.execute(VOCABULARY_ADD, [list(member_ids)])
            cursor.execute(TERMS_DELETE, [list(member_ids)])
            cursor.execute(TERMS_ADD, [list(member_ids), timezone.localdate().year])

    def terms_stamp(self) -> str:
        return f"{timezone.localdate().year}:{TERMS_VERSION}"

    def terms_refresh(self, *, force: bool = False, batch_size: int = 2000) -> bool:
        """Recompute every member's word weights if they were computed in another year
        (or by another form of the weights), and stamp them; whether it did.

        The weights hold how recent a project is, as of the year they were
        computed; the score counts it as of today. Run daily (docs/deploy, cron):
        on the first day of a year it brings the candidates back in step.
        """
        stamp = self.terms_stamp()
        with connection.cursor() as cursor:
            cursor.execute(TERMS_STAMP_READ)
            if cursor.fetchone()[0] == stamp and not force:
                return False
            cursor.execute(
                "SELECT member_id FROM community_membersearchdocument"
                " WHERE is_active AND vector IS NOT NULL ORDER BY member_id"
            )
            ids = [row[0] for row in cursor.fetchall()]
        year = int(stamp.split(":")[0])
        for start in range(0, len(ids), batch_size):
            batch = ids[start : start + batch_size]
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(TERMS_DELETE, [batch])
                cursor.execute(TERMS_ADD, [batch, year])
        self.terms_stamp_write(stamp)
        return True

    def terms_stamp_write(self, stamp: str | None = None) -> None:
        """Record that the weights are those of this year (after a full rebuild)."""
        stamp = stamp or self.terms_stamp()
        with connection.cursor() as cursor:
            # Digits and a colon only: COMMENT takes no parameters.
            cursor.execute(f"COMMENT ON TABLE directory_membersearchterm IS '{stamp}'")

    def candidates(
        self, query: TextQuery, *, per_word: int, municipality_id: int | None
    ) -> tuple[str, list]:
        """The members worth scoring for a query (SQL and parameters): per word of any
        spelling of any term, the ``per_word`` it weighs most for in the network and in
        the state of ``municipality_id`` (a member matching nothing is not ranked: the
        search's own condition stays)."""
        alternatives = sorted({a for group in query.groups for a in group})
        cap = per_word * TIED_FACTOR
        return CANDIDATES_SQL, [alternatives, per_word, cap, municipality_id, per_word, cap]

    def similar_words(self, terms: list[str]) -> dict[str, list[str]]:
        """Document words close to unknown longer terms ("dienstplanug" → "dienstplanung",
        "enaoi" → "enaio"): trigram candidates, of which the edit distance decides."""
        if not terms:
            return {}
        candidates: dict[str, list[str]] = {}
        with connection.cursor() as cursor:
            cursor.execute(SIMILAR_SQL, [terms, CANDIDATES])
            for term, word in cursor.fetchall():
                candidates.setdefault(term, []).append(word)
        similar = {t: close_words(t, words) for t, words in candidates.items()}
        return {t: words for t, words in similar.items() if words}

    def prepare(self, groups: list[tuple[str, ...]]) -> TextQuery:
        return with_close_words(groups, self.similar_words(typo_candidates(groups)))

    def group_matches(self, query: TextQuery, *, strong: bool = False) -> list:
        if not strong:
            return [_matches(F("vector"), [group], "&&") for group in query.groups]
        # The lexemes of text_a and text_b (weights A and B) only, not those of the bio.
        stated = Func(
            F("vector"),
            function="ts_filter",
            template="%(function)s(%(expressions)s, '{a,b}')",
            output_field=SearchVectorField(),
        )
        return [_matches(stated, [group], "&&") for group in query.groups]

    def search(self, documents: QuerySet, query: TextQuery, *, all_terms: bool) -> QuerySet:
        # A term matches as itself or as one of the words it may be a typo of.
        joiner = "&&" if all_terms else "||"
        # normalization 32: rank / (rank + 1), between 0 and 1.
        rank = Func(
            F("vector"),
            _tsquery(query.groups, joiner),
            Value(32),
            function="ts_rank",
            output_field=FloatField(),
        )
        return documents.filter(_matches(F("vector"), query.groups, joiner)).annotate(
            text_rank=Cast(rank, FloatField())
        )


def _tsquery(groups, joiner: str) -> RawSQL:
    """The query as one tsquery, each spelling parsed as ``plainto_tsquery`` parses it: the
    spellings of a term joined by ``||``, the terms by ``joiner``. As flat SQL (the words are
    parameters) rather than Django's tree of ``SearchQuery`` objects, which a search
    resolves and copies again for each of its counts (milliseconds per request)."""
    sql = f" {joiner} ".join(
        "(" + " || ".join(["plainto_tsquery(%s::regconfig, %s)"] * len(group)) + ")"
        for group in groups
    )
    params = [p for group in groups for word in group for p in (CONFIG, word)]
    return RawSQL(f"({sql})", params, output_field=SearchQueryField())  # noqa: S611


def _matches(vector, groups, joiner: str) -> Func:
    """``vector @@ query``: a condition for ``filter`` and ``When``."""
    return Func(
        vector,
        _tsquery(groups, joiner),
        template="(%(expressions)s)",
        arg_joiner=" @@ ",
        output_field=BooleanField(),
    )
