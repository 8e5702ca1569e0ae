"""One background drain per process, so that many writes cost one index commit.

Draining after every write request cost a fifth of a worker under load, and every commit makes
every worker reopen its searcher and rebuild its caches. Instead, a write request wakes this
process's drain thread, which waits INDEX_BATCH_SECONDS for more writes and then drains once:
one Whoosh commit for all of them.

Nothing is kept here but a counter of wake-ups: the rows stay in the change log until a drain
applies them, so a thread that dies (or a process that is killed) loses nothing; the next
write starts a new thread, and `rndd index drain` applies them as well. The thread is started
lazily and belongs to the process that started it: after a fork (gunicorn's workers) the child
starts its own at its first write.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable

from flask import Flask

log = logging.getLogger("rndd.index")
KEY = "rndd_index_drains"
Drain = Callable[[Flask], None]

_guard = threading.Lock()


def _new_guard() -> None:
    """A lock held by another thread at fork time would stay held forever in the child."""
    global _guard
    _guard = threading.Lock()


os.register_at_fork(after_in_child=_new_guard)


class DrainThread:
    """A daemon thread that drains once per batch of wake-ups."""

    def __init__(self, app: Flask, window: float, drain: Drain) -> None:
        self.app, self.window, self._drain = app, window, drain
        self.pid = os.getpid()
        self._changed = threading.Condition()
        self._asked = 0  # wake-ups so far
        self._done = 0  # wake-ups whose rows a finished drain has read
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="rndd-index-drain", daemon=True)
        self._thread.start()

    @property
    def is_usable(self) -> bool:
        """Running, and in this process (a thread does not survive a fork)."""
        return self.pid == os.getpid() and not self._stopped and self._thread.is_alive()

    def wake(self) -> None:
        """Ask for a drain; called after the request's transaction has committed."""
        with self._changed:
            self._asked += 1
            self._changed.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """Whether every wake-up so far was followed by a finished drain (or the thread ended)
        within `timeout` seconds."""
        with self._changed:
            return self._changed.wait_for(lambda: self._stopped or self._done >= self._asked, timeout)

    def _run(self) -> None:
        try:
            while True:
                with self._changed:
                    self._changed.wait_for(lambda: self._asked > self._done)
                time.sleep(self.window)  # the writes of the next moments join this drain
                with self._changed:
                    covered = self._asked  # committed before they woke us: this drain reads them
                self._drain(self.app)
                with self._changed:
                    self._done = covered
                    self._changed.notify_all()
        except Exception:  # the rows stay in the log; the next write starts another thread
            log.exception("the search index's drain thread stopped; changes stay in the log")
        finally:
            with self._changed:
                self._stopped = True
                self._changed.notify_all()


def wake(app: Flask, drain: Drain) -> None:
    """Wake this process's drain thread for `app`, starting it first if there is none."""
    with _guard:
        thread = app.extensions.get(KEY)
        if thread is None or not thread.is_usable:
            thread = app.extensions[KEY] = DrainThread(app, app.config["INDEX_BATCH_SECONDS"], drain)
    thread.wake()


def wait_idle(app: Flask, timeout: float = 30.0) -> bool:
    """Wait until this process's drain thread has drained every write so far (tests, and
    anything that must see its own writes in search). True at once when there is none."""
    thread = app.extensions.get(KEY)
    if thread is None or thread.pid != os.getpid():
        return True
    return thread.wait_idle(timeout)
