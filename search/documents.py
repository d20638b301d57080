"""What every source hands to the search engines: one plain `IndexDocument` per thing.

Sources (pages, organisations, and later forum threads, events and profiles) turn their own
objects into these; engines store them. Neither side knows the other's details.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from django.utils.translation import gettext_lazy

# The facets people can filter by, in the order the search page shows them, with the
# parameter name each uses in URLs and the JSON API.
FACETS: dict[str, str] = {
    "type": gettext_lazy("Content type"),
    "theme": gettext_lazy("Theme"),
    "region": gettext_lazy("Region"),
    "org": gettext_lazy("Organisation"),
    "level": gettext_lazy("Delivery level"),
    "model": gettext_lazy("Transformation model"),
    "tag": gettext_lazy("Tag"),
    "year": gettext_lazy("Year"),
}

# Who may see a document is stored beside its facets, under this name.
ACCESS = "access"
# The language a document is written in, and the other languages its content also exists in
# (the same page translated), are stored the same way: search shows each page once, in the
# visitor's language where it can, and that language first (see `EngineQuery.language`).
LANGUAGE = "lang"
ALSO_IN = "also"

_NOT_TOKEN_CHARS = re.compile(r"[^a-z0-9]")


def token_value(value: str | int) -> str:
    """A facet key as it appears inside a token: lowercase letters and digits only."""
    return _NOT_TOKEN_CHARS.sub("", str(value).lower())


def facet_token(facet: str, value: str | int) -> str:
    """The index token for one facet value, e.g. ("theme", 12) -> "xtheme12".

    Tokens are single lowercase words so that the full-text engine can match them like any
    other word; the leading "x" keeps them apart from real words in people's queries.
    """
    return f"x{facet}{token_value(value)}"


_PREFIXES = sorted(
    (f"x{name}" for name in [*FACETS, ACCESS, LANGUAGE, ALSO_IN]), key=len, reverse=True
)


def split_token(token: str) -> tuple[str, str] | None:
    """("xtheme12") -> ("theme", "12"); None for anything that is not a facet token."""
    for prefix in _PREFIXES:
        if token.startswith(prefix) and len(token) > len(prefix):
            return prefix[1:], token[len(prefix) :]
    return None


@dataclass
class IndexDocument:
    """One searchable thing, as every engine sees it.

    `facets` maps a facet name to the keys it is filed under: ids for taxonomy (regions
    include every region around the place, so Wales finds Cardiff), years as numbers, the
    kind for "type". `access` holds the tokens from `search.access`: a person finds the
    document only if they hold one of them; an empty list means nobody finds it. `language` is
    the language its text is in ("" when unknown, as for what members write), and `also_in`
    the languages in which the same content has another version that everyone who may find
    this one may also find.
    """

    key: str
    kind: str
    title: str
    url: str
    summary: str = ""
    taxonomy: str = ""
    body: str = ""
    date: datetime | None = None
    facets: dict[str, list[int | str]] = field(default_factory=dict)
    access: list[str] = field(default_factory=lambda: ["public"])
    display: dict[str, list[str]] = field(default_factory=dict)
    language: str = ""
    also_in: list[str] = field(default_factory=list)

    def facet_tokens(self) -> list[str]:
        """Every facet and access token, each once, in a stable order."""
        tokens = [facet_token("type", self.kind)]
        for name, values in self.facets.items():
            tokens.extend(facet_token(name, value) for value in values)
        tokens.extend(facet_token(ACCESS, value) for value in self.access)
        if self.language:
            tokens.append(facet_token(LANGUAGE, self.language))
        tokens.extend(facet_token(ALSO_IN, value) for value in self.also_in)
        return list(dict.fromkeys(tokens))
