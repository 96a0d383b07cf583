"""The analysis read cap: a post is read whole up to `ANALYSIS_CHARS`, a longer one up to a word boundary near it."""

from __future__ import annotations

from nlp.analysis_cap import ANALYSIS_CHARS, analysed_part

SENTENCE = "الشبكة طايحة من الصبح في حي الملقا ولا أحد يرد على الاتصال "


def test_a_post_up_to_the_cap_is_read_whole() -> None:
    post = (SENTENCE * (ANALYSIS_CHARS // len(SENTENCE) + 1))[:ANALYSIS_CHARS]
    assert analysed_part(post) is post
    assert analysed_part("سهم ما يرد 😡") == "سهم ما يرد 😡"


def test_a_longer_post_is_read_up_to_the_last_whole_word_before_the_cap() -> None:
    post = SENTENCE * (3 * ANALYSIS_CHARS // len(SENTENCE))
    head = analysed_part(post)
    assert ANALYSIS_CHARS - 64 <= len(head) <= ANALYSIS_CHARS
    assert post.startswith(head) and post[len(head)].isspace()
    assert head.split() == post[: len(head)].split() and post.split()[len(head.split()) - 1] == head.split()[-1]


def test_a_cut_on_a_space_or_inside_a_word_without_spaces_stays_at_the_cap() -> None:
    assert analysed_part("ا" * (ANALYSIS_CHARS + 10)) == "ا" * ANALYSIS_CHARS
    on_space = "ب" * ANALYSIS_CHARS + " سهم"
    assert analysed_part(on_space) == "ب" * ANALYSIS_CHARS
