"""Rankings and metrics for the judged query set: the platform's member search and
a plain BM25 over the same profile texts.

nDCG@5 uses the gain 2^grade − 1 and the ideal ordering of all judged members;
MRR is the reciprocal rank of the first member graded 2 or more among the
first 10 (0 if none). BM25 (``rank_bm25.BM25Okapi``, default k1 and b) reads the
text of each active member's search document (name, position, department,
expertise, municipality, project titles, tools, kinds, bio, lessons learned),
split into words, diacritics folded and stemmed with German Snowball, as a
generic engine's German analyzer does; no synonyms, no typo tolerance.
"""

import math
from dataclasses import dataclass

from rank_bm25 import BM25Okapi

from community.models import MemberSearchDocument
from core.search_text import stem, words
from directory.selectors import member_search
from tests.directory.judged.queries import QUERIES, judgments

NDCG_DEPTH = 5
MRR_DEPTH = 10
MRR_MIN_GRADE = 2


def ndcg(ranked: list[str], grades: dict[str, int], depth: int = NDCG_DEPTH) -> float:
    def dcg(gains):
        return sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(gains[:depth]))

    ideal = dcg(sorted(grades.values(), reverse=True))
    if not ideal:
        return 0.0
    return dcg([grades.get(handle, 0) for handle in ranked]) / ideal


def reciprocal_rank(ranked: list[str], grades: dict[str, int], depth: int = MRR_DEPTH) -> float:
    for i, handle in enumerate(ranked[:depth]):
        if grades.get(handle, 0) >= MRR_MIN_GRADE:
            return 1.0 / (i + 1)
    return 0.0


def platform_ranking(viewer, text: str, depth: int = MRR_DEPTH) -> list[str]:
    """The handles of the first members the real search shows the viewer."""
    return [m.handle for m in member_search(viewer=viewer, q=text).members[0:depth]]


class BM25Ranking:
    def __init__(self):
        rows = (
            MemberSearchDocument.objects.filter(is_active=True)
            .order_by("display_name", "member_id")
            .values_list("member__handle", "text_a", "text_b", "text_c")
        )
        self.handles = []
        corpus = []
        for handle, a, b, c in rows:
            self.handles.append(handle)
            corpus.append(_tokens(f"{a} {b} {c}"))
        self.bm25 = BM25Okapi(corpus)

    def __call__(self, text: str, depth: int = MRR_DEPTH) -> list[str]:
        tokens = _tokens(text)
        if not tokens:
            return []
        scores = self.bm25.get_scores(tokens)
        order = sorted(range(len(scores)), key=lambda i: -scores[i])  # stable: by name on ties
        return [self.handles[i] for i in order[:depth] if scores[i] > 0]


def _tokens(text: str) -> list[str]:
    return [stem(w) for w in words(text)]


@dataclass
class Row:
    query: str
    relevant: int
    platform: list[str]
    bm25: list[str]
    ndcg: float
    rr: float
    bm25_ndcg: float
    bm25_rr: float


def evaluate(viewer, facts) -> list[Row]:
    """Every judged query through both rankings, with its metrics."""
    bm25 = BM25Ranking()
    rows = []
    for text, need in QUERIES:
        grades = judgments(facts.members, need)
        platform = platform_ranking(viewer, text)
        baseline = bm25(text)
        rows.append(
            Row(
                query=text,
                relevant=sum(1 for g in grades.values() if g >= MRR_MIN_GRADE),
                platform=platform,
                bm25=baseline,
                ndcg=ndcg(platform, grades),
                rr=reciprocal_rank(platform, grades),
                bm25_ndcg=ndcg(baseline, grades),
                bm25_rr=reciprocal_rank(baseline, grades),
            )
        )
    return rows
