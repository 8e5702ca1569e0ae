"""Federation: ministries' nodes exchange what they share by signed, incremental pulls.

The package uses `network` (identity, policy, audit) and `content` (documents, change log);
neither of them imports it: `create_app` wires it in through `register`.
"""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from federation import admin, views

    app.register_blueprint(views.bp)
    app.register_blueprint(admin.bp)
