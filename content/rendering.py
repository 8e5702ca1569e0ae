"""Markdown to safe HTML: the one place user-written bodies become markup.

Rendering runs at save time and the result is stored, so everything that reaches a page has been
through :func:`sanitize_html`. Python-Markdown passes raw HTML through untouched; the security
boundary is the nh3 allowlist below plus an attribute filter that closes gaps nh3 leaves open.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from html.parser import HTMLParser

import markdown
import nh3
from markdown.extensions.toc import slugify_unicode

EXTENSIONS = ("tables", "fenced_code", "toc", "footnotes", "sane_lists")

ALLOWED_TAGS = frozenset({
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "u", "s",
    "del", "ins", "sub", "sup", "blockquote", "code", "pre", "ul", "ol", "li", "dl", "dt", "dd",
    "a", "img", "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "div", "span",
    "abbr", "kbd", "mark", "small", "figure", "figcaption",
})  # fmt: skip
_CELL = frozenset({"align", "colspan", "rowspan"})
_ANCHOR = frozenset({"id"})  # only ids with an ID_PREFIXES prefix survive the filter
ALLOWED_ATTRIBUTES: dict[str, frozenset[str]] = {
    "a": frozenset({"href", "title"}),
    "img": frozenset({"src", "alt", "title", "width", "height"}),
    "abbr": frozenset({"title"}),
    "th": _CELL, "td": _CELL,
    "h1": _ANCHOR, "h2": _ANCHOR, "h3": _ANCHOR, "h4": _ANCHOR, "h5": _ANCHOR, "h6": _ANCHOR,
    "li": _ANCHOR, "sup": _ANCHOR,
}  # fmt: skip
# nh3 matches class names exactly, so fenced-code languages are a fixed list; others lose the class.
CODE_LANGUAGES = frozenset({
    "bash", "c", "cpp", "csharp", "css", "csv", "diff", "dockerfile", "go", "graphql", "html",
    "http", "ini", "java", "javascript", "js", "json", "jsx", "kotlin", "latex", "lua", "makefile",
    "markdown", "md", "nginx", "php", "plaintext", "powershell", "py", "python", "r", "ruby",
    "rust", "scala", "sh", "shell", "sql", "swift", "text", "toml", "ts", "tsx", "typescript",
    "xml", "yaml", "yml",
})  # fmt: skip
ALLOWED_CLASSES: dict[str, frozenset[str]] = {
    "div": frozenset({"footnote"}),
    "a": frozenset({"footnote-ref", "footnote-backref"}),
    "code": frozenset(f"language-{lang}" for lang in CODE_LANGUAGES),
}
CLEAN_CONTENT_TAGS = frozenset({"script", "style"})  # drop the content too, not just the tag
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "noopener noreferrer nofollow"
ID_PREFIXES = ("sec-", "fn:", "fnref:")  # heading slugs and footnotes; never a page's own ids

_URL_NOISE = re.compile(r"[\x00-\x20\x7f\s]+")  # what browsers (or we, to be safe) ignore in URLs
_URL_HEAD = re.compile(r"[/?#]")


@dataclass(frozen=True)
class Rendered:
    """What gets stored at save time: the body's safe HTML and its headings for navigation."""

    html: str  # sanitised HTML of the body
    toc: list[dict]  # [{"level": 2, "id": "sec-x", "name": "plain text"}, ...] in document order


def _slugify(value: str, separator: str) -> str:
    """Prefix heading ids so a heading can never clobber an id the page itself uses."""
    return "sec-" + slugify_unicode(value, separator)


def _is_safe_url(value: str) -> bool:
    """Allow only http(s)/mailto or truly relative URLs.

    nh3 treats ``java\\x01script:`` and similar as relative paths, so the scheme is judged again
    here on a normalised copy (decoded, control characters and whitespace gone, lowercased).
    """
    url = _URL_NOISE.sub("", html.unescape(value)).lower().replace("\\", "/")
    if url.startswith("//"):  # protocol-relative; browsers read backslashes as slashes
        return False
    head = _URL_HEAD.split(url, maxsplit=1)[0]
    return ":" not in head or head.split(":", 1)[0] in URL_SCHEMES


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    """nh3 callback: drop unsafe URLs, foreign ids and empty classes. Must never raise."""
    if attribute in ("href", "src"):
        return value if _is_safe_url(value) else None
    if attribute == "id":
        return value if value.startswith(ID_PREFIXES) else None
    if attribute == "class":  # nh3 would keep an empty class="" once it drops unknown names
        allowed = ALLOWED_CLASSES.get(tag, frozenset())
        return " ".join(name for name in value.split() if name in allowed) or None
    return value


def sanitize_html(html_text: str) -> str:
    """The nh3 pass alone; safe to run on any HTML fragment, and idempotent on its own output."""
    return nh3.clean(
        html_text,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(CLEAN_CONTENT_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=_filter_attribute,
        link_rel=LINK_REL,
        url_schemes=set(URL_SCHEMES),
        allowed_classes={tag: set(names) for tag, names in ALLOWED_CLASSES.items()},
    )


def _flatten(tokens: list[dict]) -> list[dict]:
    out: list[dict] = []
    for token in tokens:
        # toc_tokens hold escaped HTML text; store plain text and let templates escape it.
        name = html.unescape(token["name"])
        out.append({"level": token["level"], "id": token["id"], "name": name})
        out.extend(_flatten(token.get("children", [])))
    return out


def render_markdown(text: str) -> Rendered:
    """Render user Markdown to sanitised HTML plus a flat table of contents.

    A fresh ``Markdown`` per call keeps this thread-safe (instances carry per-document state).
    """
    md = markdown.Markdown(
        extensions=list(EXTENSIONS),
        extension_configs={
            "toc": {"slugify": _slugify},
            "tables": {"use_align_attribute": True},  # align="", not style=""
        },
    )
    body = md.convert(text)
    return Rendered(html=sanitize_html(body), toc=_flatten(md.toc_tokens))


_INLINE_TAGS = frozenset({
    "a", "abbr", "b", "code", "del", "em", "i", "ins", "kbd", "mark", "s", "small", "span",
    "strong", "sub", "sup", "u",
})  # fmt: skip


class _TextExtractor(HTMLParser):
    """Collect text, spacing out block elements and skipping footnote markers and backlinks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._skip:
            return
        values = dict(attrs)
        if (tag == "sup" and (values.get("id") or "").startswith("fnref:")) or (
            tag == "a" and values.get("class") == "footnote-backref"
        ):
            self._skip = tag
        elif tag not in _INLINE_TAGS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if self._skip:
            self._skip = None if tag == self._skip else self._skip
        elif tag not in _INLINE_TAGS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def plain_text(markdown_text: str) -> str:
    """Readable plain text of a Markdown body, for search indexing and summaries."""
    return html_text(render_markdown(markdown_text).html)


def html_text(html: str) -> str:
    """Plain text of HTML this module rendered (the stored body): no second Markdown pass."""
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    return " ".join("".join(extractor.parts).split())
