"""The watch list and notifications in the JSON API (`/api/v1/watches`, `/api/v1/notifications`)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from flask_login import current_user

from content.serializers import document_summary, iso
from network.api import created, json_body, known_fields, paged, paging, write_access
from network.errors import BadRequest
from network.extensions import csrf
from network.guards import signed_in
from network.urls import external_url
from notify import inbox, watches
from notify.models import Notification, Watch

bp = Blueprint("notify_api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # bearer tokens carry no CSRF risk; `write_access` checks it for sessions
WATCH_FIELDS = ("type", "value", "name", "query", "filters", "delivery")


def watch_json(watch: Watch) -> dict[str, Any]:
    return {
        "id": watch.id, "type": watch.type, "value": watch.value, "name": watch.name, "query": watch.query,
        "filters": watch.filters or {}, "delivery": watch.delivery, "created_at": iso(watch.created_at),
    }  # fmt: skip


def notification_json(note: Notification, doc: Any) -> dict[str, Any]:
    return {"id": note.id, "reason": note.reason, "watch": note.watch_id, "document": document_summary(doc),
            "created_at": iso(note.created_at), "read": note.read_at is not None}  # fmt: skip


@bp.get("/watches")
@signed_in
def watch_list():
    """The caller's watch list.
    ---
    operationId: listWatches
    summary: What the caller follows
    tags: [watches]
    responses:
      200:
        description: Every followed item, oldest first.
        content:
          application/json:
            schema: {$ref: '#/components/schemas/WatchList'}
      401: {$ref: '#/components/responses/Unauthorized'}
    """
    return jsonify(items=[watch_json(w) for w in watches.listed(current_user)])


@bp.post("/watches")
@write_access
def watch_create():
    """Follow a topic, country, mission, kind or saved search.
    ---
    operationId: createWatch
    summary: Follow something
    tags: [watches]
    requestBody:
      required: true
      content:
        application/json:
          schema: {$ref: '#/components/schemas/WatchWrite'}
    responses:
      201:
        description: The new watch.
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Watch'}
      400: {$ref: '#/components/responses/BadRequest'}
      401: {$ref: '#/components/responses/Unauthorized'}
      422: {$ref: '#/components/responses/Invalid'}
    """
    watch = watches.add(current_user, known_fields(json_body(), WATCH_FIELDS))
    return created(watch_json(watch), external_url("notify_api.watch_one", watch_id=watch.id))


@bp.get("/watches/<int:watch_id>")
@signed_in
def watch_one(watch_id: int):
    """One followed item.
    ---
    operationId: getWatch
    summary: One followed item
    tags: [watches]
    responses:
      200:
        description: The watch.
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Watch'}
      404: {$ref: '#/components/responses/NotFound'}
    """
    return jsonify(watch_json(watches.get_own(current_user, watch_id)))


@bp.route("/watches/<int:watch_id>", methods=["PATCH", "DELETE"])
@write_access
def watch_change(watch_id: int):
    """Change how the caller hears of a followed item, or stop following it.
    ---
    patch:
      operationId: updateWatch
      summary: Change how the caller hears of it
      tags: [watches]
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/WatchUpdate'}
      responses:
        200:
          description: The watch.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Watch'}
        404: {$ref: '#/components/responses/NotFound'}
        422: {$ref: '#/components/responses/Invalid'}
    delete:
      operationId: deleteWatch
      summary: Stop following
      tags: [watches]
      responses:
        204: {description: Removed.}
        404: {$ref: '#/components/responses/NotFound'}
    """
    if request.method == "DELETE":
        watches.remove(current_user, watch_id)
        return "", 204
    body = known_fields(json_body(), ("delivery",))
    return jsonify(watch_json(watches.set_delivery(current_user, watch_id, body.get("delivery"))))


@bp.get("/notifications")
@signed_in
def notification_list():
    """The caller's notifications, newest first, of documents the caller may read now.
    ---
    operationId: listNotifications
    summary: The caller's notifications
    tags: [watches]
    parameters:
      - {name: unread, in: query, schema: {type: boolean}, description: Only unread ones.}
      - {$ref: '#/components/parameters/Page'}
      - {$ref: '#/components/parameters/PerPage'}
    responses:
      200:
        description: A page of notifications, with the number unread.
        content:
          application/json:
            schema: {$ref: '#/components/schemas/NotificationList'}
      400: {$ref: '#/components/responses/BadRequest'}
      401: {$ref: '#/components/responses/Unauthorized'}
    """
    page, per_page = paging()
    unread_arg = request.args.get("unread", "")
    if unread_arg not in ("", "0", "1", "true", "false"):
        raise BadRequest("unread is true or false.")
    result = inbox.notifications(current_user, page, per_page, unread_only=unread_arg in ("1", "true"))
    items = [notification_json(n, d) for n, d in result.items]
    return paged(items, result.total, result.page, result.per_page, unread=inbox.unread_count(current_user))


@bp.post("/notifications/read")
@write_access
def notifications_read():
    """Mark notifications read: the given `ids`, or `all`.
    ---
    operationId: markNotificationsRead
    summary: Mark notifications read
    tags: [watches]
    requestBody:
      required: true
      content:
        application/json:
          schema: {$ref: '#/components/schemas/NotificationsRead'}
    responses:
      200:
        description: How many were marked.
        content:
          application/json:
            schema: {type: object, required: [marked], properties: {marked: {type: integer}}}
      400: {$ref: '#/components/responses/BadRequest'}
      401: {$ref: '#/components/responses/Unauthorized'}
    """
    body = known_fields(json_body(), ("ids", "all"))
    if body.get("all") is True:
        return jsonify(marked=inbox.mark_read(current_user))
    ids = body.get("ids")
    if not isinstance(ids, list):
        raise BadRequest('Send {"ids": [1, 2]} or {"all": true}.')
    return jsonify(marked=inbox.mark_read(current_user, ids))
