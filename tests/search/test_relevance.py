"""Relevance you can show: practitioner queries over the demo content, judged by people.

`relevance_queries.yaml` lists, for each query, the pages a practitioner would want first.
The floors below are what the current weights reach (see the README for the figures and
`bench/search_relevance.py` for the per-query table); a change that ranks worse fails here.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client

from search.evaluation import evaluate, load_judgements, summary

pytestmark = pytest.mark.django_db

MIN_QUERIES = 25
MIN_MEAN_RECIPROCAL_RANK = 0.90
MIN_MEAN_PRECISION_AT_5 = 0.45


def test_there_are_enough_judged_queries():
    judgements = load_judgements()
    assert len(judgements) >= MIN_QUERIES
    assert all(j["relevant"] for j in judgements)


def test_every_judged_page_exists():
    client = Client()
    missing = sorted(
        {
            url
            for judgement in load_judgements()
            for url in judgement["relevant"]
            if client.get(f"/en{url}").status_code != 200  # judged without the language prefix
        }
    )
    assert missing == []


def test_ranking_meets_the_floor():
    scores = evaluate(AnonymousUser())
    precision, mrr = summary(scores)
    misses = [s.query for s in scores if not s.reciprocal_rank]
    assert mrr >= MIN_MEAN_RECIPROCAL_RANK, (mrr, misses)
    assert precision >= MIN_MEAN_PRECISION_AT_5, precision
