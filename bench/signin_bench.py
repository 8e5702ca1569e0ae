"""Sign-in refusals with production Argon2 cost: an unknown address must take as long as a wrong
password (the dummy-hash verify), and a signed-in request must cost no session write.

    python bench/signin_bench.py [--rounds 20]

Runs the app in-process on a throwaway SQLite database (Flask's test client, no server) and
prints the median time of each kind of refused sign-in and of a signed-in page view.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import event

from network import create_app
from network.extensions import db
from network.models import User
from network.seed import seed_countries

PASSWORD = "correct horse battery"  # noqa: S105 - a throwaway account


def _median_ms(action, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    rounds = parser.parse_args().rounds
    folder = Path(tempfile.mkdtemp(prefix="rndd-signin-"))
    app = create_app({
        "TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'db.sqlite3'}",
        "RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False, "INDEX_DIR": str(folder / "index"),
        "UPLOAD_DIR": str(folder / "uploads"),
    })  # fmt: skip
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        seed_countries()
        user = User(email="reader@example.org", name="Reader", country_code="ID", role="reader")
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
        email = user.email
    # Requests outside that app context, each with its own (as in production: nothing cached in g).
    client = app.test_client()
    counter = iter(range(10**6))

    def wrong_password() -> None:
        client.post("/login", data={"email": email, "password": "not the password"})
        with app.app_context():
            db.session.execute(db.text("DELETE FROM signin_throttle"))  # never reach the lock
            db.session.commit()

    def unknown_address() -> None:
        address = f"nobody{next(counter)}@example.org"
        client.post("/login", data={"email": address, "password": "not the password"})

    wrong = _median_ms(wrong_password, rounds)
    unknown = _median_ms(unknown_address, rounds)
    signed_in = client.post("/login", data={"email": email, "password": PASSWORD})
    assert signed_in.status_code == 302 and client.get("/api/v1/me").status_code == 200
    updates: list[str] = []

    def count_updates(_conn, _cursor, statement: str, *_args) -> None:
        if statement.lstrip().upper().startswith("UPDATE"):
            updates.append(statement)

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", count_updates)
    page = _median_ms(lambda: client.get("/api/v1/me"), rounds)
    print(f"wrong password, known address: {wrong:7.1f} ms (median of {rounds})")
    print(f"unknown address:               {unknown:7.1f} ms")
    print(f"signed-in GET /api/v1/me:      {page:7.1f} ms; {len(updates)} UPDATE in {rounds} requests")


if __name__ == "__main__":
    main()
