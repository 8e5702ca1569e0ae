"""One pass of the notification follower: derive, queue due digests, send what is due."""

from __future__ import annotations

import logging

from content import indexing
from notify import derive, mailing
from search_index import IndexUnavailable

log = logging.getLogger("rndd.notify")


def run(*, digests_now: bool = False, drain_index: bool = True, digests: bool = True) -> dict[str, int]:
    """Returns counts: changes handled, e-mails queued for digests, and sending outcomes.

    The index is drained first (when asked), so saved searches see the new documents. Without
    `digests`, only what is due at once goes (the pass that follows every write: looking for due
    digests reads every waiting notification, which is for the periodic pass).
    """
    if drain_index:
        try:
            indexing.drain()
        except IndexUnavailable:
            log.warning("the search index is unavailable: saved searches wait for its rebuild")
    counts = {"changes": derive.derive_all()}
    if digests or digests_now:
        counts["digests"] = mailing.queue_digests(force=digests_now)
    counts.update(mailing.send_pending())
    return counts
