"""The spam head's training data: genuine posts address accounts as often as spam posts do."""

import random

from nlp.complaints.data import with_mentions_like


def test_genuine_posts_get_mentions_until_they_mention_accounts_as_often_as_spam():
    spam = [f"@promo{i} تابعني وأتابعك" if i % 2 else f"رابط البث {i}" for i in range(400)]
    genuine = [f"الخدمة ممتازة {i}" for i in range(400)]
    mixed = with_mentions_like(genuine, spam, random.Random(1))
    mentioned = [text for text in mixed if text.startswith("@user ")]
    assert 160 <= len(mentioned) <= 240  # about half, as in the spam posts
    assert {text.removeprefix("@user ") for text in mixed} == set(genuine)


def test_nothing_changes_when_genuine_posts_already_mention_accounts_as_often():
    spam = ["@a رابط", "رابط"]
    genuine = ["@b شكرا", "شكرا", "@c تمام"]
    assert with_mentions_like(genuine, spam, random.Random(1)) == genuine
