"""Start index drainers and SIGKILL each at a random moment; run by `fault_drainer.py`.

    python drain_killer.py --kills 50 --seconds 60      (cwd: the app's snapshot, RNDD_* set)

The app is imported once; each drainer is a forked child looping `content.indexing.drain()`
(what `rndd index drain` runs, without the two seconds of start-up per kill). Kill i falls at a
random moment of the i-th of `kills` equal slots of `seconds`, and the next drainer starts at once.
Each child reports through a pipe when it enters and leaves `SearchIndex.apply` (writer open,
documents written, commit), so the summary says how many kills landed inside an index commit.
Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import time

from content import indexing
from network.extensions import db
from search_index.engine import SearchIndex
from wsgi import app

CHILD_LIFETIME_S = 120  # a child whose parent died stops by itself


def drainer(marks: int) -> None:
    """The child: drain until killed, writing 'A'/'a' around every index commit."""
    apply = SearchIndex.apply

    def marked(self: SearchIndex, *args: object) -> None:
        os.write(marks, b"A")
        apply(self, *args)
        os.write(marks, b"a")

    SearchIndex.apply = marked  # type: ignore[method-assign]
    parent, deadline = os.getppid(), time.monotonic() + CHILD_LIFETIME_S
    with app.app_context():
        db.engine.dispose(close=False)  # connections are the child's own, never the parent's
        while os.getppid() == parent and time.monotonic() < deadline:
            applied = indexing.drain()
            os.write(marks, b"d" if applied else b".")
            time.sleep(0.01)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    chance = random.Random(args.seed)
    slot = args.seconds / args.kills
    started = time.monotonic()
    summary = {"kills": 0, "inside_apply": 0, "drains_with_rows": 0, "empty_drains": 0, "commits": 0}
    for i in range(args.kills):
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read_end)
            try:
                drainer(write_end)
            finally:
                os._exit(1)
        os.close(write_end)
        moment = started + (i + chance.random()) * slot
        time.sleep(max(0.05, moment - time.monotonic()))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        with os.fdopen(read_end, "rb") as marks:
            seen = marks.read().decode()
        summary["kills"] += 1
        summary["inside_apply"] += seen.count("A") > seen.count("a")
        summary["commits"] += seen.count("a")
        summary["drains_with_rows"] += seen.count("d")
        summary["empty_drains"] += seen.count(".")
    summary["seconds"] = round(time.monotonic() - started, 1)
    print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
