"""Turning a parsed query into a Whoosh query over the per-language fields.

Each word is analysed under every family the query is parsed under (its language's, English,
Indonesian, folded) and OR-ed across those families' fields, MultifieldParser style; words are
AND-ed. Where an analyser cuts one word into several tokens (Chinese, bigram scripts,
e-diplomacy) the tokens must be adjacent: a phrase.

Whoosh walks every sub-query of a union for every candidate document, so the number of fields a
word is looked up in is what a search costs. Hence: matching uses only the `text_*` fields (which
hold the title and summary too); the boosted `lead_*` fields are added with AndMaybe, so they
raise the score of documents that already match but are never searched on their own; and a plain
word uses `text_generic` (the folded copy of documents that are not English or Indonesian)
where `text_folded` would match English and Indonesian documents a second time.

Glossary terms also match the `concept` field at a lower boost (see `glossary`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from whoosh import query as wq

from search_index import glossary
from search_index.analyzers import analyze, fold
from search_index.languages import family_of, query_families
from search_index.parse import AllOf, AnyOf, FieldValue, Node, Not, Phrase, Word, YearRange
from search_index.records import QueryError
from search_index.schema import GENERIC_FIELD, PARTS, STEMMED_FAMILIES, text_field
from search_index.scripts import is_bigram_script

MATCH_PARTS = ("text",)


@dataclass
class CompiledQuery:
    query: wq.Query  # what is searched
    positive: wq.Query  # the same without NOT parts, over every part: the terms to highlight


def text_query(
    text: str,
    families: tuple[str, ...],
    boost: float = 1.0,
    parts: tuple[str, ...] = PARTS,
    generic: bool = False,
    adjacent: bool = True,
) -> wq.Query:
    """A word or phrase in any of the families' fields.

    With `generic`, a one-token word is looked up in `text_generic` instead of `text_folded`
    when the English and Indonesian fields are searched for it too: they already hold every
    English and Indonesian document, which would otherwise be matched (and scored) twice.
    Without `adjacent`, several tokens need only all occur (cheaper than a phrase: for boosts).
    """
    analysed = {family: [term for term, _ in analyze(family, text)] for family in families}
    # A stop word of English or Indonesian (no token there) must still be found in their
    # documents, through the full folded field.
    use_generic = generic and all(len(analysed.get(f, ())) == 1 for f in STEMMED_FAMILIES)
    options: list[wq.Query] = []
    for family, tokens in analysed.items():
        if not tokens:
            continue
        for part in parts:
            name = text_field(part, family)
            if use_generic and name == "text_folded" and len(tokens) == 1:
                name = GENERIC_FIELD
            if len(tokens) > 1 and adjacent:
                options.append(wq.Phrase(name, tokens, boost=boost))
            elif len(tokens) > 1:
                options.append(wq.And([wq.Term(name, token, boost=boost) for token in tokens]))
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


def _prefix_query(text: str, families: tuple[str, ...], parts: tuple[str, ...]) -> wq.Query:
    prefix = fold(text)
    return _any(
        [wq.Prefix(text_field(part, family), prefix) for family in families for part in parts]
    )


def _fuzzy_query(word: Word, families: tuple[str, ...], parts: tuple[str, ...]) -> wq.Query:
    options: list[wq.Query] = []
    for family in families:
        tokens = [term for term, _ in analyze(family, word.text)]
        if len(tokens) != 1:
            continue
        for part in parts:
            name = text_field(part, family)
            options.append(wq.FuzzyTerm(name, tokens[0], maxdist=word.fuzzy, prefixlength=1))
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
    lead_boosts: list[wq.Query] = field(default_factory=list)

    def __post_init__(self) -> None:
        # A quoted phrase asks for these exact words: the unstemmed folded fields (which hold
        # every document) answer it, with the segmenting families of non-Latin scripts.
        # Phrases are Whoosh's slowest query; each stemmed field skipped halves the cost.
        self.phrase_families = tuple(f for f in self.families if f not in ("en", "id"))
        self.parts = PARTS if self.for_highlight else MATCH_PARTS

    def compile(self, node: Node) -> wq.Query:
        if isinstance(node, Word):
            return self.word(node)
        if isinstance(node, Phrase):
            return self.with_equivalents(self.text(node.text, self.phrase_families), [node.text])
        if isinstance(node, FieldValue):
            return wq.Term(node.name, node.value)
        if isinstance(node, YearRange):
            return wq.NumericRange("year", node.low, node.high)
        if isinstance(node, Not):
            if self.for_highlight:
                return wq.NullQuery
            # Terms under NOT must not add lead boosts: compile them on a scratch compiler.
            return wq.Not(_Compiler(self.families, for_highlight=False).compile(node.child))
        if isinstance(node, AnyOf):
            return _any([self.compile(child) for child in node.children])
        return self.all_of(node)

    def text(self, text: str, families: tuple[str, ...], generic: bool = False) -> wq.Query:
        if self.for_highlight:
            return text_query(text, families, parts=self.parts)
        # The title and summary boost comes from the unstemmed folded copy (and segmenting
        # families): one more lookup per word and document rather than three; the stemmed
        # lead fields would add little to the ranking and cost a third of every search.
        lead_families = tuple(f for f in families if f not in STEMMED_FAMILIES)
        lead = text_query(text, lead_families, parts=("lead",), adjacent=False)
        if lead is not wq.NullQuery:
            self.lead_boosts.append(lead)
        return text_query(text, families, parts=self.parts, generic=generic)

    def word(self, word: Word) -> wq.Query:
        if word.prefix:
            return _prefix_query(word.text, self.families, self.parts)
        if word.fuzzy:
            return _fuzzy_query(word, self.families, self.parts)
        exact = self.text(word.text, self.families, generic=True)
        return self.with_equivalents(exact, [word.text])

    def with_equivalents(self, exact: wq.Query, words: list[str]) -> wq.Query:
        """`exact`, or also the documents naming the same glossary concept, boosted lower.

        Searching uses the `concept` field filled at indexing; highlighting needs the words
        themselves, so it gets the equivalent terms in their languages' fields.
        """
        words = " ".join(words).split()
        concept = glossary.concept_of(words)
        if concept is None:
            return exact
        if not self.for_highlight:
            boost = glossary.EQUIVALENT_BOOST
            terms = glossary.concept_terms(concept, words)
            return _any([exact, *(wq.Term("concept", key, boost=boost) for key in terms)])
        options = [exact]
        for language, term in glossary.equivalents(concept, words):
            options.append(text_query(term, (family_of(language), "folded"), parts=self.parts))
        return _any(options)

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
    compiler = _Compiler(families, for_highlight=False)
    query = compiler.compile(root)
    if query is wq.NullQuery:
        raise QueryError("the query has no words that can be searched")
    if isinstance(query, wq.Not):
        query = wq.And([wq.Every(), query])
    if compiler.lead_boosts:
        query = wq.AndMaybe(query, _any(compiler.lead_boosts))
    positive = _Compiler(families, for_highlight=True).compile(root)
    return CompiledQuery(query, positive)
