"""Watch lists and notifications: what users follow, and telling them when something arrives.

Notifications are derived from the change log by sequence number, like the search index, and
every decision to show or send one asks the access policy at that moment. Neither `content` nor
`network` imports this package: `create_app` wires it in through `register`.
"""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from notify import api, cli, in_process, views

    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
    cli.register(app)
    in_process.register(app)
    views.register_header_counter(app)
