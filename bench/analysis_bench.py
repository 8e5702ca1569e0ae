"""Benchmark of text analysis, the larger part of an index build's CPU.

    python bench/analysis_bench.py --docs 2000 [--profile] [--check]

Makes the Whoosh documents of `--docs` corpus records (`corpus.py`: English and Indonesian) with
`schema.document_fields`, then times, per family and field part (lead, text), each analyzer's
stages over them as Whoosh indexes (positions and boosts, mode "index"): the tokenizer alone,
then with each filter added; then the whole field (`Field.index`: analysis plus Whoosh's posting
values). Caches are warmed by a first pass (its time is shown as "cold"). The multilingual
samples (demo documents, one sentence per language) are timed in their own family.

`--profile` prints the top functions of document_fields plus field indexing under cProfile;
`--profile-build` those of a whole rebuild in one process, and the time per module. `--digest`
prints a digest of all the postings such a rebuild writes, to compare two versions of the code.
`--check` proves the analyzers' output equal to their plain filter chain over the corpus, and
compares the C Snowball stemmer (PyStemmer) with Whoosh's on every distinct word seen.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from corpus import generate  # noqa: E402
from whoosh.analysis import CompositeAnalyzer  # noqa: E402

from search_index import IndexRecord  # noqa: E402
from search_index.analyzers import ANALYZERS  # noqa: E402
from search_index.languages import family_of  # noqa: E402
from search_index.schema import PARTS, build_schema, document_fields, text_field  # noqa: E402

INDEX_KWARGS = {"positions": True, "boosts": True, "mode": "index"}
# As Whoosh indexes, as the highlighter asks (highlight.py), as queries and tests are analysed.
CHECKED_CALLS = (INDEX_KWARGS, {"chars": True, "mode": "index"}, {"positions": True, "chars": True})


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f}"


def corpus_values(docs: int) -> tuple[list[dict[str, Any]], float]:
    """The Whoosh documents of `docs` corpus records, and the µs per document they took."""
    records = [IndexRecord(**fields) for fields in generate(docs)]
    started = time.perf_counter()
    documents = [document_fields(record) for record in records]
    return documents, (time.perf_counter() - started) * 1e6 / docs


def by_field(documents: list[dict[str, Any]]) -> dict[tuple[str, str], list[str]]:
    """(family, part) -> the values documents give that field."""
    found: dict[tuple[str, str], list[str]] = defaultdict(list)
    for doc in documents:
        for part in PARTS:
            value = doc.get(text_field(part, doc["family"]))
            if value:
                found[(doc["family"], part)].append(value)
    return found


def _short_name(item: Any) -> str:
    return type(item).__name__.removesuffix("Filter").removesuffix("Tokenizer")


def _plain(analyzer: Any, value: str, kwargs: dict[str, Any]) -> Iterable[Any]:
    """The analyzer as a plain chain of generators, the way it ran before FamilyAnalyzer."""
    return CompositeAnalyzer.__call__(analyzer, value, **kwargs)


def stages(family: str) -> list[tuple[str, Callable[[str], Iterable[Any]]]]:
    """The analyzer cut after each of its items (tokenizer, + each filter), then as a whole."""
    analyzer = ANALYZERS[family]
    items = list(analyzer.items)
    cuts = []
    for end in range(1, len(items) + 1):
        chain = CompositeAnalyzer(*items[:end])
        name = "+".join(_short_name(item) for item in items[:end])
        cuts.append((name, lambda value, chain=chain: _plain(chain, value, INDEX_KWARGS)))
    cuts.append(("analyzer", lambda value: analyzer(value, **INDEX_KWARGS)))
    return cuts


def timed(function: Callable[[str], Iterable[Any]], values: list[str]) -> tuple[float, int]:
    started, count = time.perf_counter(), 0
    for value in values:
        for _ in function(value):
            count += 1
    return time.perf_counter() - started, count


def time_field(family: str, part: str, values: list[str], schema: Any) -> dict[str, Any]:
    field = schema[text_field(part, family)]
    cold, tokens = timed(lambda value: ANALYZERS[family](value, **INDEX_KWARGS), values)
    row: dict[str, Any] = {"docs": len(values), "tokens_per_doc": round(tokens / len(values))}
    row["cold_us_per_doc"] = round(cold * 1e6 / len(values))
    for name, function in [*stages(family), ("Field.index", field.index)]:
        seconds, _ = timed(function, values)
        row[name] = {
            "us_per_doc": round(seconds * 1e6 / len(values)),
            "ns_per_token": round(seconds * 1e9 / tokens),
        }
    return row


def multilingual_samples() -> dict[str, list[str]]:
    """family -> texts: the demo documents and one sentence per language."""
    sys.path.insert(0, str(ROOT))
    from tests.search_index.test_search_every_language import DOCS

    found: dict[str, list[str]] = defaultdict(list)
    for language, text in DOCS.values():
        found[family_of(language)].append(text)
    demo = json.loads((ROOT / "content" / "demo_data" / "documents.json").read_text(encoding="utf-8"))
    for document in demo:
        text = "\n\n".join(document[k] for k in ("title", "summary", "body_markdown") if document.get(k))
        found[family_of(document["language"])].append(text)
    return found


def time_multilingual() -> dict[str, Any]:
    rows = {}
    for family, texts in sorted(multilingual_samples().items()):
        cold, tokens = timed(lambda value, family=family: ANALYZERS[family](value, **INDEX_KWARGS), texts)
        seconds, _ = timed(lambda value, family=family: ANALYZERS[family](value, **INDEX_KWARGS), texts * 5)
        rows[family] = {
            "texts": len(texts),
            "tokens": tokens,
            "cold_ns_per_token": round(cold * 1e9 / max(tokens, 1)),
            "ns_per_token": round(seconds * 1e9 / max(tokens * 5, 1)),
        }
    return rows


def profile(docs: int, top: int) -> None:
    records = [IndexRecord(**fields) for fields in generate(docs)]
    schema = build_schema()

    def build() -> None:
        for record in records:
            for name, value in document_fields(record).items():
                field = schema[name]
                if field.indexed:
                    for _ in field.index(value):
                        pass

    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.runcall(build)
    print(f"\nprofile of document_fields + Field.index, {docs} docs: {time.perf_counter() - started:.1f} s "
          f"under cProfile ({load()})")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(top)


def _fields(token: Any) -> tuple[Any, ...]:
    return tuple(getattr(token, name, None) for name in ("text", "pos", "startchar", "endchar", "boost"))


def profile_build(docs: int, top: int) -> None:
    """A whole rebuild in one process (no workers, so cProfile sees everything), with the time
    summed per module: what analysis leaves to Whoosh's writer."""
    import tempfile

    from search_index import SearchIndex, engine

    records = [IndexRecord(**fields) for fields in generate(docs)]
    engine.REBUILD_PROCS = 1
    with tempfile.TemporaryDirectory() as root:
        index = SearchIndex(Path(root) / "index")
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.runcall(index.rebuild, records, watermark=docs)
        elapsed = time.perf_counter() - started
        index.close()
    stats = pstats.Stats(profiler)
    total = sum(row[2] for row in stats.stats.values())  # type: ignore[attr-defined]
    by_module: dict[str, float] = defaultdict(float)
    for (filename, _, _), row in stats.stats.items():  # type: ignore[attr-defined]
        by_module[_module(filename)] += row[2]
    print(f"\nprofile of a one-process rebuild, {docs} docs: {elapsed:.1f} s under cProfile ({load()})")
    for module, seconds in sorted(by_module.items(), key=lambda item: -item[1])[:15]:
        print(f"  {seconds / total:6.1%}  {seconds * 1e6 / docs:6.0f} µs/doc  {module}")
    stats.sort_stats("tottime").print_stats(top)


def index_digest(docs: int) -> None:
    """A digest of everything a one-process rebuild of `docs` documents indexes: every field's
    terms with each posting's document id, weight and value (the encoded positions). Equal
    digests from two versions of the code mean equal indexes."""
    import hashlib
    import tempfile

    from whoosh import index as whoosh_index

    from search_index import SearchIndex, engine

    records = [IndexRecord(**fields) for fields in generate(docs)]
    engine.REBUILD_PROCS = 1
    digest, postings = hashlib.sha256(), 0
    with tempfile.TemporaryDirectory() as root:
        index = SearchIndex(Path(root) / "index")
        index.rebuild(records, watermark=docs)
        reader = whoosh_index.open_dir(str(engine.store.current(Path(root) / "index"))).reader()
        ids = {docnum: fields.get("id") for docnum, fields in reader.iter_docs()}
        for fieldname, term in reader.all_terms():
            matcher = reader.postings(fieldname, term)
            rows = []
            while matcher.is_active():
                rows.append((ids[matcher.id()], matcher.weight(), matcher.value()))
                matcher.next()
            for row in sorted(rows, key=lambda r: str(r[0])):
                digest.update(repr((fieldname, term, row)).encode())
                postings += 1
        reader.close()
        index.close()
    print(f"index of {docs} docs: {postings} postings, digest {digest.hexdigest()[:16]}")


def _module(filename: str) -> str:
    """whoosh/formats.py, search_index/analyzers.py, or the built-in's name."""
    parts = Path(filename).parts
    for anchor in ("whoosh", "search_index", "Sastrawi"):
        if anchor in parts:
            return "/".join(parts[parts.index(anchor) :])
    return filename if filename.startswith("~") else Path(filename).name


def check(documents: list[dict[str, Any]]) -> None:
    """Each analyzer against its own filter chain, and the two English stemmers."""
    differences = 0
    for (family, _), values in by_field(documents).items():
        analyzer = ANALYZERS[family]
        for value in values:
            for kwargs in CHECKED_CALLS:
                fast = [_fields(t) for t in analyzer(value, **kwargs)]
                plain = [_fields(t) for t in _plain(analyzer, value, kwargs)]
                differences += fast != plain
    print(f"analyzer vs. its plain filter chain over the corpus fields: {differences} differing values")
    compare_stemmers(documents)


def distinct_words(documents: list[dict[str, Any]]) -> set[str]:
    """Folded ASCII words of the corpus, the test texts and the demo documents: the words the
    English stemmer sees."""
    from search_index.analyzers import fold_text
    from search_index.scripts import RUN_RE

    texts = [doc.get(text_field("text", doc["family"]), "") for doc in documents]
    for sample in multilingual_samples().values():
        texts.extend(sample)
    for path in (ROOT / "tests").rglob("*.py"):
        texts.append(path.read_text(encoding="utf-8"))
    words = set()
    for text in texts:
        for match in RUN_RE.finditer(text):
            word = fold_text(match.group())
            if word.isascii() and word.isalpha():
                words.add(word)
    return words


def compare_stemmers(documents: list[dict[str, Any]]) -> None:
    try:
        import Stemmer
    except ImportError:
        print("PyStemmer not installed: no stemmer comparison")
        return
    from whoosh.lang.snowball.english import EnglishStemmer

    words = sorted(distinct_words(documents))
    python, c_stemmer = EnglishStemmer(), Stemmer.Stemmer("english")
    started = time.perf_counter()
    slow = [python.stem(word) for word in words]
    python_seconds = time.perf_counter() - started
    started = time.perf_counter()
    fast = c_stemmer.stemWords(words)
    c_seconds = time.perf_counter() - started
    differing = [(w, a, b) for w, a, b in zip(words, slow, fast, strict=True) if a != b]
    print(
        f"English stemmers on {len(words)} distinct words: {len(differing)} differ; whoosh "
        f"{python_seconds * 1e6 / len(words):.1f} µs/word, "
        f"PyStemmer {c_seconds * 1e6 / len(words):.2f} µs/word"
    )
    for word, whoosh_stem, c_stem in differing[:40]:
        print(f"  {word}: whoosh {whoosh_stem}, PyStemmer {c_stem}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--profile", action="store_true", help="cProfile document_fields + Field.index")
    parser.add_argument("--profile-build", action="store_true", help="cProfile a one-process rebuild")
    parser.add_argument("--digest", action="store_true", help="digest of a one-process rebuild's postings")
    parser.add_argument("--top", type=int, default=30, help="functions shown by --profile")
    parser.add_argument("--check", action="store_true", help="prove the analyzers and stemmers equal")
    args = parser.parse_args()

    print(f"{args.docs} docs ({load()})")
    documents, fields_us = corpus_values(args.docs)
    print(f"document_fields: {fields_us:.0f} µs/doc")
    schema = build_schema()
    rows = {f"{family}/{part}": time_field(family, part, values, schema)
            for (family, part), values in sorted(by_field(documents).items())}
    print(json.dumps({"corpus": rows, "multilingual": time_multilingual()}, indent=1, ensure_ascii=False))
    print(f"({load()})")
    if args.check:
        check(documents)
    if args.profile:
        profile(args.docs, args.top)
    if args.digest:
        index_digest(args.docs)
    if args.profile_build:
        profile_build(args.docs, args.top)


if __name__ == "__main__":
    main()
