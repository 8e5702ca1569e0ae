"""Country admins manage their ministry's users through the API, as on the users page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify
from flask_babel import gettext as _
from flask_login import current_user

from network import users
from network.api import json_body, known_fields, write_access
from network.errors import Invalid
from network.extensions import csrf
from network.guards import signed_in
from network.models import User

bp = Blueprint("users_api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # `write_access` checks CSRF for browser sessions


def user_json(user: User) -> dict[str, Any]:
    return {"id": user.id, "name": user.name, "email": user.email, "role": user.role,
            "country": user.country_code, "active": user.active,
            "invited": user.password_hash is None}  # fmt: skip


def _fields(body: dict[str, Any], allowed: tuple[str, ...]) -> dict[str, Any]:
    """Only the endpoint's fields, each of its type (`active` a boolean, the rest text)."""
    known_fields(body, allowed)
    wrong = [k for k, v in body.items() if not isinstance(v, bool if k == "active" else str)]
    if wrong:
        raise Invalid({k: "Wrong type." for k in wrong})
    return body


@bp.get("/users")
@signed_in
def user_list():
    """The users of the caller's country (country admins only).
    ---
    operationId: listUsers
    summary: Users of the caller's country
    tags: [users]
    responses:
      200:
        description: The users, by name.
        content:
          application/json:
            schema: {$ref: '#/components/schemas/UserList'}
      401: {$ref: '#/components/responses/Unauthorized'}
      403: {$ref: '#/components/responses/Forbidden'}
    """
    return jsonify(items=[user_json(u) for u in users.country_users(current_user)])


@bp.post("/users")
@write_access
def invite_user():
    """Invite someone of the caller's country; they get a signed, expiring link.
    ---
    operationId: inviteUser
    summary: Invite a user (country admins)
    tags: [users]
    requestBody:
      required: true
      content:
        application/json:
          schema: {$ref: '#/components/schemas/UserInvite'}
    responses:
      202:
        description: The invitation is sent (the same answer for an address of another country's user).
        content:
          application/json:
            schema: {$ref: '#/components/schemas/InvitationSent'}
      400: {$ref: '#/components/responses/BadRequest'}
      401: {$ref: '#/components/responses/Unauthorized'}
      403: {$ref: '#/components/responses/Forbidden'}
      413: {$ref: '#/components/responses/TooLarge'}
      415: {$ref: '#/components/responses/UnsupportedType'}
      422: {$ref: '#/components/responses/Invalid'}
    """
    body = _fields(json_body(), ("email", "name", "role"))
    email = body.get("email", "")
    users.invite(current_user, email, body.get("name", ""), body.get("role", "reader"))
    # The same answer when the address belongs to another country (users.invite).
    address = users.normalise_email(email)
    return jsonify(email=address, message=_("Invitation sent to %(email)s.", email=address)), 202


@bp.patch("/users/<int:user_id>")
@write_access
def update_user(user_id: int):
    """Change a user's role, or deactivate or reactivate them.
    ---
    operationId: updateUser
    summary: Change a user's role or active state (country admins)
    tags: [users]
    requestBody:
      required: true
      content:
        application/json:
          schema: {$ref: '#/components/schemas/UserUpdate'}
    responses:
      200:
        description: The user as now.
        content:
          application/json:
            schema: {$ref: '#/components/schemas/User'}
      400: {$ref: '#/components/responses/BadRequest'}
      401: {$ref: '#/components/responses/Unauthorized'}
      403: {$ref: '#/components/responses/Forbidden'}
      404: {$ref: '#/components/responses/NotFound'}
      413: {$ref: '#/components/responses/TooLarge'}
      415: {$ref: '#/components/responses/UnsupportedType'}
      422: {$ref: '#/components/responses/Invalid'}
    """
    body = _fields(json_body(), ("role", "active"))
    user = None
    if "role" in body:
        user = users.set_role(current_user, user_id, body["role"])
    if "active" in body:
        user = users.set_active(current_user, user_id, body["active"])
    if user is None:
        raise Invalid({"role": _("Send `role`, `active`, or both.")})
    return jsonify(user_json(user))
