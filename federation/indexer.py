"""Indexing alongside a long pull: a second process follows the change log while this one
writes copies, so a large first sync uses both cores instead of indexing after the fact.

The index follows the change log whoever applies it, so this changes nothing but the timing:
what the helper has not applied when it stops, the puller's own drain applies. The helper is
spawned (it shares no socket or connection with its parent) and stops when told to or when
its parent is gone.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import current_app

log = logging.getLogger("rndd.federation")
_SPAWN = multiprocessing.get_context("spawn")
PASSED_ON = ("SQLALCHEMY_DATABASE_URI", "SEARCH_BACKEND", "INDEX_DIR", "UPLOAD_DIR", "KEY_DIR", "SECRET_KEY",
             "BASE_URL", "TESTING", "DEBUG")  # fmt: skip
IDLE_SECONDS = 0.5


class Alongside:
    """Started on demand: a small pull never pays for a second process."""

    def __init__(self) -> None:
        self._process: Any = None
        self._stop = _SPAWN.Event()

    def start(self) -> None:
        if self._process is not None:
            return
        config = {name: current_app.config.get(name) for name in PASSED_ON}
        config["INDEX_AFTER_REQUEST"] = False
        process = _SPAWN.Process(target=_follow, args=(config, self._stop, os.getpid()),
                                 name="rndd-index-alongside", daemon=True)  # fmt: skip
        try:
            process.start()
        except (OSError, RuntimeError) as error:  # no second process: the pull indexes at its end
            log.warning("indexing alongside the pull could not start: %s", error)
            return
        self._process = process

    def stop(self) -> None:
        if self._process is None:
            return
        self._stop.set()
        self._process.join(timeout=600)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join()


@contextmanager
def indexing_alongside() -> Iterator[Alongside]:
    helper = Alongside()
    try:
        yield helper
    finally:
        helper.stop()


def _follow(config: dict[str, Any], stop: Any, parent: int) -> None:
    """Drain until told to stop (then once more) or until the parent is gone."""
    from content import indexing
    from network import create_app

    app = create_app(config)
    with app.app_context():
        while True:
            last_round = stop.is_set() or os.getppid() != parent
            try:
                applied = indexing.drain()
            except Exception:  # the rows stay in the log: the puller's own drain applies them
                log.exception("indexing alongside the pull failed; the puller indexes the rest")
                return
            if last_round:
                return
            if not applied:
                stop.wait(IDLE_SECONDS)
