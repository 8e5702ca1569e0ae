"""Worst-case uploads for text extraction: time, memory and leftovers, for any version of the code.

    python bench/extraction_bench.py [--code DIR] [--slides 16] [--slide-mb 25] [--doc-mb 40]
                                     [--kill-after 30]

Makes two hostile but valid files: a deck of `--slides` slides whose XML unpacks to
`--slide-mb` MB each (a few hundred kB on disk: text runs compress about 1000:1), and a Word
file of `--doc-mb` MB of two-letter text runs. Each is measured in a child process of its own,
twice: sniffing + extraction alone, and a whole upload through `POST /api/v1/documents/<id>/attachments`
into a throwaway SQLite app. The parent kills a child after `--kill-after` seconds, as
gunicorn kills a worker past its timeout (30 s by default), and then counts the files left in the
upload folder's `tmp/`. Printed per case: wall time, peak RSS (VmHWM), characters kept, the note.

`--code DIR` runs another checkout, for a before/after comparison, for example:

    git archive <commit> network content search_index migrations | tar -x -C /tmp/rndd-before
    python bench/extraction_bench.py --code /tmp/rndd-before
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
P = "http://schemas.openxmlformats.org/presentationml/2006/main"
OFFICE = "application/vnd.openxmlformats-officedocument."


def _content_types(overrides: dict[str, str]) -> str:
    items = "".join(f'<Override PartName="/{p}" ContentType="{OFFICE}{t}"/>' for p, t in overrides.items())
    types = "http://schemas.openxmlformats.org/package/2006/content-types"
    return (f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{types}"><Default Extension="xml" '
            f'ContentType="application/xml"/>{items}</Types>')  # fmt: skip


def _stream_part(package: zipfile.ZipFile, name: str, head: str, unit: str, megabytes: float,
                 tail: str) -> None:  # fmt: skip
    """Write one XML part of `megabytes` MB without holding it in memory."""
    block = (unit * max(1, (1024 * 1024) // len(unit))).encode()
    with package.open(name, "w", force_zip64=True) as part:
        part.write(head.encode())
        for _ in range(round(megabytes)):
            part.write(block)
        part.write(tail.encode())


def inflating_deck(path: Path, slides: int, slide_mb: float) -> None:
    """A deck whose every slide is `slide_mb` MB of one-word paragraphs."""
    overrides = {"ppt/presentation.xml": "presentationml.presentation.main+xml"}
    overrides |= {f"ppt/slides/slide{n}.xml": "presentationml.slide+xml" for n in range(1, slides + 1)}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as package:
        package.writestr("[Content_Types].xml", _content_types(overrides))
        package.writestr("ppt/presentation.xml", f'<p:presentation xmlns:p="{P}"/>')
        for n in range(1, slides + 1):
            _stream_part(package, f"ppt/slides/slide{n}.xml",
                         f'<p:sld xmlns:p="{P}" xmlns:a="{A}"><p:cSld><p:spTree><p:sp><p:txBody>',
                         f"<a:p><a:r><a:t>slide{n}</a:t></a:r></a:p>", slide_mb,
                         "</p:txBody></p:sp></p:spTree></p:cSld></p:sld>")  # fmt: skip


def small_runs_docx(path: Path, megabytes: float) -> None:
    """A Word body of `megabytes` MB of two-letter text runs."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as package:
        main = {"word/document.xml": "wordprocessingml.document.main+xml"}
        package.writestr("[Content_Types].xml", _content_types(main))
        _stream_part(package, "word/document.xml", f'<w:document xmlns:w="{W}"><w:body><w:p>',
                     "<w:r><w:t>ab</w:t></w:r>", megabytes, "</w:p></w:body></w:document>")  # fmt: skip


def _peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def child(mode: str, file: Path, work: Path) -> None:
    """Run one case in this process and print its figures as JSON (the parent may kill it first)."""
    from content import extraction, sniffing

    if mode == "extract":
        started = _start()
        text, note = extraction.extract(file, sniffing.sniff(file, file.name))
        figures = {"chars": len(text), "note": note}
    else:
        started, figures = _upload(file, work)
    wall, cpu = time.perf_counter() - started[0], time.process_time() - started[1]
    figures |= {"seconds": round(wall, 2), "cpu_s": round(cpu, 2), "peak_rss_mb": round(_peak_rss_mb())}
    print(json.dumps(figures))


def _start() -> tuple[float, float]:
    """Tell the parent that set-up is over (its kill clock starts); the wall and CPU clocks now."""
    cpu = time.process_time()
    print(json.dumps({"cpu_before": cpu}), flush=True)
    return time.perf_counter(), cpu


def _upload(file: Path, work: Path) -> tuple[tuple[float, float], dict]:
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    from content import services
    from content.seed import seed_topics
    from network import create_app
    from network.extensions import db
    from network.models import ApiToken, User
    from network.seed import seed_countries

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
        doc = services.create_document(admin, {"title": "Bench", "kind": "course", "language": "en"})
        upload = FileStorage(io.BytesIO(file.read_bytes()), filename=file.name)
        boundary, body = encode_multipart({"file": upload})
        started = _start()  # from here on the upload's own work
        answer = app.test_client().post(
            f"/api/v1/documents/{doc.id}/attachments", data=body, content_type=f"multipart/form-data; "
            f"boundary={boundary}", headers={"Authorization": f"Bearer {clear}"},
        )  # fmt: skip
        reply = answer.get_json()
        return started, {"status": answer.status_code,
                         "note": reply.get("extraction_note") or reply.get("error", "")}  # fmt: skip


def _usage_so_far(pid: int, cpu_before: float) -> dict:
    """CPU seconds of the work and peak RSS of a child about to be killed (the machine may be
    shared: CPU seconds compare across runs where wall time does not)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime
    status = Path(f"/proc/{pid}/status").read_text()
    peak = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:"))
    return {"cpu_s": round(cpu - cpu_before, 2), "peak_rss_mb": round(peak / 1024)}


def measure(code: Path, mode: str, file: Path, kill_after: float) -> dict:
    work = Path(tempfile.mkdtemp(prefix="rndd-extract-bench-"))
    command = [sys.executable, __file__, "--child", mode, str(file), str(work), "--code", str(code)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=work)
    cpu_before = json.loads(process.stdout.readline())["cpu_before"]  # set up: the request's clock starts
    started = time.perf_counter()
    try:
        out, _ = process.communicate(timeout=kill_after)
        figures = json.loads(out.splitlines()[-1])
    except subprocess.TimeoutExpired:
        figures = {"killed_after_s": kill_after, **_usage_so_far(process.pid, cpu_before)}
        process.kill()  # what gunicorn does to a worker past its timeout: no `finally` runs
        process.communicate()
    figures["wall_s"] = round(time.perf_counter() - started, 2)
    tmp = work / "uploads" / "tmp"
    if mode == "upload":
        figures["temp_files_left"] = len(list(tmp.iterdir())) if tmp.exists() else 0
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--code", type=Path, default=ROOT, help="the checkout to measure (default: this one)")
    parser.add_argument("--slides", type=int, default=16)
    parser.add_argument("--slide-mb", type=float, default=25)
    parser.add_argument("--doc-mb", type=float, default=40)
    parser.add_argument("--kill-after", type=float, default=30)
    parser.add_argument("--child", nargs=3, metavar=("MODE", "FILE", "WORK"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(args.code.resolve()))
    if args.child:
        mode, file, work = args.child
        child(mode, Path(file), Path(work))
        return
    files = Path(tempfile.mkdtemp(prefix="rndd-extract-files-"))
    deck, doc = files / "deck.pptx", files / "runs.docx"
    inflating_deck(deck, args.slides, args.slide_mb)
    small_runs_docx(doc, args.doc_mb)
    print(f"code: {args.code}")
    print(f"deck.pptx: {deck.stat().st_size / 1024:.0f} KiB on disk, {args.slides} slides x "
          f"{args.slide_mb:g} MB of XML; runs.docx: {doc.stat().st_size / 1024:.0f} KiB, "
          f"{args.doc_mb:g} MB of XML")  # fmt: skip
    for file in (deck, doc):
        for mode in ("extract", "upload"):
            figures = measure(args.code, mode, file, args.kill_after)
            print(f"{file.name:<10} {mode:<8} {json.dumps(figures)}")


if __name__ == "__main__":
    main()
