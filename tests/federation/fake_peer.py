"""A fake peer node for federation tests: a tiny WSGI app with an Ed25519 key of its own,
served over HTTP on 127.0.0.1 by Werkzeug in a thread.

It serves a node document, a change feed built from the signed items it was given (what a
well-behaved origin would answer, `cursor_past_end` included), and attachment bytes by sha256.
A test crafts anything else by setting `answer` (a function of the request that returns the
response of /federation/v1/changes), by storing wrong bytes under a sha256, or by stalling
(the connection is accepted and nothing is answered until `release`). It does not check the
signatures of the requests it receives.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

from federation import keys

STALL_MAX = 15  # seconds a stalled answer waits at most (a test that forgets to release ends anyway)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class FakePeer:
    def __init__(self, name: str = "lima", countries: tuple[str, ...] = ("ID",)) -> None:
        self.name, self.countries = name, list(countries)
        self.key = keys.NodeKey(Ed25519PrivateKey.generate())
        self.log: list[dict[str, Any]] = []
        self.files: dict[str, bytes] = {}
        self.answer: Callable[[Request], Response] | None = None
        self.seen: list[str] = []
        self._stalling: tuple[str, ...] = ()
        self._released = threading.Event()
        self.server: BaseWSGIServer = make_server("127.0.0.1", 0, self._app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        serve = threading.Thread(target=self.server.serve_forever, args=(0.05,), name=f"fake-{name}")
        serve.daemon = True
        serve.start()

    def close(self) -> None:
        self.release()
        self.server.shutdown()
        self.server.server_close()

    # --- what it publishes ----------------------------------------------------------------------

    def payload(self, uid: str, version: int = 1, **fields: Any) -> dict[str, Any]:
        """A document payload of this node that passes every shape check of the receiver."""
        payload = {
            "uid": uid, "origin": self.name, "url": f"{self.url}/documents/{uid}", "version": version,
            "country": self.countries[0], "kind": "case_study", "visibility": "public", "shared_with": [],
            "status": "published", "title": f"Document {uid}, version {version}", "summary": "",
            "body_markdown": "Text about **diplomacy**.", "language": "en", "topics": [], "tags": [],
            "year": 2024, "translations": [], "lessons": [], "attachments": [], "deleted": False,
        }  # fmt: skip
        payload.update(fields)
        return payload

    def tombstone(self, uid: str, version: int) -> dict[str, Any]:
        return {"uid": uid, "origin": self.name, "version": version, "deleted": True}

    def attachment(self, data: bytes, filename: str = "notes.txt",
                   served: bytes | None = None) -> dict[str, Any]:  # fmt: skip
        """An attachment entry for `data`; the fake serves `served` (default: `data`) under its sha256."""
        digest = sha256(data)
        self.files[digest] = data if served is None else served
        return {"sha256": digest, "size": len(data), "filename": filename, "content_type": "text/plain",
                "lesson": None}  # fmt: skip

    def item(self, seq: int, payload: dict[str, Any], key: keys.NodeKey | None = None) -> dict[str, Any]:
        """An item of the feed, signed by this node's key (or by `key`)."""
        signer = key or self.key
        return {"seq": seq, "payload": payload, "signature": signer.sign(keys.canonical(payload))}

    def publish(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Append a signed item to the feed, at the next sequence number."""
        item = self.item(self.last_seq + 1, payload)
        self.log.append(item)
        return item

    @property
    def last_seq(self) -> int:
        return self.log[-1]["seq"] if self.log else 0

    def page(self, items: list[dict[str, Any]], next_seq: int | None = None, has_more: bool = False,
             origin: str | None = None) -> dict[str, Any]:  # fmt: skip
        last = items[-1]["seq"] if items and isinstance(items[-1], dict) else 0
        return {"origin": origin or self.name, "items": items,
                "next": last if next_seq is None else next_seq, "has_more": has_more}  # fmt: skip

    def serve_page(self, page: Any) -> None:
        """Answer every /changes request with this JSON value, whatever the cursor."""
        self.answer = lambda request: json_response(page)

    # --- misbehaviour ---------------------------------------------------------------------------

    def stall(self, *prefixes: str) -> None:
        """Accept requests under these paths (default: all) and answer nothing until `release`."""
        self._released.clear()
        self._stalling = prefixes or ("/",)

    def release(self) -> None:
        self._stalling = ()
        self._released.set()

    # --- the WSGI app ---------------------------------------------------------------------------

    @Request.application
    def _app(self, request: Request) -> Response:
        self.seen.append(request.full_path)
        if self._stalling and request.path.startswith(self._stalling):
            self._released.wait(STALL_MAX)
        if request.path == "/federation/v1/node":
            return json_response({"name": self.name, "base_url": self.url, "countries": self.countries,
                                  "public_key": self.key.public_key, "fingerprint": self.key.fingerprint,
                                  "rotations": []})  # fmt: skip
        if request.path == "/federation/v1/changes":
            return self.answer(request) if self.answer else self._changes(request)
        prefix = "/federation/v1/attachments/"
        if request.path.startswith(prefix) and request.path[len(prefix) :] in self.files:
            return Response(self.files[request.path[len(prefix) :]], mimetype="application/octet-stream")
        return error_response(404, "not_found", "Not found.")

    def _changes(self, request: Request) -> Response:
        since, limit = int(request.args.get("since", 0)), int(request.args.get("limit", 100))
        if since > self.last_seq:
            return error_response(400, "cursor_past_end", "This node's change log ends before that.")
        items = [item for item in self.log if item["seq"] > since][:limit]
        return json_response(self.page(items, items[-1]["seq"] if items else since,
                                       has_more=len(items) == limit))  # fmt: skip


def json_response(value: Any, status: int = 200) -> Response:
    return Response(json.dumps(value), status=status, mimetype="application/json")


def error_response(status: int, code: str, message: str) -> Response:
    return json_response({"error": {"code": code, "message": message}}, status)
