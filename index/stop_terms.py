"""Arabic function words that never make a rising term: prepositions, pronouns, particles, demonstratives,
question words and the dialects' everyday fillers (Gulf, Egyptian, Levantine, Maghrebi) that a day of
negative posts repeats more than its background does without saying anything about the brand.

The rising-terms aggregation reads `text.exact`, whose analyzer folds letters the way Lucene's
ArabicNormalizer does (the plugin's `nabd_arabic_normalization`); `EXCLUDED_TERMS` holds each word as
written and as folded, so the exclusion matches whatever form the index holds (a test analyzes every word
on the real node and checks its token is excluded).
"""

from __future__ import annotations

import re

FUNCTION_WORDS = """
من في على الى إلى عن مع ما لا لم لن و او أو ثم بل لكن لكن حتى اذا إذا لو ان أن إن كان كانت يكون تكون قد لقد
هذا هذه هذي ذلك تلك هذاك هاد هادي هاذ هاذي هيدا هيدي دا دي ده دول هادا
هو هي هم هن انا أنا انت أنت انتي انتم أنتم نحن احنا إحنا حنا
كل بعض غير عند عندي عندك عندهم عندنا فيه فيها فيهم فيك فيني به بها بهم له لها لهم لي لك لنا منه منها منهم عليه عليها عليهم
الي اللي إللي الذي التي الذين اللى يلي
يا ايش إيش شو وش ويش واش ليش ليه لماذا كيف كيفاش كيفك متى امتى إمتى وين فين فين وينك هل كم قديش
بس مش مو مب ماشي مافي ما في مافيه كمان برضو برضه بعد قبل الحين هلا هلق دلوقتي توا دابا
جدا جداً مره مرة كثير شوي شوية
يعني طيب اوكي خلاص زي مثل كذا كدا هيك هكذا
والله ولله والي وهو وهي وانا وما ولا ولم وفي ومن وعلى
""".split()

_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ى": "ي", "ة": "ه"})
_MARKS = re.compile("[\u064b-\u065f\u0670\u0640]")  # harakat, superscript alef, tatweel


def fold(word: str) -> str:
    """The letter folding of Lucene's ArabicNormalizer: alef forms to bare alef, alef maqsura to yeh, teh
    marbuta to heh, harakat and tatweel removed."""
    return _MARKS.sub("", word).translate(_FOLD)


EXCLUDED_TERMS: tuple[str, ...] = tuple(sorted({form for word in FUNCTION_WORDS for form in (word, fold(word))}))
