"""The read cap of the analysis steps: language, brands, the classifier and its evidence read a post's first
`ANALYSIS_CHARS` characters; PII masking and storage always take the whole post."""

from __future__ import annotations

import re

# Real posts are far shorter (an X long post is at most 25,000 characters, nearly all under 10,000), so the
# cap changes nothing for them; it bounds the work a hostile megabyte can cost (docs/benchmarks.md).
ANALYSIS_CHARS = 30_000
# A cut that would split a word moves back to the last whitespace, when there is one this close before it.
_CUT_BACK_CHARS = 64
_LAST_SPACE_RE = re.compile(r"\s\S*\Z")


def analysed_part(text: str) -> str:
    """`text` itself when it has at most `ANALYSIS_CHARS` characters, else its first `ANALYSIS_CHARS` (or a
    little fewer, so as not to end inside a word): what the analysis steps read of a post."""
    if len(text) <= ANALYSIS_CHARS:
        return text
    head = text[:ANALYSIS_CHARS]
    if text[ANALYSIS_CHARS].isspace():
        return head
    space = _LAST_SPACE_RE.search(head, ANALYSIS_CHARS - _CUT_BACK_CHARS)
    return head[: space.start()] if space else head
