"""The explainable topic matcher: seed phrases, and aspect words near a complaint cue, matched on
matching-normalized words, clitic- and negation-aware, returning evidence spans in the original text
(weak labels and explanations, not the classifier)."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from nlp.normalize import normalize_for_matching

# Words that negate what follows (MSA, Gulf, Egyptian, Levantine, Maghrebi, Arabizi, English),
# as they look after matching normalization.
NEGATORS = frozenset(
    "ما مو مب مش مهو مهي مافي مافيه مفيش لا لم لن ليس ليست ماشي مكانش مش ماكاين "
    "mesh msh mish ma mafi not no never dont didnt doesnt isnt wasnt cant wont".split()
)
# Proclitics stripped (longest first) before comparing words; a core keeps at least 3 letters.
_PROCLITICS = ("وبال", "وال", "فال", "بال", "كال", "ولل", "لل", "ال", "و", "ف", "ب", "ل", "ك")
_MIN_CORE = 3
# Attached pronouns (longest first, as they look after matching normalization): a text word also
# matches without one, so `استرجاعه`, `فلوسي` and `حسابكم` match `استرجاع`, `فلوس`, `حساب`.
_ENCLITICS = ("هما", "كما", "هم", "هن", "كم", "كن", "نا", "ها", "ني", "ه", "ك", "ي")
_WORD_RE = re.compile(r"\S+")
_SEPARATOR = " \x01 "  # a control character that normalization keeps and no post holds as a word
_CORES: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {}  # written word -> its (core, forms) (a hashtag may hold several)
_CACHE_SIZE = 200_000
MAX_GAP = 2  # words allowed between two consecutive words of a seed phrase
# A negator right before a match negates it; one word may sit between them when it is one of these
# (`ما في تأخير`, `مو كان سيء`, `not really slow`).
NEGATION_FILLERS = frozenset("في فيه فيها كان كانت عندي عندهم يوجد هناك بها فيه is was really very that too".split())
PROXIMITY = 3  # words allowed between an aspect word and a complaint cue
CUE = "\x00cue"  # the internal label of complaint cues


@dataclass(frozen=True)
class Evidence:
    """One seed phrase found in a text: the label, the seed, and the span in the original text."""

    label: str
    seed: str
    text: str
    start: int
    end: int

    def record(self) -> dict:
        """The shape of the mention record's `nlp.evidence` items."""
        return {"label": self.label, "text": self.text, "start": self.start, "end": self.end}


@dataclass(frozen=True)
class _Word:
    core: str
    start: int
    end: int
    forms: tuple[str, ...]  # the core, and the core without an attached pronoun


@dataclass(frozen=True)
class _Seed:
    label: str
    phrase: str
    cores: tuple[str, ...]
    negated_phrase: bool
    forms: tuple[frozenset[str], ...]  # word_forms of each core


def word_core(word: str) -> str:
    """A matching-normalized word without its leading conjunction, preposition and article
    (`والتوصيل` -> `توصيل`, `بالطلب` -> `طلب`), never shorter than three letters."""
    if word[:1] in ("و", "ف") and word[1:] in NEGATORS:  # `وما`, `فلا`: a conjunction on a short negator
        return word[1:]
    core = word
    for clitic in _PROCLITICS:
        if core.startswith(clitic) and len(core) - len(clitic) >= _MIN_CORE:
            core = core[len(clitic):]
            break
    if core.startswith("ال") and len(core) - 2 >= _MIN_CORE:
        core = core[2:]
    return core


def word_forms(core: str) -> tuple[str, ...]:
    """The core and, when it ends in an attached pronoun, the core without it (>= 3 letters)."""
    for enclitic in _ENCLITICS:
        if core.endswith(enclitic) and len(core) - len(enclitic) >= _MIN_CORE:
            return core, core[: -len(enclitic)]
    return (core,)


def text_words(text: str) -> list[_Word]:
    """The text's words as matching-normalized cores, each with the span of its original word."""
    spans = [(match.start(), match.end(), match.group()) for match in _WORD_RE.finditer(text)]
    _normalize_new_words([word for *_, word in spans if word not in _CORES])
    return [_Word(core, start, end, forms) for start, end, word in spans for core, forms in _CORES[word]]


def _normalize_new_words(words: list[str]) -> None:
    """Normalize words not seen yet in one pass (joined by a separator no step touches) and cache
    their cores; words repeat across posts, so most are found in the cache."""
    if not words:
        return
    if len(_CORES) > _CACHE_SIZE:
        _CORES.clear()
    pieces = normalize_for_matching(_SEPARATOR.join(words)).split(_SEPARATOR.strip())
    if len(pieces) != len(words):  # a word held the separator: normalize word by word
        pieces = [normalize_for_matching(word) for word in words]
    for word, piece in zip(words, pieces):
        _CORES[word] = tuple((core, word_forms(core)) for core in map(word_core, piece.split()))


class TopicMatcher:
    """Finds, per label, its seed phrases (whole words, small gaps, negation-aware) and its aspect
    words within PROXIMITY words of a complaint cue (`التوصيل ... متأخر`, `النت ... زفت`)."""

    def __init__(self, seeds: Iterable[tuple[str, str]], aspects: Iterable[tuple[str, str]] = (),
                 cues: Iterable[str] = ()):
        self.labels: list[str] = []
        self._by_first: dict[str, list[_Seed]] = {}
        self._aspects: dict[str, list[_Seed]] = {}
        for label, phrase in seeds:
            self._add(self._by_first, label, phrase)
        for label, phrase in aspects:
            self._add(self._aspects, label, phrase)
        self._cues: dict[str, list[_Seed]] = {}
        for phrase in cues:
            self._add(self._cues, CUE, phrase, register=False)
        # the most words a cue occurrence can span (its words and the gaps between them)
        self._longest_cue = max((len(seed.cores) * (MAX_GAP + 1) for seeds in self._cues.values() for seed in seeds),
                                default=0)

    def _add(self, index: dict[str, list[_Seed]], label: str, phrase: str, register: bool = True) -> None:
        cores = tuple(word_core(word) for word in normalize_for_matching(phrase).split())
        if not cores:
            what = "complaint cue" if label == CUE else f"phrase of {label!r}"
            raise ValueError(f"{what} {phrase!r} has no words after normalization")
        if register and label not in self.labels:
            self.labels.append(label)
        seed = _Seed(label, phrase, cores, any(core in NEGATORS for core in cores),
                     tuple(frozenset(word_forms(core)) for core in cores))
        for form in seed.forms[0]:
            index.setdefault(form, []).append(seed)

    @classmethod
    def from_topics(cls, topics_file) -> TopicMatcher:
        """From a validated TopicsFile (config.models): its topics, then its signals, and its cues."""
        entries = [*topics_file.topics, *topics_file.signals]
        return cls(((entry.id, seed) for entry in entries for seed in entry.seeds),
                   ((entry.id, aspect) for entry in entries for aspect in entry.aspects),
                   topics_file.complaint_cues)

    @classmethod
    def from_file(cls, path: str | Path) -> TopicMatcher:
        """From a topics.yaml file; a ConfigError names the file and key of any problem."""
        from config.loader import load_topics

        return cls.from_topics(load_topics(path))

    def match(self, text: str) -> list[Evidence]:
        """Every non-negated seed occurrence and aspect-near-cue pair, in text order; one per label and span."""
        words = text_words(text)
        found: dict[tuple[str, int, int], Evidence] = {}
        covered: set[tuple[str, int]] = set()  # (label, word) inside a seed match
        for seed, first, last in _occurrences(words, self._by_first):
            start, end = words[first].start, words[last].end
            found.setdefault((seed.label, start, end), Evidence(seed.label, seed.phrase, text[start:end], start, end))
            covered.update((seed.label, position) for position in range(first, last + 1))
        if self._aspects and self._cues:
            cues = list(_occurrences(words, self._cues))  # in word order
            cue_starts = [a for _, a, _ in cues]
            for aspect, first, last in _occurrences(words, self._aspects):
                if (aspect.label, first) in covered:
                    continue
                nearby = cues[bisect_left(cue_starts, first - PROXIMITY - 1 - self._longest_cue):
                              bisect_right(cue_starts, last + PROXIMITY + 1)]
                near = [(cue, a, b) for cue, a, b in nearby if a - last - 1 <= PROXIMITY and first - b - 1 <= PROXIMITY
                        and (b < first or a > last)]
                if not near:
                    continue
                cue, a, b = min(near, key=lambda item: min(abs(item[1] - last), abs(first - item[2])))
                start, end = words[min(first, a)].start, words[max(last, b)].end
                evidence = Evidence(aspect.label, f"{aspect.phrase} ~ {cue.phrase}", text[start:end], start, end)
                found.setdefault((aspect.label, start, end), evidence)
        return sorted(_outermost(found.values()), key=lambda evidence: (evidence.start, evidence.label))

    def labels_of(self, text: str) -> set[str]:
        """The labels with at least one piece of evidence in the text."""
        return {evidence.label for evidence in self.match(text)}

    def match_many(self, texts: Sequence[str]) -> list[list[Evidence]]:
        return [self.match(text) for text in texts]


def _occurrences(words: list[_Word], index: dict[str, list[_Seed]]):
    """(phrase, first word, last word) of each non-negated occurrence of the indexed phrases."""
    for position, word in enumerate(words):
        seeds = index.get(word.core, ())
        if len(word.forms) > 1:  # a seed may be indexed under both forms: once each
            seeds = {id(seed): seed for form in word.forms for seed in index.get(form, ())}.values()
        for seed in seeds:
            last = _match_rest(words, position, seed.forms)
            if last is not None and (seed.negated_phrase or not _negated(words, position)):
                yield seed, position, last


def _match_rest(words: list[_Word], first: int, forms: tuple[frozenset[str], ...]) -> int | None:
    """The index of the word matching the seed's last word, each within MAX_GAP of the previous
    (two words match when they share a form: with or without an attached pronoun)."""
    position = first
    for wanted in forms[1:]:
        window = range(position + 1, min(len(words), position + 2 + MAX_GAP))
        position = next((i for i in window if not wanted.isdisjoint(words[i].forms)), -1)
        if position < 0:
            return None
    return position


def _negated(words: list[_Word], index: int) -> bool:
    if index >= 1 and words[index - 1].core in NEGATORS:
        return True
    return index >= 2 and words[index - 2].core in NEGATORS and words[index - 1].core in NEGATION_FILLERS


def _outermost(evidence: Iterable[Evidence]) -> list[Evidence]:
    """Drop a span of a label inside a longer span of the same label (spans are unique per label).

    One sweep per label over the spans sorted by start, longest first: a span ending no later than
    an earlier one ends is inside it (O(n log n); comparing every pair was quadratic in a long post)."""
    kept = []
    by_label: dict[str, list[Evidence]] = {}
    for item in evidence:
        by_label.setdefault(item.label, []).append(item)
    for items in by_label.values():
        furthest = -1
        for item in sorted(items, key=lambda item: (item.start, -item.end)):
            if item.end > furthest:
                kept.append(item)
            furthest = max(furthest, item.end)
    return kept
