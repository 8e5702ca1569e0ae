"""The embedded default: notifications follow the change log inside the web process.

After each drain of the search index (so saved searches see the new documents) this process
derives and sends; every few minutes a request also sends due digests and retries. Production
sets RNDD_NOTIFY_IN_PROCESS=0 and runs `rndd notify run` from a timer instead. Either way the
change log and the outbox keep everything, so a process that dies loses nothing.
"""

from __future__ import annotations

import logging
import threading
import time
from functools import partial

from flask import Flask

from content.indexing import AFTER_DRAIN
from network.extensions import db

log = logging.getLogger("rndd.notify")
EVERY_SECONDS = 300
_last_pass = {"at": 0.0}
_lock = threading.Lock()


def register(app: Flask) -> None:
    if not app.config.get("NOTIFY_IN_PROCESS", True):
        return
    app.extensions.setdefault(AFTER_DRAIN, []).append(partial(run_quietly, drain_index=False, digests=False))

    @app.after_request
    def now_and_then(response):
        with _lock:
            due = time.monotonic() - _last_pass["at"] >= EVERY_SECONDS
            if due:
                _last_pass["at"] = time.monotonic()
        if due:
            response.call_on_close(partial(run_quietly, app, drain_index=False))
        return response


def run_quietly(app: Flask, drain_index: bool = True, digests: bool = True) -> None:
    from notify import runner

    with app.app_context():
        try:
            runner.run(drain_index=drain_index, digests=digests)
        except Exception:  # the change log and the outbox keep everything for the next pass
            db.session.rollback()
            log.exception("notifications: this pass failed; the next one starts where it stopped")
