"""Brand matching: which configured brands a post names, on normalized words, with the alias as written."""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from nlp.brand_sense.scorer import BrandSenseScorer, default_scorer
from nlp.normalize import normalize_for_matching

logger = logging.getLogger(__name__)

ROLES = ("brand", "competitor")

# Conjunction + preposition + article glued to an Arabic word: `وسهم`, `بسهم`, `لرفيق`, `والسهم`.
_CONJUNCTIONS = ("", "و", "ف")
_PREPOSITIONS = ("", "ب", "ل", "ك")
_MIN_STEM_LETTERS = 2

# Where one whitespace-separated chunk of a post splits into pieces reported separately.
_PIECE_RE = re.compile(r"[^\s'’.,،؛;:!?؟()\[\]{}\"«»/\\|<>~*+=…\-–—]+")
_NORMALIZED_WORD_RE = re.compile(r"[^\W_]+")
_PIECE_CACHE_SIZE = 65536
# Occurrences of a brand's ambiguous aliases the brand-sense model reads per post (the first ones):
# bounded work on a post that repeats the word thousands of times; the rest count only if confirmed.
MAX_SENSE_CHECKS = 16


@dataclass(frozen=True)
class BrandRule:
    """How posts name one brand: aliases (any script), handles, include and exclude terms, its role.

    `ambiguous_aliases` are aliases that also mean something else (سهم "share", رفيق "companion"):
    a match on one counts only if something confirms it — an include term in the post (outside any
    exclude term), or the brand-sense model (`nlp/brand_sense`) reading the words around it as a
    company's name. Without a model, an ambiguous alias of a brand with include terms needs one;
    of a brand without, it counts. Include terms confirm a brand, they never name it on their
    own. An alias inside an occurrence of an exclude term is not a match (the analyst's override).
    """

    id: str
    role: str = "brand"
    aliases: tuple[str, ...] = ()
    handles: tuple[str, ...] = ()
    include_terms: tuple[str, ...] = ()
    exclude_terms: tuple[str, ...] = ()
    ambiguous_aliases: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"brand {self.id!r}: role must be one of {ROLES}, got {self.role!r}")
        if not self.aliases and not self.handles and not self.include_terms:
            raise ValueError(f"brand {self.id!r}: no aliases, handles or include terms to match")
        unknown = set(self.ambiguous_aliases) - set(self.aliases)
        if unknown:
            raise ValueError(f"brand {self.id!r}: ambiguous_aliases {sorted(unknown)} are not among its aliases")

    @classmethod
    def from_config(cls, brand: Any) -> BrandRule:
        """Adapt a configured brand (id, name_ar, name_en, aliases, arabizi, handles, terms, role)."""
        names = [brand.name_ar, brand.name_en, *brand.aliases, *brand.arabizi]
        return cls(
            id=brand.id,
            role=brand.role,
            aliases=tuple(dict.fromkeys(name for name in names if name)),
            handles=tuple(brand.handles),
            include_terms=tuple(brand.include_terms),
            exclude_terms=tuple(brand.exclude_terms),
            ambiguous_aliases=frozenset(getattr(brand, "ambiguous_aliases", ())),
        )


@dataclass(frozen=True)
class BrandMatches:
    """The brands a post names (`[{"id", "alias", "role"}]`, first named first) and those ruled out:
    `excluded`, every alias inside an exclude term; `unconfirmed`, only ambiguous aliases that nothing
    (include term, brand-sense model) confirmed."""

    brands: list[dict[str, str]]
    excluded: tuple[str, ...] = ()
    unconfirmed: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Phrase:
    words: tuple[str, ...]
    brand: int
    kind: str  # "alias", "include" or "exclude"
    ambiguous: bool = False


@dataclass(frozen=True)
class _Word:
    text: str
    piece: int


@dataclass(frozen=True)
class _Piece:
    start: int
    text: str


@dataclass(frozen=True)
class _Occurrence:
    phrase: _Phrase
    first: int  # index of the first matched word
    last: int
    clitic: str  # the prefix stripped from the first word


class BrandMatcher:
    """Brand rules compiled once into a phrase index and a handle pattern; `match(text)` per post."""

    def __init__(self, rules: Sequence[BrandRule], sense: BrandSenseScorer | None | str = "default") -> None:
        """`sense`: the brand-sense model that confirms ambiguous aliases; "default" loads the shipped
        one when a rule has ambiguous aliases (a missing or broken model file raises BrandSenseError);
        None matches without one."""
        ids = [rule.id for rule in rules]
        duplicates = sorted({brand_id for brand_id in ids if ids.count(brand_id) > 1})
        if duplicates:
            raise ValueError(f"brand ids must be unique; repeated: {duplicates}")
        self.rules = tuple(rules)
        self._phrases = _phrase_index(self.rules)
        self._handles = {
            handle.lstrip("@").casefold(): index for index, rule in enumerate(self.rules) for handle in rule.handles
        }
        self._handle_re = _handle_pattern(self._handles)
        if sense == "default":
            sense = default_scorer() if any(rule.ambiguous_aliases for rule in self.rules) else None
        self._sense = sense

    @property
    def handles(self) -> frozenset[str]:
        """Every configured brand's own handles (casefolded, without `@`): the brand, not a person."""
        return frozenset(self._handles)

    @classmethod
    def from_brands(cls, brands: Iterable[Any]) -> BrandMatcher:
        """A matcher from `BrandRule`s or configured brands (converted with `BrandRule.from_config`)."""
        return cls([brand if isinstance(brand, BrandRule) else BrandRule.from_config(brand) for brand in brands])

    def match(self, text: str) -> list[dict[str, str]]:
        """`[{"id", "alias", "role"}]` for each brand the post names, the alias as written."""
        return self.match_with_exclusions(text).brands

    def match_with_exclusions(self, text: str) -> BrandMatches:
        """The brands named, and those ruled out (by an exclude term, or an ambiguous alias unconfirmed)."""
        pieces, words = _normalized_words(text)
        occurrences = self._occurrences(words)
        found: dict[int, tuple[int, str]] = {}
        excluded: list[int] = []
        unconfirmed: list[int] = []
        for brand, brand_occurrences in _by_brand(occurrences).items():
            counted = self._counted(brand, brand_occurrences, words)
            if counted:
                first = counted[0]
                found[brand] = (pieces[words[first.first].piece].start, _alias_as_written(first, text, pieces, words))
            elif any(occ.phrase.kind == "alias" for occ in _outside_excludes(brand_occurrences)):
                unconfirmed.append(brand)  # only the ambiguity rule dropped its aliases
            elif any(occurrence.phrase.kind == "alias" for occurrence in brand_occurrences):
                excluded.append(brand)
        for match in self._handle_re.finditer(text) if self._handle_re else ():
            brand = self._handles[match.group(1).casefold()]
            if brand not in found or match.start() < found[brand][0]:
                found[brand] = (match.start(), match.group())
        return self._result(found, excluded, unconfirmed)

    def occurrence_spans(self, text: str) -> dict[str, list[tuple[int, int]]]:
        """Where each named brand is named in `text`: `{brand id: [(start, end), …]}` (character
        offsets of its counted aliases and its handles, in order), for brands `match` finds."""
        pieces, words = _normalized_words(text)
        spans: dict[str, list[tuple[int, int]]] = {}
        for brand, brand_occurrences in _by_brand(self._occurrences(words)).items():
            for occ in self._counted(brand, brand_occurrences, words):
                start = pieces[words[occ.first].piece].start
                last_piece = pieces[words[occ.last].piece]
                spans.setdefault(self.rules[brand].id, []).append((start, last_piece.start + len(last_piece.text)))
        for match in self._handle_re.finditer(text) if self._handle_re else ():
            spans.setdefault(self.rules[self._handles[match.group(1).casefold()]].id, []).append(match.span())
        return {brand: sorted(set(places)) for brand, places in spans.items()}

    def _result(self, found: dict[int, tuple[int, str]], excluded: list[int], unconfirmed: list[int]) -> BrandMatches:
        ordered = sorted(found.items(), key=lambda item: item[1][0])
        brands = [
            {"id": self.rules[brand].id, "alias": alias, "role": self.rules[brand].role}
            for brand, (_, alias) in ordered
        ]
        ruled_out = tuple(self.rules[brand].id for brand in excluded if brand not in found)
        doubted = tuple(self.rules[brand].id for brand in unconfirmed if brand not in found)
        return BrandMatches(brands, ruled_out, doubted)

    def _occurrences(self, words: list[_Word]) -> list[_Occurrence]:
        occurrences = []
        for index, word in enumerate(words):
            for clitic, stem in _stems(word.text):
                for phrase in self._phrases.get(stem, ()):
                    if _follows(words, index, phrase.words):
                        occurrences.append(_Occurrence(phrase, index, index + len(phrase.words) - 1, clitic))
        return occurrences

    def _counted(self, brand: int, occurrences: list[_Occurrence], words: list[_Word]) -> list[_Occurrence]:
        """The brand's alias occurrences that survive exclusion and ambiguity rules, first first."""
        kept = _outside_excludes(occurrences)
        aliases = [occ for occ in kept if occ.phrase.kind == "alias"]
        included = any(occ.phrase.kind == "include" for occ in kept)
        if not included and any(occ.phrase.ambiguous for occ in aliases):
            if self._sense is not None:
                plain = [word.text for word in words]
                doubtful = [occ for occ in aliases if occ.phrase.ambiguous][:MAX_SENSE_CHECKS]
                read_as_brand = {id(occ) for occ in doubtful
                                 if self._sense.names_brand(plain, occ.first, occ.last, occ.clitic)}
                aliases = [occ for occ in aliases if not occ.phrase.ambiguous or id(occ) in read_as_brand]
            elif self.rules[brand].include_terms:
                aliases = [occ for occ in aliases if not occ.phrase.ambiguous]
        return sorted(aliases, key=lambda occ: (occ.first, -occ.last))


def matching_words(text: str) -> list[str]:
    """A post's normalized words, as the matcher compares them."""
    return [word.text for word in _normalized_words(text)[1]]


def clitic_readings(word: str) -> tuple[tuple[str, str], ...]:
    """`(clitic, stem)` readings of a normalized word, as the matcher tries them (itself first)."""
    return _stems(word)


def _outside_excludes(occurrences: list[_Occurrence]) -> list[_Occurrence]:
    """The occurrences that lie outside every exclude term's words."""
    excluded_words = {
        index for occ in occurrences if occ.phrase.kind == "exclude" for index in range(occ.first, occ.last + 1)
    }
    return [occ for occ in occurrences if excluded_words.isdisjoint(range(occ.first, occ.last + 1))]


def _phrase_index(rules: Sequence[BrandRule]) -> dict[str, list[_Phrase]]:
    """First normalized word -> phrases starting with it, longest first."""
    index: dict[str, list[_Phrase]] = {}
    for brand, rule in enumerate(rules):
        kinds = (
            *((alias, "alias", alias in rule.ambiguous_aliases) for alias in rule.aliases),
            *((term, "include", False) for term in rule.include_terms),
            *((term, "exclude", False) for term in rule.exclude_terms),
        )
        for phrase_text, kind, ambiguous in kinds:
            words = tuple(_NORMALIZED_WORD_RE.findall(normalize_for_matching(phrase_text)))
            if not words:
                raise ValueError(f"brand {rule.id!r}: {kind} {phrase_text!r} has no words to match")
            index.setdefault(words[0], []).append(_Phrase(words, brand, kind, ambiguous))
    for phrases in index.values():
        phrases.sort(key=lambda phrase: -len(phrase.words))
    return index


def _handle_pattern(handles: dict[str, int]) -> re.Pattern[str] | None:
    if not handles:
        return None
    names = "|".join(re.escape(name) for name in sorted(handles, key=len, reverse=True))
    return re.compile(rf"(?<![\w@])@({names})(?!\w)", re.IGNORECASE)


def _normalized_words(text: str) -> tuple[list[_Piece], list[_Word]]:
    """The post's pieces as written and its normalized words, each word pointing at its piece."""
    pieces: list[_Piece] = []
    words: list[_Word] = []
    for match in _PIECE_RE.finditer(text):
        normalized = _piece_words(match.group())
        if not normalized:
            continue
        pieces.append(_Piece(match.start(), match.group()))
        words.extend(_Word(word, len(pieces) - 1) for word in normalized)
    return pieces, words


@functools.lru_cache(maxsize=_PIECE_CACHE_SIZE)
def _piece_words(piece: str) -> tuple[str, ...]:
    """The normalized words of one piece of a post (cached: posts repeat most of their words)."""
    return tuple(_NORMALIZED_WORD_RE.findall(normalize_for_matching(piece)))


@functools.lru_cache(maxsize=_PIECE_CACHE_SIZE)
def _stems(word: str) -> tuple[tuple[str, str], ...]:
    """`(clitic, stem)` readings of a word: itself, and Arabic clitic prefixes stripped."""
    readings = [("", word)]
    if not _is_arabic(word):
        return tuple(readings)
    for prefix in _CLITIC_PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= _MIN_STEM_LETTERS:
            stem = word[len(prefix) :]
            readings.append((prefix, stem))
            if prefix.endswith("لل"):
                readings.append((prefix[:-1], "ال" + stem))  # لل is ل + ال
    return tuple(readings)


def _clitic_prefixes() -> tuple[str, ...]:
    prefixes = set()
    for conjunction in _CONJUNCTIONS:
        for preposition in _PREPOSITIONS:
            for article in ("", "ال"):
                prefix = conjunction + preposition + article
                if preposition == "ل" and article:
                    prefix = conjunction + "لل"
                prefixes.add(prefix)
    prefixes.discard("")
    return tuple(sorted(prefixes, key=len, reverse=True))


_CLITIC_PREFIXES = _clitic_prefixes()


def _is_arabic(word: str) -> bool:
    return "\u0600" <= word[0] <= "\u06ff"


def _follows(words: list[_Word], index: int, phrase: tuple[str, ...]) -> bool:
    if index + len(phrase) > len(words):
        return False
    return all(words[index + offset].text == phrase[offset] for offset in range(1, len(phrase)))


def _by_brand(occurrences: list[_Occurrence]) -> dict[int, list[_Occurrence]]:
    grouped: dict[int, list[_Occurrence]] = {}
    for occurrence in occurrences:
        grouped.setdefault(occurrence.phrase.brand, []).append(occurrence)
    return grouped


def _alias_as_written(occurrence: _Occurrence, text: str, pieces: list[_Piece], words: list[_Word]) -> str:
    """The stretch of the post that matched, without a glued clitic or surrounding symbols."""
    first_piece = pieces[words[occurrence.first].piece]
    last_piece = pieces[words[occurrence.last].piece]
    written = text[first_piece.start : last_piece.start + len(last_piece.text)]
    if occurrence.clitic and written.startswith(occurrence.clitic):
        written = written[len(occurrence.clitic) :].lstrip(_COMBINING_MARKS)
    return _strip_symbols(written)


_COMBINING_MARKS = "".join(chr(code) for code in range(0x064B, 0x0660)) + "\u0670"


def _strip_symbols(written: str) -> str:
    start, end = 0, len(written)
    while start < end and not _is_word_char(written[start]):
        start += 1
    while end > start and not _is_word_char(written[end - 1]):
        end -= 1
    return written[start:end]


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char in "#@_" or unicodedata.category(char) == "Mn" or char == "\u0640"
