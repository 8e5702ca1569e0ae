"""Parsing the search box syntax (the README's Search section) into a small tree, strictly.

Whoosh's own parser never fails: it reads `author:x` or an unclosed quote as words. Users and the
API need to be told instead, so this parser raises `QueryError` with a message that shows the
syntax. Grammar (OR binds tighter than the implicit AND, as in web search engines):

    query    := clause*
    clause   := unary ("OR" unary)*
    unary    := ("NOT" | "-") unary | atom
    atom     := "(" query ")" | '"phrase"' | field ":" value | word | word* | word~[1|2]
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

from search_index.languages import LANGUAGES
from search_index.records import QueryError

MAX_QUERY_CHARS = 500
MAX_TERMS = 32
MAX_DEPTH = 8
FIELDS = ("country", "kind", "topic", "language", "year")
Values = Collection[str] | Callable[[], Collection[str]]


class Vocabulary:
    """The countries, kinds and languages field values may name, as the caller knows them (its
    database and models: a country added a moment ago is valid at once). Each is a collection,
    or a function giving one that is called only when a query or filter names that field.
    Without countries or kinds, any code of the right shape is accepted."""

    def __init__(
        self, countries: Values | None = None, kinds: Values | None = None, languages: Values = LANGUAGES
    ) -> None:
        self._sources = {"country": countries, "kind": kinds, "language": languages}
        self._known: dict[str, frozenset[str] | None] = {}

    def allowed(self, name: str) -> frozenset[str] | None:
        """The values `name` may take (None: any of the right shape)."""
        if name not in self._known:
            source = self._sources.get(name)
            values = source() if callable(source) else source
            self._known[name] = None if values is None else frozenset(values)
        return self._known[name]


ANY = Vocabulary()
_COUNTRY_RE = re.compile(r"^[A-Z]{2}$")
_KIND_RE = re.compile(r"^[a-z][a-z_]{0,29}$")


@dataclass(frozen=True)
class Word:
    text: str
    start: int
    end: int
    prefix: bool = False
    fuzzy: int = 0  # maximum edit distance; 0 means not fuzzy


@dataclass(frozen=True)
class Phrase:
    text: str


@dataclass(frozen=True)
class FieldValue:
    name: str
    value: str


@dataclass(frozen=True)
class YearRange:
    low: int | None
    high: int | None


@dataclass(frozen=True)
class Not:
    child: Node


@dataclass(frozen=True)
class AnyOf:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class AllOf:
    children: tuple[Node, ...]


Node = Word | Phrase | FieldValue | YearRange | Not | AnyOf | AllOf


@dataclass
class ParsedQuery:
    text: str  # the cleaned query; Word spans index into it
    root: Node | None  # None: the empty query, which matches every readable document
    words: list[Word] = field(default_factory=list)  # words outside NOT, for suggestions


_CONTROL_RE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# Invisible inside a word (ZWJ and ZWNJ shape Indic conjuncts, ZWSP marks Khmer and Burmese word
# breaks that readers do not type): removed, as the analyzers remove them from indexed text.
_INVISIBLE_RE = re.compile("[\u200b-\u200d\u2060\ufeff]")
_TOKEN_RE = re.compile(
    r"""(?P<space>\s+)
    |(?P<lparen>\()|(?P<rparen>\))
    |(?P<minus>-(?=[^\s-]))
    |(?P<phrase>"[^"]*")
    |(?P<field>[A-Za-z_]+):(?P<value>\[[^\]]*\]|"[^"]*"|[^\s()"]*)
    |(?P<quote>")
    |(?P<word>[^\s()"]+)""",
    re.VERBOSE,
)
_WORD_RE = re.compile(r"^(?P<base>[^*~]+)(?:(?P<star>\*)|~(?P<dist>[12]?))?$")
_YEAR_RANGE_RE = re.compile(r"^\[\s*(\d{4}|\*)\s+TO\s+(\d{4}|\*)\s*\]$", re.IGNORECASE)
_TOPIC_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


def clean(text: str) -> str:
    """Control characters become spaces; zero-width characters are removed."""
    return _CONTROL_RE.sub(" ", _INVISIBLE_RE.sub("", text))


def _check(name: str, value: str, shape: re.Pattern[str], vocabulary: Vocabulary, noun: str) -> str:
    allowed = vocabulary.allowed(name)
    if allowed is None and shape.match(value):
        return value
    if allowed is not None and value in allowed:
        return value
    if allowed is None:
        raise QueryError(f'unknown {noun} "{value}": write it as e.g. {name}:{_EXAMPLES[name]}')
    known = (" " if name == "country" else ", ").join(sorted(allowed))
    raise QueryError(f'unknown {noun} "{value}": use one of {known}')


def validate_field(name: str, raw: str, vocabulary: Vocabulary = ANY) -> FieldValue | YearRange:
    """Check and normalise one field:value, as typed in the query or passed as a filter."""
    value = raw.strip().strip('"').strip()
    if not value:
        raise QueryError(f'"{name}:" needs a value, e.g. {name}:{_EXAMPLES[name]}')
    if name == "country":
        return FieldValue(name, _check(name, value.upper(), _COUNTRY_RE, vocabulary, "country code"))
    if name == "kind":
        return FieldValue(name, _check(name, value.lower().replace("-", "_"), _KIND_RE, vocabulary, "kind"))
    if name == "language":
        language = value.lower()
        allowed = vocabulary.allowed(name) or frozenset(LANGUAGES)
        if language not in allowed:
            known = " ".join(code for code in LANGUAGES if code in allowed)
            raise QueryError(f'unknown language "{value}": use one of {known}')
        return FieldValue(name, language)
    if name == "topic":
        if not _TOPIC_RE.match(value.lower()):
            raise QueryError(f'"{value}" is not a topic slug, e.g. topic:{_EXAMPLES["topic"]}')
        return FieldValue(name, value.lower())
    return _year(value)


def _year(value: str) -> YearRange:
    if value.startswith("[") and not value.endswith("]"):
        raise QueryError("a [ is not closed: write year:[2019 TO 2021]")
    if value.isdigit() and len(value) == 4:
        return YearRange(int(value), int(value))
    match = _YEAR_RANGE_RE.match(value)
    if not match:
        raise QueryError(f'"year:{value}" is not a year: write year:2021 or year:[2019 TO 2021]')
    low, high = (None if part == "*" else int(part) for part in match.groups())
    if low is None and high is None:
        raise QueryError("year:[* TO *] matches everything: leave it out")
    if low is not None and high is not None and low > high:
        raise QueryError(f"year:{value} is empty: the first year must not be after the second")
    return YearRange(low, high)


_EXAMPLES = {
    "country": "ID",
    "kind": "course",
    "topic": "crisis-response",
    "language": "th",
    "year": "2021",
}


def _kind(match: re.Match[str]) -> str:
    # lastgroup names the innermost group for field:value ("value"), so test "field" first.
    return "field" if match.group("field") is not None else match.lastgroup or "word"


class _Parser:
    def __init__(self, text: str, vocabulary: Vocabulary) -> None:
        self.text = text
        self.vocabulary = vocabulary
        self.tokens = [(_kind(m), m) for m in _TOKEN_RE.finditer(text) if m.lastgroup != "space"]
        self.index = 0
        self.terms = 0
        self.negations = 0  # how many NOTs enclose the current position
        self.words: list[Word] = []

    def peek(self) -> tuple[str, re.Match[str]] | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def is_keyword(self, word: str) -> bool:
        token = self.peek()
        return token is not None and token[0] == "word" and token[1].group() == word

    def sequence(self, depth: int) -> Node | None:
        clauses: list[Node] = []
        while (token := self.peek()) is not None and token[0] != "rparen":
            if self.is_keyword("AND"):
                self.index += 1
                continue
            clause = self.clause(depth)
            if clause is not None:
                clauses.append(clause)
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else AllOf(tuple(clauses))

    def clause(self, depth: int) -> Node | None:
        if self.is_keyword("OR"):
            raise QueryError("OR needs a word on both sides, e.g. trade OR economy")
        options = [self.unary(depth)]
        while self.is_keyword("OR"):
            self.index += 1
            token = self.peek()
            if token is None or token[0] == "rparen" or self.is_keyword("OR"):
                raise QueryError("OR needs a word on both sides, e.g. trade OR economy")
            options.append(self.unary(depth))
        kept = [option for option in options if option is not None]
        if not kept:
            return None
        return kept[0] if len(kept) == 1 else AnyOf(tuple(kept))

    def unary(self, depth: int) -> Node | None:
        token = self.peek()
        if token is not None and (token[0] == "minus" or self.is_keyword("NOT")):
            self.index += 1
            nxt = self.peek()
            if nxt is None or nxt[0] == "rparen" or self.is_keyword("OR"):
                raise QueryError("NOT and - need a word after them, e.g. diplomacy -crisis")
            self.negations += 1
            child = self.unary(depth)
            self.negations -= 1
            return Not(child) if child is not None else None
        return self.atom(depth)

    def atom(self, depth: int) -> Node | None:
        token = self.peek()
        if token is None:
            raise QueryError("the query ends too early")
        kind, match = token
        self.index += 1
        if kind == "lparen":
            if depth >= MAX_DEPTH:
                raise QueryError(f"parentheses are nested more than {MAX_DEPTH} deep")
            inner = self.sequence(depth + 1)
            closing = self.peek()
            if closing is None or closing[0] != "rparen":
                raise QueryError("a ( is not closed")
            self.index += 1
            return inner
        if kind == "rparen":
            raise QueryError("a ) has no matching (")
        if kind == "quote":
            raise QueryError('a quotation mark is not closed: write "a phrase"')
        self.count_term()
        if kind == "phrase":
            text = match.group()[1:-1].strip()
            return Phrase(text) if text else None
        if kind == "field":
            name = match.group("field").lower()
            if name not in FIELDS:
                raise QueryError(
                    f'unknown field "{match.group("field")}": use one of {", ".join(FIELDS)}'
                    ' (to search for the text itself, put it in quotes: "a:b")'
                )
            return validate_field(name, match.group("value"), self.vocabulary)
        return self.word(match)

    def word(self, match: re.Match[str]) -> Word:
        text = match.group()
        parts = _WORD_RE.match(text)
        if parts is None:
            if text.strip("*~") == "":
                raise QueryError(
                    f'"{text}" alone is not a query: put a word before it, e.g. dipl* or diplomacy~'
                )
            raise QueryError(f'"{text}": * and ~ may only end a word, e.g. diplom* or diplomacy~')
        base = parts.group("base")
        if parts.group("star") and len(base) < 2:
            raise QueryError(f'"{text}": a prefix needs at least 2 characters, e.g. di*')
        fuzzy = 0
        if parts.group("dist") is not None:
            fuzzy = int(parts.group("dist") or (1 if len(base) <= 5 else 2))
        word = Word(base, match.start(), match.start() + len(base), bool(parts.group("star")), fuzzy)
        if not self.negations:
            self.words.append(word)
        return word

    def count_term(self) -> None:
        self.terms += 1
        if self.terms > MAX_TERMS:
            raise QueryError(f"the query has more than {MAX_TERMS} terms")


def parse_query(raw: str, vocabulary: Vocabulary = ANY) -> ParsedQuery:
    """Parse `raw`; raises QueryError with a helpful message."""
    if not isinstance(raw, str):
        raise QueryError("the query must be text")
    text = clean(raw)
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(
            f"the query is {len(text)} characters long; the limit is {MAX_QUERY_CHARS}"
        )
    parser = _Parser(text, vocabulary)
    root = parser.sequence(0)
    if parser.peek() is not None:
        raise QueryError("a ) has no matching (")
    return ParsedQuery(text, root, parser.words)
