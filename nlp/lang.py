"""Script and language tag of a post: Arabic, Arabizi (Latin-script Arabic), English, mixed, other."""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass

logger = logging.getLogger(__name__)

LANG_TAGS = ("ar", "ar-Latn", "en", "mixed", "other")

# Links, @handles and e-mail addresses are Latin whatever the post's language: not evidence.
# Linear on any input: the e-mail alternative starts only at the start of a whitespace-delimited
# chunk and each of its parts stops at an `@` (`\S+@\S+\.\S+` was quadratic on a long chunk).
_NOT_LANGUAGE_RE = re.compile(
    r"(?:https?://|www\.)\S+|(?<!\S)[^\s@]+@[^\s@]+\.\S+|(?<![\w@])@\w+", re.IGNORECASE
)
_WORD_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")

# Arabizi writes the letters Latin lacks with digits: 2 ء, 3 ع, 3' غ, 5 خ, 6 ط, 7 ح, 8 ق/غ, 9 ص/ق.
_ARABIZI_SHAPE_RE = re.compile(r"[a-z'2356789]+")
_DIGIT_RUN_RE = re.compile(r"[0-9]{2}")
_ENGLISH_NUMERIC_RE = re.compile(r"[0-9]+(?:st|nd|rd|th|g|k|m|gb|mb|tb|p|px|hz|mah|am|pm|x|s|d|h|min|sec)")
_LEETSPEAK = frozenset(
    "2day 2morrow 2moro 2nite 2night gr8 h8 l8 l8r m8 m8s str8 w8 sk8 b2b b2c p2p h2o co2 2fa a2z x2 2x "
    "web3 mp3 mp4 ps2 ps3 ps5 g5 s23 a53 a54 covid19 ww2 wc2 ".split()
)

# Frequent Arabizi words across Gulf, Egyptian, Levantine and Maghrebi posts. Weak words also
# exist in English, French or Spanish (or are a brand name), so they count half.
_ARABIZI_WORDS = frozenset(
    """
    msh mesh mish mush ana enta enti inta inti ento into entu intu e7na e7no ehna ahna humma homma hia hya howa
    7abibi habibi habibti 7abibti yalla yallah inshallah insha2allah inshalla wallah wallahi walla wallahy
    3ashan 3shan ashan 3alashan 3lashan ma3 ma3ak ma3ah bs bas ktir kteer kter kthir shu shou sho eh leh lesh
    laish laysh lish keda kda kedda mafi mafee mafish mafeesh mafesh wayed wayid wajed zay ezay izay ezzay
    kaman kman lazem lazim 3ayez 3awez 3ayz 3ayza 3awza 3ayzeen momken mumkin mmkn fein fen feen wein wen
    ween kol kolo kollo shwaya shwai shway shwayya 7elw 7elwa 7elou helw helwa gamed gamda akeed akid
    tayeb tayyib tayb khalas 5alas yani ya3ni ya3ny ahlan marhaba shukran shokran mashallah mashalla
    alhamdulillah hamdella 3ala 3la ely elly elli illi eli lama lamma bardo barda awi awy 2awi gedan gdn
    giddan begad bgd ba2a delwa2ty dlwa2ty dlw2ty hal2 halla hala2 hek heik heek shlon shlonak shlonek 3ad
    chithi chidhi hagi ba3dain ba3den b3den 3ndi 3andi 3ndak 3andak 7aga haga 7agat hagat flous floos felos
    fulus raseed rased shabaka sa3a marra nafs ba3d b3d abdan abadan tab3an tab3n 5ales 7ad 7ada wla wala
    walakin lakin bass bta3 beta3 bta3t beta3et 3amel 3amla 3amlin bet3mel bya3mel kwayes kwayis kwayesa
    wa7ed wa7da ta3ban za3lan zahe2t mabsoot mabsut mabsoota 3aref 3arfa mesh3aref mawgood mawgud mafrood
    hay hayda haydi hal shi ishi eshi 7ilu 7elo mni7 mnih kifak kifik keefak keefik shou3am bdi baddi
    bidi biddi 3am ya3tik ye3tik yslmo yeslamo tislam teslam hathi hadi hatha hada hadha wesh wach bghit
    bzaf bezaf mzyan mzian daba chwiya 3lach 3lah kifash kifach barcha barsha behi mouch famma chnowa yezzi
    """.split()
)
_WEAK_ARABIZI_WORDS = frozenset("el al w ya fi fe zain da di dah dih ma la".split())

# English function words (no product nouns: `el service`, `el app` are Arabizi too).
_ENGLISH_WORDS = frozenset(
    """
    the is are was were be been being a an and or but if then than so to of in on at by for with from
    into about after before again still also just only very too not no yes my your our their his her its
    it this that these those i you we they he she me us them what why how when where which who there here
    have has had do does did can could will would should must may might all any some more most much many
    please thanks thank never ever always get got give gave take took make made want need know think
    really because while
    """.split()
)
_FRENCH_WORDS = frozenset(
    "le la les des du une un est et je tu il nous vous ils pas tres très pour avec mais que qui ce cette "
    "sur dans mon ma mes ton sont été fait c'est j'ai n'est bien merci".split()
)

_MINORITY_SHARE_FOR_MIXED = 0.25


@dataclass(frozen=True)
class _ScriptWords:
    arabic: int
    latin: list[str]
    other: int


def detect_lang(text: str) -> str:
    """Tag a post `ar`, `ar-Latn` (Arabizi), `en`, `mixed` or `other` by its words' scripts and vocabulary."""
    words = _script_words(text)
    latin = len(words.latin)
    if words.arabic + latin + words.other == 0 or words.other > words.arabic + latin:
        return "other"
    if latin == 0:
        return "ar"
    latin_tag = _latin_tag(words.latin)
    if words.arabic == 0:
        return latin_tag
    minority = min(words.arabic, latin) / (words.arabic + latin)
    if minority < _MINORITY_SHARE_FOR_MIXED:
        return "ar" if words.arabic > latin else latin_tag
    return "mixed"


def is_arabizi(text: str) -> bool:
    """True when the Latin-script words of `text` read as Arabic (digit-letters, Arabizi vocabulary)."""
    return _is_arabizi_words(_script_words(text).latin)


def _is_arabizi_words(latin_words: list[str]) -> bool:
    arabizi = _arabizi_evidence(latin_words)
    english = sum(1 for word in latin_words if word in _ENGLISH_WORDS)
    return arabizi >= 1 and arabizi > english


def _latin_tag(latin_words: list[str]) -> str:
    if _is_arabizi_words(latin_words):
        return "ar-Latn"
    english = sum(1 for word in latin_words if word in _ENGLISH_WORDS)
    french = sum(1 for word in latin_words if word in _FRENCH_WORDS)
    return "other" if french > english else "en"


def _arabizi_evidence(latin_words: list[str]) -> float:
    score = 0.0
    for word in latin_words:
        if _is_arabizi_digit_word(word) or word in _ARABIZI_WORDS:
            score += 1.0
        elif word in _WEAK_ARABIZI_WORDS:
            score += 0.5
    return score


def _is_arabizi_digit_word(word: str) -> bool:
    """`7aga`, `3agebny`, `za3'al`, `rafee2`: digits standing for Arabic letters inside a word."""
    if not _ARABIZI_SHAPE_RE.fullmatch(word) or _DIGIT_RUN_RE.search(word):
        return False
    letters = sum(1 for char in word if char.isalpha())
    digits = len(word) - letters - word.count("'")
    if digits == 0 or letters == 0 or len(word) < 3:
        return False
    return word not in _LEETSPEAK and not _ENGLISH_NUMERIC_RE.fullmatch(word)


def _script_words(text: str) -> _ScriptWords:
    """Count the words of `text` by script; Latin words are kept, lowercased, for vocabulary checks."""
    arabic, other = 0, 0
    latin: list[str] = []
    for word in _WORD_RE.findall(_NOT_LANGUAGE_RE.sub(" ", text)):
        script = _word_script(word)
        if script == "arabic":
            arabic += 1
        elif script == "latin":
            latin.append(word.lower().replace("’", "'"))
        elif script == "other":
            other += 1
    return _ScriptWords(arabic, latin, other)


def _word_script(word: str) -> str | None:
    """The script of a word's letters; None for a number (no letters)."""
    for char in word:
        if not char.isalpha():
            continue
        if "\u0600" <= char <= "\u06ff" or "\u0750" <= char <= "\u08ff" or "\ufb50" <= char <= "\ufeff":
            return "arabic"
        if char.isascii() or unicodedata.name(char, "").startswith("LATIN"):
            return "latin"
        return "other"
    return None
