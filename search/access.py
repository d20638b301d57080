"""Which access tokens a person holds, across every source.

A document carries the tokens of the people allowed to find it (see `IndexDocument.access`);
a search matches only documents sharing a token with the person. Pages take their rule from
`learning.models.base.user_access_tokens`, the token form of `visible_to`; other sources add
their own (a private community adds one token per membership).
"""

from __future__ import annotations

from typing import Any

from learning.models.base import user_access_tokens
from search.sources import all_sources


def tokens_for(user: Any) -> set[str]:
    """Every access token the person holds: page rules plus each source's own."""
    tokens = user_access_tokens(user)
    for source in all_sources():
        tokens |= source.user_tokens(user)
    return tokens
