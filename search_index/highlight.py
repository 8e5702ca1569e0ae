"""HTML snippets and titles for hits: escaped text with only <mark> tags added.

Snippets are made by re-analysing the stored original with the analyzer of the field that
matched (stemmed, segmented or folded), so a search for negotiations marks "negotiating".
Tokens may overlap (Thai inner words, bigrams), so marked spans are merged before formatting.
"""

from __future__ import annotations

from collections import defaultdict
from html import escape
from itertools import islice

from whoosh import highlight as wh
from whoosh.query import Query
from whoosh.searching import Searcher

from search_index.cuts import cut_after, cut_before
from search_index.schema import PARTS, STORED_TEXT_CHARS, text_field

SNIPPET_FRAGMENTS = 2
MAX_ANALYSED_CHARS = STORED_TEXT_CHARS
FALLBACK_CHARS = 240
TEXT_PREFIXES = tuple(f"{part}_" for part in PARTS)
ELLIPSIS = " … "


class MarkFormatter(wh.Formatter):
    """Escapes all text and wraps matches in <mark>, merging overlapping matches.

    Fragments are cut at word boundaries of their script (`cuts`), merged where they meet,
    and joined by one ellipsis: never "… … …" between two fragments.
    """

    def format_fragment(self, fragment: wh.Fragment, replace: bool = False) -> str:
        html = self._marked(fragment)
        if fragment.startchar > 0:
            html = "…" + html.lstrip()
        if fragment.endchar < len(fragment.text):
            html = html.rstrip() + "…"
        return html

    def format(self, fragments: list[wh.Fragment], replace: bool = False) -> str:
        merged = _merged([_at_word_boundaries(f) for f in sorted(fragments, key=lambda f: f.startchar)])
        if len(merged) == 1:
            return self.format_fragment(merged[0])
        html = ELLIPSIS.join(self._marked(f).strip() for f in merged)
        if merged[0].startchar > 0:
            html = "…" + html
        if merged[-1].endchar < len(merged[-1].text):
            html += "…"
        return html

    @staticmethod
    def _marked(fragment: wh.Fragment) -> str:
        text = fragment.text
        spans: list[list[int]] = []
        for token in sorted(fragment.matches, key=lambda t: (t.startchar, -t.endchar)):
            if spans and token.startchar <= spans[-1][1]:
                spans[-1][1] = max(spans[-1][1], token.endchar)
            else:
                spans.append([token.startchar, token.endchar])
        out, index = [], fragment.startchar
        for start, end in spans:
            start, end = max(start, index), min(end, fragment.endchar)
            if end <= start:
                continue
            out.append(escape(text[index:start], quote=False))
            out.append(f"<mark>{escape(text[start:end], quote=False)}</mark>")
            index = end
        out.append(escape(text[index : fragment.endchar], quote=False))
        return "".join(out)


def _at_word_boundaries(fragment: wh.Fragment) -> wh.Fragment:
    text = fragment.text
    start, end = cut_before(text, fragment.startchar), cut_after(text, fragment.endchar)
    if (start, end) == (fragment.startchar, fragment.endchar):
        return fragment
    return wh.Fragment(text, fragment.matches, start, end)


def _merged(fragments: list[wh.Fragment]) -> list[wh.Fragment]:
    """Fragments that overlap or touch (up to a space between them) become one."""
    merged: list[wh.Fragment] = []
    for fragment in fragments:
        last = merged[-1] if merged else None
        if last is not None and fragment.startchar <= last.endchar + 1:
            end = max(last.endchar, fragment.endchar)
            merged[-1] = wh.Fragment(last.text, last.matches + fragment.matches, last.startchar, end)
        else:
            merged.append(fragment)
    return merged


_FORMATTER = MarkFormatter()


def highlight_terms(searcher: Searcher, positive: Query) -> dict[str, frozenset[str]]:
    """Terms to mark per field: the query's terms that exist, prefixes and fuzzy terms
    expanded."""
    # Not Query.existing_terms(): in Whoosh 2.7 it skips every leaf whose field differs from
    # the first leaf's (its loop variable shadows the fieldname argument).
    terms: dict[str, set[str]] = defaultdict(set)
    schema, reader = searcher.schema, searcher.reader()
    for leaf in positive.leaves():
        if not str(leaf.field() or "").startswith(TEXT_PREFIXES):
            continue
        for fieldname, text in leaf.expanded_terms(reader, phrases=True):
            if fieldname in schema:
                word = schema[fieldname].from_bytes(text) if isinstance(text, bytes) else text
                terms[fieldname].add(word)
    return {name: frozenset(words) for name, words in terms.items()}


def _mark(
    searcher: Searcher,
    text: str,
    part: str,
    family: str,
    terms: dict[str, frozenset[str]],
    whole: bool,
) -> str:
    text = text[:MAX_ANALYSED_CHARS]
    for target in dict.fromkeys((family, "folded")):
        name = text_field(part, target)
        words = terms.get(name)
        if not words or not text:
            continue
        fragmenter = wh.WholeFragmenter() if whole else wh.ContextFragmenter(200, 60)
        tokens = searcher.schema[name].analyzer(text, chars=True, mode="index", removestops=False)
        # The first passages that match, not the best: the analysis stops once they are found,
        # which matters for 900-word bodies on a page of 20 hits.
        fragments = fragmenter.fragment_tokens(text, wh.set_matched_filter(tokens, words))
        found = [f for f in islice(fragments, SNIPPET_FRAGMENTS) if f.matches]
        if found:
            return _FORMATTER.format(found)
    return ""


def _shorten(text: str) -> str:
    if len(text) <= FALLBACK_CHARS:
        return escape(text, quote=False)
    cut = text[: cut_before(text, FALLBACK_CHARS) or FALLBACK_CHARS].rstrip()
    return escape(cut, quote=False) + "…"


def snippet_html(searcher: Searcher, stored: dict, terms: dict[str, frozenset[str]]) -> str:
    """Marked fragments of the body, else the marked summary, else the summary escaped."""
    family = stored.get("family", "folded")
    body, summary = stored.get("body", ""), stored.get("summary", "")
    html = _mark(searcher, body, "text", family, terms, whole=False)
    if not html:
        html = _mark(searcher, summary, "lead", family, terms, whole=False)
    return html or _shorten(summary or body)


def title_html(searcher: Searcher, stored: dict, terms: dict[str, frozenset[str]]) -> str:
    title = stored.get("title", "")
    family = stored.get("family", "folded")
    return _mark(searcher, title, "lead", family, terms, whole=True) or escape(title, quote=False)
