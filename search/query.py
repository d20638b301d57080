"""What people type into the search box, parsed once for every engine.

Supported: plain words (all must match, stemmed), "quoted phrases", and -word or -"phrase"
to exclude. Very common English words are dropped from plain words (not from phrases): they
match nearly everything, so they add cost without narrowing anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_QUERY_CHARS = 256
MAX_TERMS = 16

STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "for",
        "from",
        "has",
        "have",
        "how",
        "i",
        "in",
        "into",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "our",
        "so",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "to",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "you",
        "your",
    ]
)

_PART = re.compile(r'(-?)"([^"]*)"?|(-?)(\S+)')
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass
class ParsedQuery:
    """A query split into what must match and what must not.

    `terms` are single words; `phrases` are runs of words that must appear together (a
    hyphenated word such as "co-production" is a phrase of its parts); `excluded` holds
    words and phrases that must not appear. `truncated` says the input was cut to size.
    """

    text: str = ""
    terms: list[str] = field(default_factory=list)
    phrases: list[list[str]] = field(default_factory=list)
    excluded: list[list[str]] = field(default_factory=list)
    truncated: bool = False

    @property
    def has_text(self) -> bool:
        return bool(self.terms or self.phrases or self.excluded)

    @property
    def has_positive(self) -> bool:
        return bool(self.terms or self.phrases)

    def loosened(self, limit: int = 6) -> list[tuple[str, str, str]]:
        """Looser versions of this query, for when it finds nothing.

        Each is (kind, words, new text): "drop" leaves out a plain word, "unquote" searches a
        quoted phrase as separate words, "include" stops excluding something. They are what
        someone would try by hand next, so the empty state can offer them as links with counts.
        """
        parts = list(_PART.finditer(self.text))
        positives = len(self.terms) + len(self.phrases)
        out: list[tuple[str, str, str]] = []
        for index, match in enumerate(parts):
            negate_quoted, quoted, negate_plain, word = match.groups()
            words = _WORD.findall(quoted if quoted is not None else word)
            if not words:
                continue
            shown = " ".join(words)
            others = [p.group(0) for p in parts[:index]], [p.group(0) for p in parts[index + 1 :]]
            if negate_quoted or negate_plain:
                if positives:
                    out.append(("include", shown, " ".join(others[0] + others[1])))
            elif quoted is not None and len(words) > 1:
                out.append(("unquote", shown, " ".join(others[0] + [shown] + others[1])))
            elif positives > 1 and len(words) == 1 and words[0].lower() in self.terms:
                out.append(("drop", shown, " ".join(others[0] + others[1])))
        return out[:limit]


def parse(raw: str | None) -> ParsedQuery:
    """Parse a search box entry; never fails, whatever it is given."""
    text = " ".join((raw or "").split())
    truncated = len(text) > MAX_QUERY_CHARS
    text = text[:MAX_QUERY_CHARS]
    parsed = ParsedQuery(text=text, truncated=truncated)
    plain: list[str] = []
    for match in _PART.finditer(text):
        negate_quoted, quoted, negate_plain, word = match.groups()
        negate = bool(negate_quoted or negate_plain)
        words = [w.lower() for w in _WORD.findall(quoted if quoted is not None else word)]
        if not words:
            continue
        if negate:
            parsed.excluded.append(words)
        elif quoted is not None or len(words) > 1:
            parsed.phrases.append(words)
        else:
            plain.append(words[0])
    meaningful = [w for w in plain if w not in STOP_WORDS]
    # A query of nothing but common words ("what is") still means something: keep them.
    parsed.terms = list(dict.fromkeys(meaningful if meaningful or parsed.phrases else plain))
    budget = MAX_TERMS
    parsed.terms = parsed.terms[:budget]
    budget -= len(parsed.terms)
    parsed.phrases = parsed.phrases[: max(budget, 0)]
    parsed.excluded = parsed.excluded[:MAX_TERMS]
    return parsed


def words_of(text: str | None, limit: int = 8) -> list[str]:
    """The lowercase words of a fragment (for suggestions as you type)."""
    return [word.lower() for word in _WORD.findall((text or "")[:MAX_QUERY_CHARS])][:limit]
