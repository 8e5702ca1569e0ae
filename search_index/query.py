"""Turning a parsed query into a Whoosh query over the per-language fields.

Each word is analysed under every family the query is parsed under (its language's, English,
Indonesian, folded) and OR-ed across their title, summary and text fields, MultifieldParser
style; words are AND-ed. Where the analyser cuts one word into several tokens (Chinese,
bigram scripts, e-diplomacy) the tokens must be adjacent: a phrase. Glossary terms add their
equivalents in other languages at a lower boost.
"""

from __future__ import annotations

from dataclasses import dataclass

from whoosh import query as wq

from search_index import glossary
from search_index.analyzers import analyze, fold
from search_index.languages import family_of, query_families
from search_index.parse import AllOf, AnyOf, FieldValue, Node, Not, Phrase, Word, YearRange
from search_index.records import QueryError
from search_index.schema import PARTS, text_field
from search_index.scripts import is_bigram_script


@dataclass
class CompiledQuery:
    query: wq.Query  # what is searched
    positive: wq.Query  # the same without NOT parts: the terms to highlight


def _fields(families: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(family, text_field(part, family)) for family in families for part in PARTS]


def text_query(text: str, families: tuple[str, ...], boost: float = 1.0) -> wq.Query:
    """A word or phrase in any of the families' fields."""
    options: list[wq.Query] = []
    for family in families:
        tokens = [term for term, _ in analyze(family, text)]
        if not tokens:
            continue
        for part in PARTS:
            name = text_field(part, family)
            if len(tokens) > 1:
                options.append(wq.Phrase(name, tokens, boost=boost))
            elif (
                family in ("bigram", "folded")
                and len(tokens[0]) == 1
                and is_bigram_script(tokens[0])
            ):
                # One character of a bigram script: the bigrams that start with it.
                options.append(wq.Prefix(name, tokens[0], boost=boost))
            else:
                options.append(wq.Term(name, tokens[0], boost=boost))
    return _any(options)


def _prefix_query(text: str, families: tuple[str, ...]) -> wq.Query:
    prefix = fold(text)
    return _any([wq.Prefix(name, prefix) for _, name in _fields(families)])


def _fuzzy_query(word: Word, families: tuple[str, ...]) -> wq.Query:
    options: list[wq.Query] = []
    for family in families:
        tokens = [term for term, _ in analyze(family, word.text)]
        if len(tokens) != 1:
            continue
        for part in PARTS:
            name = text_field(part, family)
            options.append(wq.FuzzyTerm(name, tokens[0], maxdist=word.fuzzy, prefixlength=1))
    return _any(options)


def _any(options: list[wq.Query]) -> wq.Query:
    if not options:
        return wq.NullQuery
    return options[0] if len(options) == 1 else wq.Or(options)


def _with_equivalents(exact: wq.Query, words: list[str]) -> wq.Query:
    concept = glossary.concept_of(words)
    if concept is None:
        return exact
    options = [exact]
    for language, term in glossary.equivalents(concept, words):
        families = tuple(dict.fromkeys((family_of(language), "folded")))
        options.append(text_query(term, families, boost=glossary.EQUIVALENT_BOOST))
    return _any([option for option in options if option is not wq.NullQuery])


class _Compiler:
    def __init__(self, families: tuple[str, ...], positive_only: bool) -> None:
        self.families = families
        self.positive_only = positive_only

    def compile(self, node: Node) -> wq.Query:
        if isinstance(node, Word):
            return self.word(node)
        if isinstance(node, Phrase):
            return _with_equivalents(text_query(node.text, self.families), node.text.split())
        if isinstance(node, FieldValue):
            return wq.Term(node.name, node.value)
        if isinstance(node, YearRange):
            return wq.NumericRange("year", node.low, node.high)
        if isinstance(node, Not):
            return wq.NullQuery if self.positive_only else wq.Not(self.compile(node.child))
        if isinstance(node, AnyOf):
            return _any([q for q in map(self.compile, node.children) if q is not wq.NullQuery])
        return self.all_of(node)

    def word(self, word: Word) -> wq.Query:
        if word.prefix:
            return _prefix_query(word.text, self.families)
        if word.fuzzy:
            return _fuzzy_query(word, self.families)
        return _with_equivalents(text_query(word.text, self.families), [word.text])

    def all_of(self, node: AllOf) -> wq.Query:
        parts: list[wq.Query] = []
        children = list(node.children)
        i = 0
        while i < len(children):
            span = self.glossary_span(children, i)
            if span > 1:
                words = [child.text for child in children[i : i + span]]  # type: ignore[union-attr]
                exact = wq.And([self.compile(child) for child in children[i : i + span]])
                parts.append(_with_equivalents(exact, words))
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
        run: list[str] = []
        for child in children[start : start + glossary.MAX_TERM_WORDS]:
            if not isinstance(child, Word) or child.prefix or child.fuzzy:
                break
            run.append(child.text)
        for length in range(len(run), 1, -1):
            if glossary.concept_of(run[:length]):
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


def compile_query(root: Node | None, language: str | None = None) -> CompiledQuery:
    """The Whoosh query for a parsed query; the empty query matches everything."""
    if root is None:
        return CompiledQuery(wq.Every(), wq.NullQuery)
    families = query_families(_query_text(root), language)
    query = _Compiler(families, positive_only=False).compile(root)
    if query is wq.NullQuery:
        raise QueryError("the query has no words that can be searched")
    if isinstance(query, wq.Not):
        query = wq.And([wq.Every(), query])
    positive = _Compiler(families, positive_only=True).compile(root)
    return CompiledQuery(query, positive)
