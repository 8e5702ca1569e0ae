"""Real nodes for federation tests: each an app instance of its own (SQLite database, index,
uploads, key) served over HTTP on 127.0.0.1 by Werkzeug's WSGI server in a thread."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

from content import services
from content.models import Document
from federation import client, keys, peers, sync
from network import create_app
from network.extensions import db
from network.models import User
from network.urls import set_base_url

PASSWORD = "correct horse battery"


class Node:
    """One node. `with node.context():` runs code as that node (its database, its config)."""

    def __init__(self, name: str, folder: Path, template_db: Path, countries: list[str],
                 database_url: str | None = None) -> None:  # fmt: skip
        folder.mkdir(parents=True)
        if database_url is None:
            shutil.copyfile(template_db, folder / "node.sqlite3")
            database_url = f"sqlite:///{folder / 'node.sqlite3'}"
        self.name, self.folder = name, folder
        self.app: Flask = create_app({
            "TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url,
            "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
            "INDEX_DIR": str(folder / "index"), "UPLOAD_DIR": str(folder / "uploads"),
            "KEY_DIR": str(folder / "keys"), "NODE_NAME": name, "NODE_COUNTRIES": countries,
            "INDEX_BATCH_SECONDS": 0,
        })  # fmt: skip
        self.server: BaseWSGIServer | None = None
        self.port = 0
        self.start()
        with self.context():
            keys.generate()
        self._admins: dict[str, User] = {}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Serve (again on the same port after `stop`)."""
        self.server = make_server("127.0.0.1", self.port, self.app, threaded=True)
        self.port = self.server.server_port
        set_base_url(self.app, self.url)
        threading.Thread(target=self.server.serve_forever, name=f"node-{self.name}", daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    @contextmanager
    def context(self) -> Iterator[None]:
        with self.app.app_context():
            try:
                yield
            finally:
                db.session.remove()

    def run(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        with self.context():
            return fn(*args, **kwargs)

    def close(self) -> None:
        self.stop()
        with self.app.app_context():
            index = self.app.extensions.get("rndd_search_index")
            if index is not None:
                index.close()
            db.session.remove()
            db.engine.dispose()

    # --- people and documents, made through the real services -------------------------------

    def user(self, country: str, role: str = "reader") -> User:
        """A user of this node (committed); returned detached, use its id or email."""
        with self.context():
            n = db.session.scalar(db.select(db.func.count()).select_from(User)) + 1
            user = User(email=f"{role}{n}.{country.lower()}@{self.name}.example", name=f"{role} {n}",
                        country_code=country, role=role)  # fmt: skip
            user.set_password(PASSWORD)
            db.session.add(user)
            db.session.commit()
            db.session.refresh(user)
            db.session.expunge(user)
            return user

    def admin(self, country: str) -> User:
        if country not in self._admins:
            self._admins[country] = self.user(country, "country_admin")
        return self._admins[country]

    def _actor(self, country: str) -> User:
        return db.session.get(User, self.admin(country).id)

    def publish(self, country: str, visibility: str = "public", shared_with: list[str] | None = None,
                **fields: Any) -> int:  # fmt: skip
        """A published document of `country`; returns its id."""
        with self.context():
            actor = self._actor(country)
            data = {"title": "A shared case study", "body_markdown": "Text about **diplomacy**.", **fields}
            doc = services.create_document(actor, data)
            services.publish(actor, doc.id, visibility, shared_with or [])
            return doc.id

    def draft(self, country: str, **fields: Any) -> int:
        with self.context():
            doc = services.create_document(self._actor(country), {"title": "A draft", **fields})
            return doc.id

    def edit(self, country: str, doc_id: int, **values: Any) -> None:
        with self.context():
            doc = db.session.get(Document, doc_id)
            services.update_document(self._actor(country), doc_id, doc.version, values)

    def withdraw(self, country: str, doc_id: int) -> None:
        self.run(lambda: services.unpublish(self._actor(country), doc_id))

    def delete(self, country: str, doc_id: int) -> None:
        self.run(lambda: services.delete_document(self._actor(country), doc_id))

    # --- federation ----------------------------------------------------------------------------

    def add_peer(self, other: Node) -> None:
        """Register and confirm `other` (as its network admin would after comparing fingerprints)."""
        with self.context():
            peer = peers.register(None, other.url)
            peers.confirm(None, peer, peer.fingerprint)

    def sync(self, name: str | None = None) -> list[sync.Outcome]:
        return self.run(sync.sync, name)

    def feed(self, origin: Node, since: int = 0, limit: int = 500) -> dict[str, Any]:
        """The origin's feed page as this node receives it on the wire (signed by this node)."""
        with self.context():
            return client.signed_json(origin.url, "/federation/v1/changes", {"since": since, "limit": limit})

    def copies(self) -> dict[str, Document]:
        """The copies this node holds, by origin id, detached."""
        with self.context():
            found = db.session.scalars(db.select(Document).where(Document.origin_node.is_not(None))).all()
            for doc in found:
                doc.shared_with  # noqa: B018 -- load before detaching
            db.session.expunge_all()
            return {doc.origin_id: doc for doc in found}


def link(*nodes: Node) -> None:
    """Every node a confirmed peer of every other."""
    for node in nodes:
        for other in nodes:
            if other is not node:
                node.add_peer(other)
