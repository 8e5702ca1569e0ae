"""Every user-facing string of the templates goes through gettext.

The templates are read with Jinja's own lexer: text outside `{% trans %}` blocks, and string
literals inside `{{ }}`/`{% %}` outside `_()`/`gettext()`/`ngettext()`, must not carry words.
Tags and their non-text attributes are skipped; `placeholder`, `title`, `aria-label` and `alt`
are text. A failure names the template, the line and the string.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from jinja2 import Environment

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_DIRS = [
    ROOT / "network" / "templates",
    ROOT / "content" / "templates",
    ROOT / "federation" / "templates",
    ROOT / "notify" / "templates",
]
# Names that are the same in every language (brands, formats), and nothing else.
ALLOWED = {"RNDD Hub", "PDF", "Word", "PowerPoint", "Excel", "Markdown", "CSV", "UTC"}
GETTEXT_CALLS = {"_", "gettext", "ngettext", "pgettext", "npgettext"}
MARKUP_KEYWORDS = {"class_", "id", "type", "autocomplete"}  # keyword arguments that are markup, not text
MARK = "\x00"
LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)
TEXT_ATTRIBUTES = re.compile(r"""\b(placeholder|title|aria-label|alt)\s*=\s*(["'])(.*?)\2""", re.S)
SENTENCE = re.compile(r"[A-Za-z]{2,}\s+[A-Za-z]{2,}|^[A-Z][a-z]+$")


def templates() -> list[Path]:
    return sorted(path for folder in TEMPLATE_DIRS for path in folder.rglob("*.html"))


def _bare(text: str) -> str:
    """Text without the punctuation around it ("· RNDD Hub" is the brand)."""
    return re.sub(r"^[\W_]+|[\W_]+$", "", text)


def _literal_problem(value: str) -> bool:
    """A string literal in an expression that reads as words (not a path, a format or a code)."""
    text = value[1:-1].strip()
    if not text or text in ALLOWED or re.search(r"[/=%_.:]\w", text):
        return False
    return bool(SENTENCE.search(text))


def skeleton_and_literals(source: str) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """The text a reader would see outside gettext, as (line, text) runs joined by MARK where a
    Jinja construct stood; and the word-like string literals of expressions outside gettext calls."""
    env = Environment(extensions=["jinja2.ext.i18n"])  # noqa: S701 (only lexing)
    pieces: list[tuple[int, str]] = []
    literals: list[tuple[int, str]] = []
    in_trans = False
    expect_block_name = False
    calls: list[int] = []  # paren depths at which a gettext call opened
    depth = 0
    previous = before_previous = None
    for line, kind, value in env.lex(source):
        if kind in ("block_begin", "variable_begin", "comment_begin"):
            pieces.append((line, MARK))
            expect_block_name = kind == "block_begin"
            continue
        if expect_block_name and kind == "name":
            if value in ("trans", "pluralize"):
                in_trans = True
            elif value == "endtrans":
                in_trans = False
            expect_block_name = False
        if kind == "data":
            pieces.append((line, MARK if in_trans else value))
        elif kind == "operator" and value == "(":
            depth += 1
            if previous and previous[0] == "name" and previous[1] in GETTEXT_CALLS:
                calls.append(depth)
        elif kind == "operator" and value == ")":
            if calls and calls[-1] == depth:
                calls.pop()
            depth -= 1
        elif kind == "string" and not calls and not in_trans and _literal_problem(value):
            if not (
                before_previous and before_previous[1] in MARKUP_KEYWORDS and previous == ("operator", "=")
            ):
                literals.append((line, value[1:-1]))
        if kind != "whitespace":
            before_previous, previous = previous, (kind, value)
    return pieces, literals


def visible_text_problems(pieces: list[tuple[int, str]]) -> list[tuple[int, str]]:
    text = "".join(value for _, value in pieces)
    line_of_offset = []
    for line, value in pieces:
        line_of_offset.extend([line] * len(value))
    problems = []

    def at(offset: int) -> int:
        return line_of_offset[min(offset, len(line_of_offset) - 1)] if line_of_offset else 0

    for block in re.finditer(r"<(script|style)\b.*?</\1>|<!--.*?-->", text, re.S):
        text = text[: block.start()] + " " * (block.end() - block.start()) + text[block.end() :]
    for tag in re.finditer(r"<[^>]*>", text, re.S):
        for attribute in TEXT_ATTRIBUTES.finditer(tag.group(0)):
            for part in attribute.group(3).split(MARK):
                if LETTERS.search(part) and _bare(part) not in ALLOWED:
                    problems.append((at(tag.start()), f"{attribute.group(1)}={part.strip()!r}"))
    outside = re.sub(r"<[^>]*>", lambda m: MARK * len(m.group(0)), text)
    for run in re.finditer(r"[^\x00]+", outside):
        words = re.sub(r"&[a-z]+;|&#\d+;", " ", run.group(0)).strip()
        if LETTERS.search(words) and _bare(words) not in ALLOWED:
            problems.append((at(run.start()), words))
    return problems


@pytest.mark.parametrize("path", templates(), ids=lambda p: str(p.relative_to(ROOT)))
def test_template_text_goes_through_gettext(path):
    pieces, literals = skeleton_and_literals(path.read_text(encoding="utf-8"))
    problems = visible_text_problems(pieces) + [(line, f"literal {value!r}") for line, value in literals]
    where = path.relative_to(ROOT)
    assert not problems, "strings outside gettext (wrap them in {{ _('…') }} or {% trans %}):\n" + "\n".join(
        f"  {where}:{line}: {text}" for line, text in sorted(problems)
    )


def test_the_check_finds_untranslated_text():
    """The check itself: plain text, a text attribute and a word-like literal are all caught."""
    source = (
        '<p>{{ _("Fine") }}</p><p>Not wrapped</p><input placeholder="Type here">'
        "{{ 'Sign out' if x else _('ok') }}{% trans %}Also fine{% endtrans %}<b>RNDD Hub</b>"
    )
    pieces, literals = skeleton_and_literals(source)
    found = [text for _, text in visible_text_problems(pieces)] + [value for _, value in literals]
    assert found == ["placeholder='Type here'", "Not wrapped", "Sign out"]
