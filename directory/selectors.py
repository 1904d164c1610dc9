"""Reads of the directory: the member search and what the pages that search show.

The search ranks on ``community.models.MemberSearchDocument`` (kept by
``directory.services``) and reads the forum's accepted answers as evidence;
project pages show the project's chat room. Hence this layer, above them all.
"""

import hashlib
import math
import secrets
import time
from dataclasses import dataclass
from functools import lru_cache, reduce
from operator import or_

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Case,
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    IntegerField,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.expressions import RawSQL
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce, Greatest, Least, Round
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from chat.models import RoomKind
from chat.selectors import object_room_for
from community.models import (
    Expertise,
    MemberExpertise,
    MemberSearchDocument,
    Municipality,
    Project,
    ProjectKind,
    ProjectStatus,
    Tool,
    User,
)
from community.selectors import project_list
from core.search_text import MAX_QUERY_TERMS, evidence_stems, fold, stem, words
from core.text import german_slugify
from directory.models import SearchSynonym
from directory.search import get_backend
from directory.search.base import PLANNED_ONLY, TextQuery
from forum.models import Thread


@dataclass(frozen=True)
class MemberSearch:
    members: "RankedMembers"
    intent: "SearchIntent"

    def reasons(self, member: User) -> list[str]:
        return explain_matches(member, self.intent)


@dataclass(frozen=True)
class SearchIntent:
    """What a directory search is about, read once from the query and filters."""

    terms: list[str]
    expertise_ids: frozenset[int]
    tool_ids: frozenset[int]
    kind: str
    #: The ``expertise`` and ``tool`` filters as ids; None: asked for but unknown.
    expertise_filter: int | None = None
    tool_filter: int | None = None
    #: Per term, the words and phrases it stands for (synonyms, close words).
    groups: tuple[tuple[str, ...], ...] = ()
    #: Tools the query names (not the filter), by the index of the term naming them.
    named_tools: tuple[tuple[int, int], ...] = ()
    #: The searcher's municipality: its state breaks ties, nothing more.
    viewer_municipality_id: int | None = None
    #: The terms that name a field of the taxonomy ("E-Akte", "Open", "Data"): broad.
    field_terms: frozenset[int] = frozenset()


# Words a query is read for at most (a 5,000-character query reads its first ones).
MAX_QUERY_WORDS = 40
# Synonyms of up to this many words are recognised in a query ("elektronische Akte").
MAX_SYNONYM_WORDS = 3
# Shorter keys name no product by their beginning ("ki" is not "ki-assistent").
MIN_TOOL_PREFIX = 4


def _compact(text: str) -> str:
    """A spelling's key: "X-Rechnung", "XRechnung" and "x rechnung" are one."""
    return "".join(fold(w) for w in words(text))


def _alternative(text: str) -> str:
    return " ".join(fold(w) for w in words(text))


@dataclass(frozen=True)
class SearchTables:
    """What every search reads of the administrators' tables, prepared once."""

    #: A spelling's key (``_compact``) → every spelling of its synonyms, as searched.
    synonyms: dict[str, list[str]]
    #: The fields of the taxonomy: (pk, slug, name, position, folded words and stems of
    #: the name).
    fields: tuple[tuple[int, str, str, int, frozenset[str]], ...]


# The synonyms and the taxonomy change rarely (in the admin), and each change
# forgets the cached copy (``directory.receivers``); the time bounds a copy that
# a change bypassing the models' signals (``QuerySet.update``) would leave.
SEARCH_TABLES_KEY = "directory:search-tables:2"  # a new number for a new form
SEARCH_TABLES_SECONDS = 300


def _search_tables() -> SearchTables:
    """The synonym table and the taxonomy's words, from the cache or read and cached."""
    tables = cache.get(SEARCH_TABLES_KEY)
    if tables is None:
        synonyms: dict[str, list[str]] = {}
        for synonym in SearchSynonym.objects.only("variants"):
            # As written too: PostgreSQL reads "d.velop" as one word, not "d" and "velop".
            variants = [a for v in synonym.variant_list() for a in (_alternative(v), v.lower())]
            for variant in synonym.variant_list():
                synonyms.setdefault(_compact(variant), []).extend(variants)
        fields = tuple(
            (pk, slug, name, position, _stems(name))
            for pk, slug, name, position in Expertise.objects.order_by("pk").values_list(
                "pk", "slug", "name", "position"
            )
        )
        tables = SearchTables(synonyms, fields)
        cache.set(SEARCH_TABLES_KEY, tables, SEARCH_TABLES_SECONDS)
    return tables


def search_tables_forget() -> None:
    """After a change of the synonyms or the taxonomy: the next search reads them anew (also
    once the change is committed, in case a search cached the old ones meanwhile)."""
    cache.delete(SEARCH_TABLES_KEY)
    transaction.on_commit(lambda: cache.delete(SEARCH_TABLES_KEY))


# How many members each term of a query matches (its document frequency, for the
# terms' rarity), kept as a search engine keeps it in its index: the counts of a
# term do not depend on the query around it or on who searches, so a term counted
# once is not counted again (a bitmap over the GIN index per term, 5-10 ms at
# 50,000 members) until a search document changes. Each entry carries the token of
# the documents it was counted on; a change of any document draws a new token
# (``search_counts_forget``), which leaves every earlier count unread.
TERM_COUNTS_TOKEN_KEY = "directory:term-counts-token"
TERM_COUNTS_KEY = "directory:term-count:1:"
TERM_COUNTS_SECONDS = 3600


def _term_count_keys(groups, filters: tuple) -> list[str]:
    return [
        TERM_COUNTS_KEY
        + hashlib.blake2b(
            repr((connection.vendor, group, filters)).encode(), digest_size=16
        ).hexdigest()
        for group in groups
    ]


def _term_counts_known(keys: list[str]) -> tuple[str, list[int | None]]:
    """The token of the documents as they are, and each key's count counted on them."""
    found = cache.get_many([TERM_COUNTS_TOKEN_KEY, *keys])
    token = found.get(TERM_COUNTS_TOKEN_KEY)
    if token is None:
        token = secrets.token_hex(8)
        if not cache.add(TERM_COUNTS_TOKEN_KEY, token, None):
            token = cache.get(TERM_COUNTS_TOKEN_KEY, token)
        return token, [None] * len(keys)
    counts = []
    for key in keys:
        entry = found.get(key)
        counts.append(entry[1] if entry is not None and entry[0] == token else None)
    return token, counts


def search_counts_forget() -> None:
    """After a change of search documents: terms are counted anew (also once the change
    is committed, in case a search counted the documents as they were meanwhile)."""

    def forget() -> None:
        cache.set(TERM_COUNTS_TOKEN_KEY, secrets.token_hex(8), None)

    forget()
    transaction.on_commit(forget)


def _query_groups(q: str) -> list[tuple[str, ...]]:
    """The terms of a query, each with the spellings the administrators made its synonyms.

    A spelling of the table ("E-Akte", also typed as two words) becomes one term
    that matches any of its spellings; the other words stand alone, single
    letters and repeats dropped, at most ``MAX_QUERY_TERMS``.
    """
    typed = [w for w in words(q)[:MAX_QUERY_WORDS] if "\x00" not in w]
    if not typed:
        return []
    table = _search_tables().synonyms
    groups: list[tuple[str, ...]] = []
    i = 0
    while i < len(typed):
        for n in range(min(MAX_SYNONYM_WORDS, len(typed) - i), 0, -1):
            key = "".join(fold(w) for w in typed[i : i + n])
            if key in table:
                phrase = " ".join(typed[i : i + n])
                groups.append(tuple(dict.fromkeys([phrase, *table[key]])))
                i += n
                break
        else:
            word = typed[i]
            if len(word) > 1 or word.isdigit():
                groups.append((word,))
            i += 1
    distinct: dict[str, tuple[str, ...]] = {}
    for group in groups:
        distinct.setdefault(group[0], group)
    return list(distinct.values())[:MAX_QUERY_TERMS]


def _search_intent(
    *, groups: tuple[tuple[str, ...], ...], expertise: str, tool: str, kind: str, viewer: User
) -> SearchIntent:
    terms = [group[0] for group in groups]
    # Every word of every alternative, single letters aside ("e" of "e akte").
    vocabulary = {w for group in groups for a in group for w in words(a) if len(w) > 1}
    folded = {fold(w) for w in vocabulary}
    stems = {stem(w) for w in vocabulary}
    expertise_ids = set()
    expertise_filter = None
    field_words = set()
    for pk, slug, _name, _position, words_of_field in _search_tables().fields:
        if slug == expertise:
            expertise_filter = pk
        if slug == expertise or (words_of_field & (folded | stems)) - {"e"}:
            expertise_ids.add(pk)
            field_words |= words_of_field - {"e"}
    field_terms = frozenset(
        index
        for index, group in enumerate(groups)
        if any(_stems(alternative) & field_words for alternative in group)
    )
    # A tool's key from any spelling of a term, its words joined or not, or from all terms.
    keys_by_group: dict[str, set[int]] = {}
    for index, group in enumerate(groups):
        for alternative in group:
            for key in {german_slugify(alternative), _compact(alternative)}:
                keys_by_group.setdefault(key, set()).add(index)
    if len(terms) > 1:
        keys_by_group.setdefault(german_slugify(" ".join(terms)), set()).update(range(len(groups)))
    tool_keys = set(keys_by_group) | ({tool} if tool else set())
    # A term may name a product by its first words: "d.velop" is "d.velop documents",
    # "Microsoft" is "Microsoft Teams" (whole words of the key only, not "micro").
    prefixes = sorted(k for k in keys_by_group if len(k) >= MIN_TOOL_PREFIX)
    tool_ids, tool_filter, named = set(), None, set()
    if tool_keys - {""}:
        wanted = reduce(
            or_, [Q(key__startswith=f"{k}-") for k in prefixes], Q(key__in=tool_keys - {""})
        )
        for pk, key in Tool.objects.filter(wanted).values_list("pk", "key"):
            tool_ids.add(pk)
            if key == tool:
                tool_filter = pk
            naming = [key] if key in keys_by_group else []
            naming += [k for k in prefixes if key.startswith(f"{k}-")]
            named |= {(pk, index) for k in naming for index in keys_by_group[k]}
    return SearchIntent(
        terms,
        frozenset(expertise_ids),
        frozenset(tool_ids),
        kind,
        expertise_filter,
        tool_filter,
        tuple(groups),
        tuple(sorted(named)),
        viewer.municipality_id,
        field_terms,
    )


def _json_int(column: str, key: str):
    """An integer stored under ``key`` in a JSON column of the search document, or 0."""
    return Coalesce(Cast(KT(f"{column}__{key}"), IntegerField()), Value(0))


def _level_score(intent: SearchIntent):
    """The best declared level in a searched field (from the document's ``levels``)."""
    levels = [_json_int("levels", f"e{pk}") for pk in sorted(intent.expertise_ids)]
    if not levels:
        return Value(0)
    return levels[0] if len(levels) == 1 else Greatest(*levels)


def _forum_answers(intent: SearchIntent):
    """Accepted forum answers in threads tagged with a searched field (evidence too).

    Read live rather than from the document, in one query over the few solved
    threads of these fields: the forum marks solutions without reindexing.
    The score then needs only ``member_id IN (…)`` per document.
    """
    if not intent.expertise_ids:
        return None
    counts = (
        Thread.objects.filter(
            solution__isnull=False,
            solution__author__isnull=False,
            solution__deleted_at__isnull=True,
            solution__hidden=False,
            tags__in=intent.expertise_ids,
        )
        .order_by()
        .values("solution__author")
        .annotate(n=Count("pk", distinct=True))
        .values_list("solution__author", "n")
    )
    by_count: dict[int, list[int]] = {}
    for author_id, n in counts:
        by_count.setdefault(min(n, MAX_EVIDENCE), []).append(author_id)
    if not by_count:
        return None
    return Case(
        *[When(member_id__in=ids, then=Value(n)) for n, ids in sorted(by_count.items())],
        default=Value(0),
    )


def _evidence_score(intent: SearchIntent):
    """Evidence that proves the matter: published projects with a searched tool or of the
    kind asked for, and accepted forum answers in the searched field.

    Projects are counted from the document's ``evidence``: per tool, per kind and
    per kind and tool, so a project of that kind with that tool counts once.
    """
    parts = []
    for pk in sorted(intent.tool_ids):
        parts.append(_json_int("evidence", f"t{pk}"))
    if intent.kind:
        parts.append(_json_int("evidence", f"k{intent.kind}"))
        for pk in sorted(intent.tool_ids):
            parts.append(-_json_int("evidence", f"k{intent.kind}t{pk}"))
    answers = _forum_answers(intent)
    if answers is not None:
        parts.append(answers)
    if not parts:
        return Value(0)
    total = parts[0]
    for part in parts[1:]:
        total = total + part
    return Least(total, Value(MAX_EVIDENCE))


def _recency(year):
    """More for recent practice: this year ``RECENT_BONUS``, less each year, nothing
    after ``RECENT_YEARS``."""
    age = Value(timezone.localdate().year) - year
    return Greatest(Value(0.0), (Value(RECENT_YEARS) - age) * (RECENT_BONUS / RECENT_YEARS))


def _title_year(group: tuple[str, ...]):
    """The latest year of a running or finished project whose title or kind has the term
    (any of its spellings, all words of one), ``PLANNED_ONLY`` if only planned ones, else 0."""
    years = []
    spellings = {frozenset(evidence_stems(alternative)) for alternative in group} - {frozenset()}
    for stems in sorted(sorted(s) for s in spellings):
        if any(other < set(stems) for other in spellings):
            continue  # "elektronische Akte" never beats "Akte": the least of more words
        parts = [_json_int("evidence", f"w{s}") for s in stems]
        years.append(parts[0] if len(parts) == 1 else Least(*parts))
    if not years:
        return None
    return years[0] if len(years) == 1 else Greatest(*years)


def _title_practice(year):
    """What the year ``_title_year`` found is worth: nothing, a planned project, or practice
    (recent more). A simple CASE reads the year once: it is the largest of several JSON
    values, and each mention of it in the SQL would read them all again."""
    this_year = timezone.localdate().year
    when = [f"WHEN 0 THEN 0.0 WHEN {PLANNED_ONLY:d} THEN {WEIGHT_PLANNED:f}"]
    for age in range(RECENT_YEARS):
        bonus = (RECENT_YEARS - age) * RECENT_BONUS / RECENT_YEARS
        when.append(f"WHEN {this_year - age:d} THEN {WEIGHT_PRACTICE + bonus:f}")
    # Only numbers computed here go into the SQL text.
    return Func(
        year,
        template=f"(CASE %(expressions)s {' '.join(when)} ELSE {WEIGHT_PRACTICE:f} END)",
        output_field=FloatField(),
    )


def _practice_score(intent: SearchIntent, rarity: tuple[float, ...] = ()):
    """Having done it, per term: running or finished projects with the tool the term names
    (at most two count), or whose title or kind names the term ("Digitale Dienstplanung der
    Feuerwehr" for "Dienstplanung Feuerwehr"), whichever is more; recent ones more,
    planned ones a little, each term times its ``_rarity``. A tool named by several terms
    ("Microsoft Teams") counts once."""
    tools_of: dict[int, set[int]] = {}
    for pk, index in intent.named_tools:
        tools_of.setdefault(index, set()).add(pk)
    first_term = {
        pk: min(i for p, i in intent.named_tools if p == pk) for pk, _i in intent.named_tools
    }
    parts = []
    for index, group in enumerate(intent.groups):
        own_tools = sorted(pk for pk in tools_of.get(index, ()) if first_term[pk] == index)
        if tools_of.get(index) and not own_tools:
            continue  # the tool this term names is counted with an earlier term
        candidates = []
        for pk in own_tools:
            runs = Least(_json_int("evidence", f"r{pk}"), Value(MAX_PRACTICE)) * WEIGHT_PRACTICE
            candidates.append(runs + _recency(_json_int("evidence", f"y{pk}")))
        year = _title_year(group)
        if year is not None:
            candidates.append(_title_practice(year))
        if candidates:
            part = candidates[0] if len(candidates) == 1 else Greatest(*candidates)
            if rarity and rarity[index] != 1.0:
                part = part * Value(rarity[index])
            parts.append(part)
    if not parts:
        return Value(0)
    total = parts[0]
    for part in parts[1:]:
        total = total + part
    return total


def _rarity(counts: list[int], total: int) -> tuple[float, ...]:
    """Per term, how much rarer than the others of the query it is: a word few members
    have ("Wohngeld") says more than one many have ("Onlineantrag").

    The inverse document frequency of BM25 (as Lucene computes it, never below 0),
    ``log(1 + (N - n + 0.5) / (n + 0.5))`` for ``n`` of ``N`` searched members with
    the term, divided by the mean of the query's terms: the weights average 1, so a
    member matching every term scores what it did without them. Counted cheaply:
    ``n`` up to ``COUNT_LIMIT + 1`` (beyond that a word is common, however common),
    ``N`` up to ``RARITY_SCOPE``. A term nobody has weighs 1 and leaves the mean alone.
    """
    rarity = {
        i: math.log(1 + (max(total, n) - n + 0.5) / (n + 0.5)) for i, n in enumerate(counts) if n
    }
    mean = sum(rarity.values()) / len(rarity) if rarity else 0
    if len(rarity) < 2 or not mean:
        return tuple(1.0 for _ in counts)
    return tuple(rarity[i] / mean if i in rarity else 1.0 for i in range(len(counts)))


def _coverage(conditions: list, stated: list, intent: SearchIntent, rarity: tuple[float, ...]):
    """How many terms of the query a document matches, and which (a bit per term).

    A specific term (a product, a place, a process) counts whole, the terms that
    name the broad field (``SearchIntent.field_terms``) ``WEIGHT_FIELD`` together,
    each times its ``_rarity``. A term the profile states (``stated``: expertise,
    projects, tools, place) counts so, one only the bio or lessons learned mention
    ``WEIGHT_MENTION`` of it.
    """
    if len(conditions) < 2:
        return Value(len(conditions)), Value((1 << len(conditions)) - 1)
    field_share = WEIGHT_FIELD / max(1, len(intent.field_terms))
    terms = []
    for index, (c, s) in enumerate(zip(conditions, stated, strict=True)):
        weight = (field_share if index in intent.field_terms else 1.0) * rarity[index]
        terms.append(
            Case(
                When(s, then=Value(weight)),
                When(c, then=Value(weight * WEIGHT_MENTION)),
                default=Value(0.0),
                output_field=FloatField(),
            )
        )
    count = sum(terms[1:], terms[0])
    mask = sum(
        (Case(When(c, then=Value(1 << i)), default=Value(0)) for i, c in enumerate(conditions)),
        Value(0),
    )
    return count, mask


# How the parts of a directory match add up. Each term matched counts most: a
# person whose profile has "E-Akte" and "enaio" beats one with "E-Akte" alone;
# a term only the bio mentions counts less (WEIGHT_MENTION of one). Then having
# done it (a running or finished project with the tool named or the term in its
# title, 4 each, recent more) outranks a declared level (at most 3 × 1.5), which
# outranks a passing mention (the text rank, at most 4); any project with the
# tool or of the kind asked for, and accepted forum answers, add 1 each.
WEIGHT_COVERAGE = 10.0
WEIGHT_MENTION = 0.3
WEIGHT_FIELD = 0.5
WEIGHT_PLANNED = 1.0
# Practice of this year earns RECENT_BONUS more, each year less, none after RECENT_YEARS.
RECENT_BONUS = 1.5
RECENT_YEARS = 3
WEIGHT_TEXT = 4.0
WEIGHT_LEVEL = 1.5
WEIGHT_EVIDENCE = 1.0
WEIGHT_PRACTICE = 4.0
MAX_PRACTICE = 2
MAX_EVIDENCE = 3
# Several words must all match; only when that leaves fewer than this many
# members does any of them do ("enaio Einführung" is about enaio).
MIN_ALL_TERMS_HITS = 10
# Counting stops here: a search does not walk 17,000 matches to say how many.
COUNT_LIMIT = 1000
# Rarity (``_rarity``): the searched members are counted up to this many.
RARITY_SCOPE = 10 * COUNT_LIMIT
# Scores this close are one band (a tie the searcher's state breaks): a tenth.
BAND_DIGITS = 1
# A search without filters scores, per word of its terms, only the members the word
# weighs most for (where the backend keeps such weights: PostgreSQL), not every
# match: "E-Akte" with its synonyms matches a third of a national network.
# None scores all matches.
CANDIDATES_PER_WORD: int | None = 200


# A network with RARITY_SCOPE active members or more keeps them: for this long after a
# count found as many, a process takes that for N of the rarity without counting again
# (an index walk of RARITY_SCOPE entries per search of several words).
LARGE_NETWORK_SECONDS = 3600


# Until when (``time.monotonic()``) this process takes the network for large.
_large_network = {"until": 0.0}


def _network_is_large() -> bool:
    """Whether a search without filters counted ``RARITY_SCOPE`` members lately."""
    return time.monotonic() < _large_network["until"]


def _search_documents(
    *,
    intent: SearchIntent,
    expertise: str,
    level: int | None,
    municipality: str,
    state: str,
    kind: str,
    tool: str,
) -> QuerySet[MemberSearchDocument]:
    """The search documents of active members that pass the filters."""
    documents = MemberSearchDocument.objects.filter(is_active=True)
    if municipality:
        documents = documents.filter(municipality__slug=municipality)
    if state:
        documents = documents.filter(state=state)
    if expertise:
        if intent.expertise_filter is None:
            return documents.none()
        key = f"e{intent.expertise_filter}"
        documents = documents.filter(levels__has_key=key)
        if level:
            documents = documents.alias(filter_level=_json_int("levels", key)).filter(
                filter_level__gte=level
            )
    elif level:
        documents = documents.filter(max_level__gte=level)
    if kind:
        documents = documents.filter(evidence__has_key=f"k{kind}")
    if tool:
        if intent.tool_filter is None:
            return documents.none()
        documents = documents.filter(evidence__has_key=f"t{intent.tool_filter}")
    return documents


def _capped_count_sql(documents: QuerySet, limit: int = COUNT_LIMIT + 1) -> tuple[str, list]:
    limited = documents.order_by().values("pk")[:limit]
    try:
        sql, params = limited.query.get_compiler(using=limited.db).as_sql()
    except EmptyResultSet:  # a filter no document can match (an unknown expertise)
        return "0", []
    return f"(SELECT COUNT(*) FROM ({sql}) AS limited)", list(params)  # noqa: S608 (compiled)


class RankedMembers:
    """The members of a search, ranked on the search documents, loaded a page at a time.

    Sliceable and countable as Django's ``Paginator`` and DRF expect: a slice
    runs one ranked query with LIMIT/OFFSET on the documents and then loads the
    members of that page with what their cards and reasons need. The count
    stops at ``COUNT_LIMIT`` (``count_is_capped`` says so). ``RankedPaginator``
    fetches the page first: the ranked query then counts the matches as well
    (it ranks all of them anyway), and no separate count runs.
    """

    def __init__(
        self,
        documents: QuerySet,
        *,
        count: int | None = None,
        scored: bool = False,
        candidates=None,
    ):
        self.documents = documents
        #: Ordered by a score computed per document (not the plain directory by name).
        self.scored = scored
        #: ``candidates(per_word)``: SQL and parameters of member ids worth scoring, or None.
        self.candidates = candidates
        self._count = count
        self._fetched: tuple[int, int | None, list[User]] | None = None

    def count(self) -> int:
        if self._count is None:
            try:
                sql, params = _capped_count_sql(self.documents)
            except EmptyResultSet:  # documents.none(): an expertise or tool nobody has
                self._count = 0
                return 0
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT {sql}", params)
                self._count = cursor.fetchone()[0]
        return min(self._count, COUNT_LIMIT)

    def _candidates(self, stop: int) -> tuple[RawSQL, tuple[str, list] | None] | None:
        """The members worth scoring for rows up to ``stop``: the backend's best per word
        (enough for the page asked for, however deep), and all matches where they are
        no more than ``COUNT_LIMIT`` (then the ranking is that of all). As a condition
        on the documents and the common table expressions it reads (``few``: up to
        ``COUNT_LIMIT + 1`` matches, ``counted``: how many), which count the matches too;
        where the matches are counted already, the condition alone (None: score all)."""
        if self.candidates is None:
            return None
        # Counted already (a query of several words counts its matches beforehand):
        # all matches are scored up to the limit, the best per word beyond it.
        if self._count is not None and self._count <= COUNT_LIMIT:
            return None
        best = self.candidates(max(CANDIDATES_PER_WORD or 0, stop))
        if best is None:
            return None
        best_sql, best_params = best
        column = f"{connection.ops.quote_name(self.documents.model._meta.db_table)}.member_id"
        if self._count is not None:
            condition = RawSQL(  # noqa: S611 (compiled SQL and constants only)
                f"{column} = ANY(ARRAY({best_sql}))",
                best_params,
                output_field=BooleanField(),
            )
            return condition, None
        few = self.documents.order_by().values("pk")[: COUNT_LIMIT + 1]
        try:
            few_sql, few_params = few.query.get_compiler(using=few.db).as_sql()
        except EmptyResultSet:
            return None
        # Compiled SQL and constants only; the query's words are parameters. An array,
        # computed once: the ranking then reads these documents by their key. Up to
        # COUNT_LIMIT matches are all scored (the best per word are not even looked up).
        condition = RawSQL(  # noqa: S611
            f"{column} = ANY(ARRAY(SELECT pk FROM few WHERE (SELECT n FROM counted) <= %s"  # noqa: S608
            f" UNION ALL SELECT member_id FROM ({best_sql}) AS best"
            f" WHERE (SELECT n FROM counted) > %s))",
            [COUNT_LIMIT, *best_params, COUNT_LIMIT],
            output_field=BooleanField(),
        )
        expressions = (
            f"few AS MATERIALIZED ({few_sql}),"  # noqa: S608 (compiled)
            " counted AS (SELECT COUNT(*) AS n FROM few)"
        )
        return condition, (expressions, list(few_params))

    def _total_sql(self) -> tuple[str, list]:
        """The number of all matches as SQL: known already, or counted up to the limit."""
        if self._count is not None:
            return "%s", [self._count]
        return _capped_count_sql(self.documents)

    @property
    def count_is_capped(self) -> bool:
        self.count()
        return self._count > COUNT_LIMIT

    def __len__(self) -> int:
        return self.count()

    def __iter__(self):
        return iter(self[0:])

    def fetch(self, start: int, stop: int) -> None:
        """Load the slice [start:stop] now, and the number of matches with it."""
        self._fetched = (start, stop, self._load(start, stop, with_total=True))

    def __getitem__(self, key):
        if isinstance(key, int):
            found = self[key : key + 1]
            if not found:
                raise IndexError(key)
            return found[0]
        if key.step is not None or (key.start or 0) < 0 or (key.stop or 0) < 0:
            raise ValueError("only plain slices")
        start = key.start or 0
        if key.stop is not None and key.stop <= start:
            return []
        if self._fetched is not None:
            first, last, page = self._fetched
            if first <= start and key.stop is not None and (last is None or key.stop <= last):
                return page[start - first : key.stop - first]
        return self._load(start, key.stop)

    def _load(self, start: int, stop: int | None, *, with_total: bool = False) -> list[User]:
        documents = self.documents
        narrowed = self._candidates(stop) if self.scored and stop is not None else None
        if narrowed is not None:
            # Ranked among the candidates, counted among all matches (in the same query).
            condition, common = narrowed
            ranked = _ranked_with_total(
                documents.filter(condition),
                start,
                stop,
                with_total=with_total,
                total=("(SELECT n FROM counted)", []) if self._count is None else self._total_sql(),
                common=common,
            )
        elif self.scored:
            total = self._total_sql() if self._count is not None else None
            ranked = _ranked_with_total(documents, start, stop, with_total=with_total, total=total)
        elif with_total:
            documents = documents.annotate(matches=Window(Count("*")))
            ranked = list(
                documents.values_list("member_id", "score", "matched", "matches")[start:stop]
            )
        else:
            ranked = list(documents.values_list("member_id", "score", "matched")[start:stop])
        if not ranked:
            return []
        if with_total:
            self._count = ranked[0][3]
        members = _page_members([row[0] for row in ranked])
        page = []
        for pk, score, matched, *_matches in ranked:
            member = members.get(pk)
            if member is None:  # deactivated behind the services' back (e.g. in the admin)
                continue
            member.score = score
            #: Which terms of the query the member's document matched (a bit per term).
            member.search_matched = matched
            member.search_projects = member.search_projects or []
            page.append(member)
        return page


def _ranked_with_total(
    documents: QuerySet,
    start: int,
    stop: int | None,
    *,
    with_total: bool = True,
    total: tuple[str, list] | None = None,
    common: tuple[str, list] | None = None,
) -> list[tuple]:
    """Rows [start:stop] of a ranking as (member_id, score, matched, matches), where ``matches``
    counts all documents of the ranking, or is ``total`` (SQL and parameters) where given;
    ``common``: common table expressions the query needs (SQL after WITH, parameters).

    ``COUNT(*) OVER ()`` keeps every match until it has counted them all, and
    PostgreSQL computes the other expressions of a query above such a window:
    each match would pass it with the columns its score is made of, the
    tsvector (~0.5 kB) among them, spilling to disk beyond a few thousand
    matches. Ranked in a subquery below the window (OFFSET 0 keeps it from
    being pulled up), only the id, the score and the name pass it.
    """
    order = [
        (name.lstrip("-"), "DESC" if name.startswith("-") else "ASC")
        for name in documents.query.order_by
    ]
    # The band is rounded from the score out here: computed in the subquery, as
    # Django writes it, it would repeat the whole score (a ts_rank and the JSON
    # reads per match) a second time.
    # As Django's Round writes it on each database.
    score = "score" if connection.vendor == "sqlite" else "CAST(score AS NUMERIC(1000, 15))"
    derived = {"band": f"ROUND({score}, {BAND_DIGITS}) AS band"}
    columns = list(
        dict.fromkeys(["member_id", "score", "matched", *(n for n, _ in order if n not in derived)])
    )
    inner = documents.order_by().values(*columns)
    try:
        sql, params = inner.query.get_compiler(using=inner.db).as_sql()
    except EmptyResultSet:  # documents.none(): an expertise or tool nobody has
        return []
    fence = "LIMIT -1 OFFSET 0" if connection.vendor == "sqlite" else "OFFSET 0"
    qn = connection.ops.quote_name
    ordering = ", ".join(f"{qn(name)} {direction}" for name, direction in order)
    limits = connection.ops.limit_offset_sql(start, stop)
    extra = "".join(f", {derived[n]}" for n, _ in order if n in derived)
    total_params = []
    if total is not None:
        total_sql, total_params = total
    else:
        total_sql = "COUNT(*) OVER ()" if with_total else "NULL"
    common_sql, common_params = (f"WITH {common[0]} ", common[1]) if common else ("", [])
    with connection.cursor() as cursor:
        cursor.execute(
            f"{common_sql}SELECT member_id, score, matched, {total_sql} FROM"  # noqa: S608
            f" (SELECT *{extra} FROM ({sql} {fence}) AS scored {fence}) AS ranked"
            f" ORDER BY {ordering} {limits}",
            [*common_params, *total_params, *params],
        )
        return cursor.fetchall()


class RankedPaginator(Paginator):
    """Django's paginator, which lets a ``RankedMembers`` count its matches in the
    query that ranks the page (one query fewer, the slowest part of a search)."""

    def page(self, number):
        ranked = self.object_list
        if isinstance(ranked, RankedMembers) and "count" not in self.__dict__:
            try:
                wanted = int(number)
            except (TypeError, ValueError):
                wanted = 0  # Django refuses it below
            bottom = (wanted - 1) * self.per_page
            if 0 <= bottom < COUNT_LIMIT:  # beyond the count's limit no page exists
                ranked.fetch(bottom, bottom + self.per_page)
        return super().page(number)


def _page_members(ids: list[int]) -> dict[int, User]:
    """The active members of one page, in one query, with the projects and the declared
    fields of their search documents (read here for the page only, not carried through
    the ranking of all matches). The fields as ``member.expertise_entries.all()`` gives
    them, from the document's levels and the cached taxonomy (``_search_tables``), as a
    prefetch would (ordered as the model orders them), without one more query."""
    members = (
        User.objects.filter(is_active=True)
        .select_related("municipality")
        .annotate(
            search_projects=F("search_document__projects"),
            search_levels=F("search_document__levels"),
        )
        .in_bulk(ids)
    )
    fields = {pk: (slug, name, pos) for pk, slug, name, pos, _words in _search_tables().fields}
    cache_name = User.expertise_entries.rel.cache_name  # "expertise_entries"
    empty = MemberExpertise.objects.none()
    for member in members.values():
        entries = []
        for key, level in (member.search_levels or {}).items():
            field = fields.get(int(key[1:]))
            if field is None:  # a field deleted since the document was written
                continue
            slug, name, position = field
            expertise = Expertise(pk=int(key[1:]), slug=slug, name=name, position=position)
            entries.append(MemberExpertise(member_id=member.pk, expertise=expertise, level=level))
        entries.sort(key=lambda e: (-e.level, e.expertise.position, e.expertise.name))
        # As Django stores a prefetch, but cloned from an empty queryset (a filter per
        # member costs more than the rest of the page): the page reads these entries,
        # and a query made from them finds nothing rather than another member's.
        prefetched = empty._chain()
        prefetched._result_cache = entries
        prefetched._prefetch_done = True
        member._prefetched_objects_cache = {cache_name: prefetched}
    return members


def member_search(
    *,
    viewer: User,
    q: str = "",
    expertise: str = "",
    level: int | None = None,
    municipality: str = "",
    state: str = "",
    kind: str = "",
    tool: str = "",
) -> MemberSearch:
    """Members ranked by declared expertise, evidence in projects, and text relevance.

    Filters and ranking read ``MemberSearchDocument`` alone; several words must
    all match unless that finds fewer than ``MIN_ALL_TERMS_HITS``. Each result
    carries ``score``; ``MemberSearch.reasons`` says why it matched.
    """
    backend = get_backend()
    groups = _query_groups(q)
    query = backend.prepare(groups) if groups else TextQuery(())
    intent = _search_intent(
        groups=query.groups, expertise=expertise, tool=tool, kind=kind, viewer=viewer
    )
    documents = _search_documents(
        intent=intent,
        expertise=expertise,
        level=level,
        municipality=municipality,
        state=state,
        kind=kind,
        tool=tool,
    )
    count = None
    coverage, matched = Value(0), Value(0)
    rarity: tuple[float, ...] = ()
    if intent.terms:
        matching = backend.search(documents, query, all_terms=True)
        if len(query.groups) > 1:
            # Both counts in one query; the wider one only when it serves as fallback.
            any_term = backend.search(documents, query, all_terms=False)
            all_sql, all_params = _capped_count_sql(matching)
            any_sql, any_params = _capped_count_sql(any_term)
            # And per term how many it matches (those not counted since the documents
            # last changed), and how many are searched, for the terms' rarity: all in
            # the same query.
            filters = (municipality, state, expertise, level, kind, tool)
            term_keys = _term_count_keys(query.groups, filters)
            token, term_counts = _term_counts_known(term_keys)
            missing = [i for i, n in enumerate(term_counts) if n is None]
            per_term = [
                _capped_count_sql(
                    backend.search(documents, TextQuery((query.groups[i],)), all_terms=True)
                )
                for i in missing
            ]
            filtered = any(filters)
            large = not filtered and _network_is_large()
            per_term.append(
                ("%s", [RARITY_SCOPE])
                if large
                else _capped_count_sql(documents, limit=RARITY_SCOPE)
            )
            term_sql = "".join(f", {sql}" for sql, _params in per_term)
            term_params = [p for _sql, params in per_term for p in params]
            # OFFSET 0 keeps PostgreSQL from inlining (and so counting twice) ``n``.
            fence = "LIMIT -1 OFFSET 0" if connection.vendor == "sqlite" else "OFFSET 0"
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT n, CASE WHEN n < %s THEN {any_sql} END{term_sql}"  # noqa: S608
                    f" FROM (SELECT {all_sql} AS n {fence}) AS all_terms",
                    [MIN_ALL_TERMS_HITS, *any_params, *term_params, *all_params],
                )
                all_count, any_count, *counted, searched = cursor.fetchone()
            for i, n in zip(missing, counted, strict=True):
                term_counts[i] = n
            if missing:
                cache.set_many(
                    {term_keys[i]: (token, term_counts[i]) for i in missing}, TERM_COUNTS_SECONDS
                )
            if not filtered and searched >= RARITY_SCOPE:
                _large_network["until"] = time.monotonic() + LARGE_NETWORK_SECONDS
            rarity = _rarity(term_counts, searched)
            count = all_count
            if all_count < MIN_ALL_TERMS_HITS:
                matching, count = any_term, any_count
                coverage, matched = _coverage(
                    backend.group_matches(query),
                    backend.group_matches(query, strong=True),
                    intent,
                    rarity,
                )
            else:
                matched = Value((1 << len(query.groups)) - 1)
        else:
            matched = Value(1)
        documents = matching
    else:
        documents = documents.annotate(text_rank=Value(0.0, output_field=FloatField()))
    documents = documents.annotate(matched=Cast(matched, IntegerField()))
    if not (intent.terms or intent.expertise_ids or intent.tool_ids or intent.kind):
        # The plain directory: by name, along the index searchdoc_directory.
        documents = documents.annotate(score=Value(0.0, output_field=FloatField())).order_by(
            "display_name", "member_id"
        )
        return MemberSearch(RankedMembers(documents, count=count), intent)
    if intent.viewer_municipality_id:
        own_state = Municipality.objects.filter(pk=intent.viewer_municipality_id).values("state")
        near = Case(When(state=Subquery(own_state[:1]), then=Value(1)), default=Value(0))
    else:
        near = Value(0)
    documents = documents.annotate(
        score=ExpressionWrapper(
            coverage * WEIGHT_COVERAGE
            + F("text_rank") * WEIGHT_TEXT
            + _level_score(intent) * WEIGHT_LEVEL
            + _evidence_score(intent) * WEIGHT_EVIDENCE
            + _practice_score(intent, rarity),
            output_field=FloatField(),
        ),
        near=Cast(near, IntegerField()),
    )
    # Scores a tenth apart are a tie (a longer place name moves the text rank a
    # little), which the searcher's own state breaks before the finer score does.
    documents = documents.annotate(band=Round(F("score"), BAND_DIGITS)).order_by(
        "-band", "-near", "-score", "display_name", "member_id"
    )
    candidates = None
    filtered = municipality or state or expertise or level or kind or tool
    if intent.terms and CANDIDATES_PER_WORD and not filtered:
        # Filters narrow the matches themselves; the best of the whole network per
        # word would leave too few of one state or field.
        candidates = _candidates(backend, query, intent)
    return MemberSearch(
        RankedMembers(documents, count=count, scored=True, candidates=candidates), intent
    )


def _candidates(backend, query: TextQuery, intent: SearchIntent):
    """``RankedMembers.candidates``, or None where the backend scores all matches."""
    municipality_id = intent.viewer_municipality_id
    if backend.candidates(query, per_word=1, municipality_id=municipality_id) is None:
        return None
    return lambda per_word: backend.candidates(
        query, per_word=per_word, municipality_id=municipality_id
    )


def _text_stems(text: str) -> frozenset[str]:
    found = words(text)
    return frozenset({stem(w) for w in found} | {fold(w) for w in found})


# Cached for short texts: the reasons ask for the same names, titles and places on
# every page (a bio is read as it is, uncached).
_stems = lru_cache(maxsize=20_000)(_text_stems)


@lru_cache(maxsize=64)
def _kind_label(kind: str) -> str:
    """A project kind's name as the index holds it (German, whatever the page's language)."""
    if kind not in ProjectKind.values:
        return ""
    with translation.override(settings.LANGUAGE_CODE):
        return str(ProjectKind(kind).label)


def _evidence(text: str, groups: tuple[tuple[str, ...], ...]) -> bool:
    """Whether a project's title and kind name a term of the query, as the ranking counts
    it (``_title_year``): all evidence words of one of the term's spellings."""
    stems = evidence_stems(text)
    return any(
        (wanted := evidence_stems(alternative)) and wanted <= stems
        for group in groups
        for alternative in group
    )


def _project_reason(entry: list) -> str:
    """ "Projekt: Einführung enaio in Marburg (abgeschlossen 2025)": the place only where the
    title does not name it already, the state and the year where the document has them."""
    title, place, _kind, _tools, *rest = entry
    status, year = [*rest, None, None][:2]
    text = title
    if place and not {fold(w) for w in words(place)} & {fold(w) for w in words(title)}:
        text = _("%(title)s in %(municipality)s") % {"title": title, "municipality": place}
    if status == ProjectStatus.DONE and year:
        text += " (" + _("abgeschlossen %(year)s") % {"year": year} + ")"
    elif status in ProjectStatus.values:
        text += f" ({ProjectStatus(status).label})"
    return _("Projekt: %(title)s") % {"title": text}


def _project_order(entry: list) -> tuple:
    """Done or running before planned, recent before old."""
    rest = entry[4:6]
    year = rest[1] if len(rest) > 1 and rest[1] else 0
    return (-year, entry[0])


def explain_matches(member: User, intent: SearchIntent, limit: int = 3) -> list[str]:
    """Why a member matched: "Expert:in: E-Akte/DMS · Projekt: Einführung enaio (abgeschlossen
    2025)", and every term of the query the member's document matched, each once."""
    reasons = []
    shown = set()  # stems of the words the reasons show
    for entry in member.expertise_entries.all():
        if entry.expertise_id in intent.expertise_ids:
            reasons.append(f"{entry.get_level_display()}: {entry.expertise.name}")
            shown |= _stems(entry.expertise.name)
    groups = intent.groups or tuple((t,) for t in intent.terms)
    named_tools = {pk for pk, _index in intent.named_tools}
    tool_terms: set[int] = set()
    projects = []
    for entry in getattr(member, "search_projects", []):
        title, _place, kind, tool_ids = entry[:4]
        tools = set(tool_ids) & intent.tool_ids
        # The kind names the matter too: an "E-Akte-Einführung" is evidence for "E-Akte".
        label = _kind_label(kind)
        if tools or (intent.kind and kind == intent.kind) or _evidence(f"{title} {label}", groups):
            projects.append(entry)
    for entry in sorted(projects, key=_project_order)[:2]:
        reasons.append(_project_reason(entry))
        shown |= _stems(entry[0]) | _stems(entry[1] or "")
        tool_terms |= {i for pk, i in intent.named_tools if pk in entry[3] and pk in named_tools}
    reasons = reasons[:limit]
    matched = getattr(member, "search_matched", None)
    for index, group in enumerate(groups):
        if matched is not None and not matched & (1 << index):
            continue  # this term is not in the member's profile (any word did)
        if index in tool_terms or any(_stems(a) & shown for a in group):
            continue
        reason = _term_reason(member, group)
        if reason and reason not in reasons:
            reasons.append(reason)
            shown |= _stems(reason)
    return reasons


def _term_reason(member: User, group: tuple[str, ...]) -> str:
    """Where a term the reasons do not show yet is in the profile."""
    group_stems = set().union(*(_stems(a) for a in group))
    for label, value in (
        (_("Funktion"), member.position),
        (_("Fachbereich"), member.department),
        (_("Kommune"), member.municipality.name if member.municipality else ""),
    ):
        if value and _stems(value) & group_stems:
            return f"{label}: {value}"
    # The kind of a project shown ("E-Akte-Einführung" for "E-Akte"), as the ranking counts it.
    group_evidence = set().union(*(evidence_stems(a) for a in group))
    for entry in getattr(member, "search_projects", None) or []:
        kind = entry[2]
        if evidence_stems(_kind_label(kind)) & group_evidence:
            return f"{_('Projektart')}: {ProjectKind(kind).label}"
    if member.bio and _text_stems(member.bio) & group_stems:
        return _("erwähnt „%(term)s“ in „Über mich“") % {"term": group[0]}
    return _("erwähnt „%(term)s“") % {"term": group[0]}


def tool_usage(*, viewer: User, tool: Tool) -> QuerySet[Project]:
    """Who already uses a tool: its projects with their municipalities ("wer nutzt X schon?")."""
    return (
        project_list(viewer=viewer)
        .filter(tools=tool)
        .prefetch_related(Prefetch("members", queryset=User.objects.filter(is_active=True)))
        .order_by("municipality__name", "title")
    )


def project_chat_room(*, project: Project, viewer: User):
    """The project's chat room, if the viewer is in it (the project's members)."""
    return object_room_for(kind=RoomKind.PROJECT, object_id=project.pk, viewer=viewer)
