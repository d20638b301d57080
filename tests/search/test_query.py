"""The query parser's looser versions of a query, offered when a search finds nothing."""

from __future__ import annotations

from search.query import parse


def test_a_quoted_phrase_can_be_searched_as_separate_words():
    assert parse('"place budget" -wales').loosened() == [
        ("unquote", "place budget", "place budget -wales"),
        ("include", "wales", '"place budget"'),
    ]


def test_each_plain_word_can_be_left_out_when_there_are_several():
    assert parse("pooled budget carers").loosened() == [
        ("drop", "pooled", "budget carers"),
        ("drop", "budget", "pooled carers"),
        ("drop", "carers", "pooled budget"),
    ]


def test_a_single_word_is_not_dropped_and_common_words_are_not_offered():
    assert parse("budget").loosened() == []
    assert parse("the budget").loosened() == []


def test_an_exclusion_is_only_lifted_when_something_else_is_searched():
    assert parse("-police").loosened() == []
    assert parse('care -"police scotland"').loosened() == [
        ("include", "police scotland", "care"),
    ]


def test_at_most_six_are_offered():
    assert len(parse("a1 b2 c3 d4 e5 f6 g7 h8").loosened()) == 6
