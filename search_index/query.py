"""Turning a parsed query into a Whoosh query over the per-language fields.

A document is indexed once, in its language family's fields. Each word is analysed under every
family the query is parsed under (its language's, its scripts', English, Indonesian) and looked
up in those families' fields, OR-ed; words are AND-ed. Every analyzer folds Latin-script words
alike, so a Latin word's folded form is also looked up in the fields of every unstemmed family
(an English name inside a Thai or Vietnamese text), without running, or loading, their
segmenters. Where an analyser cuts one word into several tokens (Chinese, bigram scripts,
e-diplomacy) the tokens must keep their relative positions: a phrase. Phrases are matched in the
stemmed fields too, by position (no stop words are removed, so positions are exact).

Matching uses only the `text_*` fields (which hold the title and summary too); the boosted
`lead_*` fields are added with AndMaybe, so they raise the score of documents that already match
but never match on their own. A word or run of words naming a glossary concept also matches the
concept's forms in other languages, each in its family's field, at a lower boost (see
`glossary`). The result is evaluated by `evaluate`, not by Whoosh's matchers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from whoosh import query as wq

from search_index.analyzers import analyze, fold
from search_index.evaluate import Equivalents
from search_index.glossary import EQUIVALENT_BOOST, LOOSE_SLOP, MAX_TERM_WORDS, Equivalent, Glossary
from search_index.languages import FAMILIES, query_families
from search_index.parse import AllOf, AnyOf, FieldValue, Node, Not, Phrase, Word, YearRange
from search_index.records import QueryError
from search_index.schema import PARTS, STEMMED_FAMILIES, text_field
from search_index.scripts import is_bigram_script, script_runs

MATCH_PARTS = ("text",)
Expander = Callable[[str, int], list[str]]
UNSTEMMED_FAMILIES = tuple(f for f in FAMILIES if f not in STEMMED_FAMILIES)
SEGMENTING_FAMILIES = ("th", "zh", "ja")


@dataclass
class CompiledQuery:
    query: wq.Query  # what is searched
    root: Node | None
    families: tuple[str, ...]
    expand: Expander | None = None
    glossary: Glossary | None = None

    def positive(self, hit_families: Iterable[str]) -> wq.Query:
        """The query without NOT parts, over every part: the terms to mark in hits of
        `hit_families`. Glossary equivalents are analysed only for those families: analysing
        a Thai, Chinese or Japanese equivalent loads its segmenter (tens of MB that a worker
        serving Latin-script searches would otherwise carry)."""
        if self.root is None:
            return wq.NullQuery
        compiler = _Compiler(self.families, True, self.expand, frozenset(hit_families), self.glossary)
        return compiler.compile(self.root)


class SpacedPhrase(wq.Phrase):
    """Words at given relative positions (`offsets`), as the analyzer placed them."""

    def __init__(
        self, fieldname: str, words: list[str], offsets: list[int], boost: float = 1.0, slop: int = 1
    ):
        super().__init__(fieldname, words, slop=slop, boost=boost)
        self.offsets = offsets


def equivalent_query(equivalent: Equivalent, parts: tuple[str, ...], boost: float) -> wq.Query:
    """A glossary form in its family's fields: a term, or a (loose) phrase per spelling."""
    slop = LOOSE_SLOP if equivalent.loose else 1
    options: list[wq.Query] = []
    for terms, offsets in equivalent.phrases:
        for part in parts:
            name = text_field(part, equivalent.family)
            if len(terms) == 1:
                options.append(wq.Term(name, terms[0], boost=boost))
            else:
                options.append(SpacedPhrase(name, list(terms), list(offsets), boost=boost, slop=slop))
    return _any(options)


def analyses(text: str, families: tuple[str, ...]) -> dict[str, list[tuple[str, int]]]:
    """(term, position) pairs of `text` per family whose fields it is looked up in."""
    found = {family: analyze(family, text) for family in families}
    if all(kind == "word" for kind, _, _ in script_runs(text)):
        folded = found.get("folded") or analyze("folded", text)
        for family in UNSTEMMED_FAMILIES:
            found.setdefault(family, folded)
    return found


def text_query(
    text: str,
    families: tuple[str, ...],
    boost: float = 1.0,
    parts: tuple[str, ...] = PARTS,
    adjacent: bool = True,
) -> wq.Query:
    """A word or phrase in any of the fields it can be found in (see `analyses`).

    Without `adjacent`, several tokens need only all occur (cheaper than a phrase: for boosts).
    """
    options: list[wq.Query] = []
    for family, analysed in analyses(text, families).items():
        terms = [term for term, _ in analysed]
        if not terms:
            continue
        for part in parts:
            name = text_field(part, family)
            if len(terms) > 1 and adjacent:
                offsets = [pos - analysed[0][1] for _, pos in analysed]
                options.append(SpacedPhrase(name, terms, offsets, boost=boost))
            elif len(terms) > 1:
                options.append(wq.And([wq.Term(name, term, boost=boost) for term in terms]))
            elif family not in SEGMENTING_FAMILIES and len(terms[0]) == 1 and is_bigram_script(terms[0]):
                # One character of a bigram script: the bigrams that start with it.
                options.append(wq.Prefix(name, terms[0], boost=boost))
            else:
                options.append(wq.Term(name, terms[0], boost=boost))
    return _any(options)


def _prefix_query(text: str, families: tuple[str, ...], parts: tuple[str, ...]) -> wq.Query:
    prefix = fold(text)
    return _any(
        [wq.Prefix(text_field(part, family), prefix) for family in analyses(text, families) for part in parts]
    )


def _fuzzy_query(word: Word, families: tuple[str, ...], parts: tuple[str, ...]) -> wq.Query:
    options: list[wq.Query] = []
    for family, analysed in analyses(word.text, families).items():
        if len(analysed) != 1:
            continue
        for part in parts:
            name = text_field(part, family)
            options.append(wq.FuzzyTerm(name, analysed[0][0], maxdist=word.fuzzy, prefixlength=1))
    return _any(options)


class ArrayOr(wq.Or):
    """An Or that Whoosh matches with its array union (scores collected per window of
    documents) instead of a binary tree of union matchers, which it picks above 5,000
    documents: 30-40% faster here, where a word is an Or over several fields."""

    matcher_type = wq.Or.ARRAY_MATCHER


def _any(options: list[wq.Query]) -> wq.Query:
    options = [option for option in options if option is not wq.NullQuery]
    if not options:
        return wq.NullQuery
    return options[0] if len(options) == 1 else ArrayOr(options)


@dataclass
class _Compiler:
    """Compiles for searching (`for_highlight` False) or for collecting highlight terms."""

    families: tuple[str, ...]
    for_highlight: bool
    expand: Expander | None = None
    hit_families: frozenset[str] | None = None  # for highlighting: the families of the hits
    glossary: Glossary | None = None
    indexed_families: frozenset[str] | None = None  # glossary forms only in these (None: all)
    lead_boosts: list[wq.Query] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.parts = PARTS if self.for_highlight else MATCH_PARTS

    def compile(self, node: Node) -> wq.Query:
        if isinstance(node, Word):
            return self.word(node)
        if isinstance(node, Phrase):
            return self.with_equivalents(self.text(node.text, self.families), [node.text])
        if isinstance(node, FieldValue):
            return wq.Term(node.name, node.value)
        if isinstance(node, YearRange):
            return wq.NumericRange("year", node.low, node.high)
        if isinstance(node, Not):
            if self.for_highlight:
                return wq.NullQuery
            # Terms under NOT must not add lead boosts: compile them on a scratch compiler.
            scratch = _Compiler(self.families, False, self.expand, glossary=self.glossary,
                                indexed_families=self.indexed_families)  # fmt: skip
            return wq.Not(scratch.compile(node.child))
        if isinstance(node, AnyOf):
            return _any([self.compile(child) for child in node.children])
        return self.all_of(node)

    def text(self, text: str, families: tuple[str, ...]) -> wq.Query:
        if self.for_highlight:
            return text_query(text, families, parts=self.parts)
        lead = text_query(text, families, parts=("lead",), adjacent=False)
        if lead is not wq.NullQuery:
            self.lead_boosts.append(lead)
        return text_query(text, families, parts=self.parts)

    def word(self, word: Word) -> wq.Query:
        if word.prefix or word.fuzzy:
            if word.prefix:
                direct = _prefix_query(word.text, self.families, self.parts)
            else:
                direct = _fuzzy_query(word, self.families, self.parts)
            # Stemmed fields hold stems (negoti), which a prefix or an edit distance of the
            # typed word misses: the words it stands for are looked up as words instead.
            found = self.expand(word.text, word.fuzzy) if self.expand else []
            return _any([direct, *(text_query(w, self.families, parts=self.parts) for w in found)])
        exact = self.text(word.text, self.families)
        return self.with_equivalents(exact, [word.text])

    def with_equivalents(self, exact: wq.Query, words: list[str]) -> wq.Query:
        """`exact`, or also the other forms of a glossary concept the words name, boosted lower.
        Highlighting marks the forms only in the hits' families (analysing a Thai, Chinese or
        Japanese form loads its segmenter)."""
        if self.glossary is None:
            return exact
        only = self.hit_families if self.for_highlight else self.indexed_families
        found = self.glossary.equivalents_for(" ".join(words).split(), self.families, only)
        if not found:
            return exact
        if self.for_highlight:
            return _any([exact, *(equivalent_query(e, self.parts, 1.0) for e in found)])
        equivalents = [equivalent_query(e, self.parts, EQUIVALENT_BOOST) for e in found]
        if exact is wq.NullQuery:
            return _any(equivalents)
        return Equivalents(exact, equivalents)  # scored apart: the query's own words rank first

    def all_of(self, node: AllOf) -> wq.Query:
        parts: list[wq.Query] = []
        children = list(node.children)
        i = 0
        while i < len(children):
            span = self.glossary_span(children, i)
            if span > 1:
                words = [child.text for child in children[i : i + span]]  # type: ignore[union-attr]
                exact = wq.And([self.compile(child) for child in children[i : i + span]])
                parts.append(self.with_equivalents(exact, words))
                i += span
                continue
            parts.append(self.compile(children[i]))
            i += 1
        parts = [part for part in parts if part is not wq.NullQuery]
        if not parts:
            return wq.NullQuery
        if all(isinstance(part, wq.Not) for part in parts):
            parts.insert(0, wq.Every())
        return parts[0] if len(parts) == 1 else wq.And(parts)

    def glossary_span(self, children: list[Node], start: int) -> int:
        """Length of the longest run of plain words from `start` naming a glossary concept."""
        if self.glossary is None:
            return 1
        run: list[str] = []
        for child in children[start : start + MAX_TERM_WORDS]:
            if not isinstance(child, Word) or child.prefix or child.fuzzy:
                break
            run.append(child.text)
        for length in range(len(run), 1, -1):
            if self.glossary.concepts_of(run[:length], self.families):
                return length
        return 1


def _query_text(node: Node | None) -> str:
    if isinstance(node, Word | Phrase):
        return node.text
    if isinstance(node, AllOf | AnyOf):
        return " ".join(_query_text(child) for child in node.children)
    if isinstance(node, Not):
        return _query_text(node.child)
    return ""


def compile_query(
    root: Node | None,
    language: str | None = None,
    expand: Expander | None = None,
    glossary: Glossary | None = None,
    indexed_families: frozenset[str] | None = None,
) -> CompiledQuery:
    """The Whoosh query for a parsed query; the empty query matches everything.

    `expand(text, fuzzy)` gives the indexed words a prefix (fuzzy 0) or fuzzy word stands for;
    `glossary` adds the other forms of the concepts the query names (None: none), in the
    `indexed_families` (None: all).
    """
    if root is None:
        return CompiledQuery(wq.Every(), None, ())
    families = query_families(_query_text(root), language)
    compiler = _Compiler(families, False, expand, glossary=glossary, indexed_families=indexed_families)
    query = compiler.compile(root)
    if query is wq.NullQuery:
        raise QueryError("the query has no words that can be searched")
    if isinstance(query, wq.Not):
        query = wq.And([wq.Every(), query])
    if compiler.lead_boosts:
        query = wq.AndMaybe(query, _any(compiler.lead_boosts))
    return CompiledQuery(query, root, families, expand, glossary)
