"""Upload, extraction, indexing and download time of a 20-page PDF (run by hand).

    python bench/attachments_bench.py [--pages 20] [--runs 15]

Makes a text PDF from the benchmark corpus (about 45 lines of prose per page), then measures,
median and p95 over the runs: sniffing + pypdf extraction alone; a whole upload through
`POST /api/v1/documents/<id>/attachments` (multipart parse, hashing, sniffing, extraction,
storage, commit); the index drain that follows (the course re-read with all
its PDFs' text so far); and a download (checksum verified).
Uses a throwaway SQLite database, upload and index folders.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import textwrap
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import generate  # noqa: E402
from werkzeug.datastructures import FileStorage  # noqa: E402
from werkzeug.test import encode_multipart  # noqa: E402

from content import extraction, indexing, services, sniffing  # noqa: E402
from content.demo_files import make_pdf  # noqa: E402
from content.seed import seed_topics  # noqa: E402
from network import create_app  # noqa: E402
from network.extensions import db  # noqa: E402
from network.models import ApiToken, User  # noqa: E402
from network.seed import seed_countries  # noqa: E402


def pdf_of(pages: int) -> bytes:
    prose = " ".join(doc["body"] for doc in generate(pages * 2, seed=7))
    lines = textwrap.wrap(prose, 95)
    return make_pdf([lines[n * 45 : (n + 1) * 45] for n in range(pages)])


def timed(fn, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def report(name: str, ms: list[float]) -> None:
    p95 = sorted(ms)[max(0, round(len(ms) * 0.95) - 1)]
    print(f"{name:<44} median {statistics.median(ms):8.1f} ms   p95 {p95:8.1f} ms   (n={len(ms)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    data = pdf_of(args.pages)
    work = Path(tempfile.mkdtemp(prefix="rndd-attach-bench-"))
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{work / 'db.sqlite3'}",
                      "UPLOAD_DIR": str(work / "uploads"), "INDEX_DIR": str(work / "index"),
                      "INDEX_AFTER_REQUEST": False, "RATELIMIT_ENABLED": False})  # fmt: skip
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        seed_countries()
        seed_topics()
        admin = User(email="bench@example.org", name="Bench", country_code="ID", role="country_admin")
        admin.set_password("bench-password")
        db.session.add(admin)
        token, clear = ApiToken.issue(admin, scope="write", name="bench")
        db.session.add(token)
        db.session.commit()
        course = services.create_document(
            admin, {"title": "Bench course", "kind": "course", "language": "en"}
        )
        doc_id = course.id
        path = work / "sample.pdf"
        path.write_bytes(data)
        file_type = sniffing.sniff(path, "sample.pdf")
        text, _ = extraction.extract(path, file_type)
        print(f"PDF: {args.pages} pages, {len(data) / 1024:.0f} KiB, {len(text.split()):,} words extracted")
        extract_ms = timed(lambda: extraction.extract(path, sniffing.sniff(path, "a.pdf")), args.runs)
        report("sniff + extract (pypdf)", extract_ms)

        client = app.test_client()
        headers = {"Authorization": f"Bearer {clear}"}
        urls: list[str] = []

        def upload() -> None:
            boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(data), filename="handout.pdf")})
            answer = client.post(f"/api/v1/documents/{doc_id}/attachments", data=body, headers=headers,
                                 content_type=f"multipart/form-data; boundary={boundary}")  # fmt: skip
            assert answer.status_code == 201, answer.get_json()
            urls.append(answer.get_json()["url"])

        upload_ms, index_ms = [], []
        for _ in range(args.runs):
            upload_ms += timed(upload, 1)
            index_ms += timed(indexing.drain, 1)  # the course again, with every PDF's text so far
        report("upload via API (store + extract + commit)", upload_ms)
        report("index drain, course with its first PDF", index_ms[:1])
        report(f"index drain, course with 1..{args.runs} PDFs", index_ms)

        def download() -> None:
            with client.get(urls[0], headers=headers) as answer:
                assert answer.status_code == 200 and len(answer.data) == len(data)

        report("download via API (sha256 verified)", timed(download, args.runs))
    print(f"work folder: {work}")


if __name__ == "__main__":
    main()
