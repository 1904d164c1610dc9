"""The judged query set runs on the current database: every question gets an
answer from both rankings and the metrics are well-formed.

Deliberately no threshold on any single answer or on the means: the set is a
benchmark (bench/search_quality.py reports it), not a test to tune answers to.
"""

import pytest

from tests.directory.judged.evaluate import evaluate
from tests.directory.judged.network import build_network
from tests.directory.judged.queries import QUERIES


@pytest.mark.slow
@pytest.mark.django_db
def test_the_judged_set_answers_every_question_with_metrics_between_0_and_1(taxonomy):
    viewer, facts = build_network(n_members=120, n_projects=50)
    rows = evaluate(viewer, facts)
    assert [row.query for row in rows] == [text for text, _need in QUERIES]
    for row in rows:
        for value in (row.ndcg, row.rr, row.bm25_ndcg, row.bm25_rr):
            assert 0.0 <= value <= 1.0, row
        assert len(row.platform) <= 10
