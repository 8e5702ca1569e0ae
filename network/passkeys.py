"""Passkeys (WebAuthn): registration, and sign-in as a second factor or without a password.

Each ceremony's challenge is kept in the session, bound to its purpose and user, good for
CHALLENGE_SECONDS and taken out by the first answer, right or wrong. A passkey used without a
password must report user verification (a PIN or biometric on the device), so it is two
factors by itself; after a password, presence is enough.
"""

from __future__ import annotations

import ipaddress
import json
import secrets
import time
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, session
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from webauthn import (
    base64url_to_bytes,
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from network import audit
from network.errors import BadRequest, DomainError, NotFound
from network.extensions import db
from network.factor_models import Passkey
from network.models import User, utcnow

CHALLENGE_SECONDS = 300
_SESSION_KEY = "webauthn_challenge"
_TRANSPORTS = {t.value for t in AuthenticatorTransport}


# How the library refuses an answer: its own checks, and its parsing of a malformed one.
REFUSED = (WebAuthnException, ValueError, TypeError, KeyError, AttributeError)


class PasskeysUnavailable(DomainError):
    status, code = 503, "unavailable"
    default_message = _l(
        "Passkeys need the hub's address (RNDD_BASE_URL) to be a host name, not an IP address "
        "(for a local hub: http://localhost:PORT)."
    )


def relying_party() -> tuple[str, str]:
    """(RP id, origin) of this hub, from RNDD_BASE_URL (never from the request's Host header).

    Raises: PasskeysUnavailable when the base URL's host is an IP address, which WebAuthn refuses
    as an RP id (open a local hub as http://localhost:PORT).
    """
    parts = urlsplit(current_app.config["BASE_URL"])
    if _is_ip_address(parts.hostname or ""):
        raise PasskeysUnavailable()
    return parts.hostname or "", f"{parts.scheme}://{parts.netloc}"


def _is_ip_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def own_passkeys(user: User) -> list[Passkey]:
    query = db.select(Passkey).where(Passkey.user_id == user.id).order_by(Passkey.created_at)
    return list(db.session.scalars(query))


def _descriptors(user: User) -> list[PublicKeyCredentialDescriptor]:
    return [
        PublicKeyCredentialDescriptor(
            id=base64url_to_bytes(key.credential_id),
            transports=[AuthenticatorTransport(t) for t in key.transport_list if t in _TRANSPORTS] or None,
        )
        for key in own_passkeys(user)
    ]


def _remember(purpose: str, challenge: bytes, user: User | None, **extra: Any) -> None:
    session[_SESSION_KEY] = {
        "purpose": purpose, "challenge": bytes_to_base64url(challenge),
        "user_id": user.id if user else None, "expires": time.time() + CHALLENGE_SECONDS, **extra,
    }  # fmt: skip


def _take_challenge(purpose: str, user: User | None) -> dict[str, Any] | None:
    """The pending challenge of this purpose and user, removed from the session: single use."""
    pending = session.pop(_SESSION_KEY, None)
    if not isinstance(pending, dict) or pending.get("purpose") != purpose:
        return None
    if pending.get("expires", 0) < time.time() or pending.get("user_id") != (user.id if user else None):
        return None
    return pending


def _refuse(user: User | None, message: str, reason: str, **details: Any) -> BadRequest:
    """Audit a refused ceremony (committed at once: nothing else changes) and the error to raise."""
    audit.record(user, "passkey.failure", object_type="passkey", reason=reason[:200], **details)
    db.session.commit()
    return BadRequest(message)


def registration_options(user: User) -> dict[str, Any]:
    """Options for navigator.credentials.create(): a discoverable credential for this hub."""
    rp_id, _origin = relying_party()
    existing = own_passkeys(user)
    handle = existing[0].user_handle if existing else bytes_to_base64url(secrets.token_bytes(32))
    options = generate_registration_options(
        rp_id=rp_id, rp_name="RNDD Hub", user_name=user.email, user_display_name=user.name,
        user_id=base64url_to_bytes(handle), exclude_credentials=_descriptors(user),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
    )  # fmt: skip
    _remember("register", options.challenge, user, user_handle=handle)
    return json.loads(options_to_json(options))


def register(user: User, credential: Any, name: str = "") -> Passkey:
    """Verify the authenticator's answer to the options and keep the new passkey.

    Raises: BadRequest for a missing or expired challenge, or an answer that does not verify.
    """
    pending = _take_challenge("register", user)
    if pending is None:
        raise _refuse(user, _("This request has expired or was already used; try again."), "no challenge")
    rp_id, origin = relying_party()
    try:
        verified = verify_registration_response(
            credential=credential, expected_challenge=base64url_to_bytes(pending["challenge"]),
            expected_rp_id=rp_id, expected_origin=origin,
        )  # fmt: skip
    except REFUSED as error:
        raise _refuse(user, _("The passkey could not be verified; nothing was saved."), str(error)) from None
    credential_id = bytes_to_base64url(verified.credential_id)
    if db.session.scalar(db.select(Passkey.id).where(Passkey.credential_id == credential_id)):
        raise _refuse(user, _("This passkey is already registered."), "duplicate credential")
    key = Passkey(
        user_id=user.id, credential_id=credential_id, public_key=verified.credential_public_key,
        sign_count=verified.sign_count, transports=json.dumps(_transports(credential)),
        user_handle=pending["user_handle"], name=(name or "").strip()[:100] or "Passkey",
    )  # fmt: skip
    db.session.add(key)
    db.session.flush()
    audit.record(user, "passkey.added", object_type="passkey", object_id=key.id, title=key.name)
    db.session.commit()
    return key


def authentication_options(purpose: str, user: User | None = None) -> dict[str, Any]:
    """Options for navigator.credentials.get(): the user's own passkeys after a password, or
    any discoverable passkey of this hub (empty allow list) without one."""
    rp_id, _origin = relying_party()
    options = generate_authentication_options(
        rp_id=rp_id,
        allow_credentials=_descriptors(user) if user else [],
        user_verification=(
            UserVerificationRequirement.REQUIRED if user is None else UserVerificationRequirement.PREFERRED
        ),
    )
    _remember(purpose, options.challenge, user)
    return json.loads(options_to_json(options))


def authenticate(credential: Any, purpose: str, user: User | None = None) -> User:
    """The user whose passkey signed this challenge; `user` is the one who gave their password.

    Raises: BadRequest for an expired, reused or foreign challenge, an unknown passkey, one of
    another user, or a signature, origin or RP id that does not verify. Nothing changes then.
    """
    refused = _("This passkey could not sign you in.")
    pending = _take_challenge(purpose, user)
    if pending is None:
        raise _refuse(
            user, "This sign-in request has expired or was already used; try again.", "no challenge"
        )
    credential_id = credential.get("id") if isinstance(credential, dict) else None
    key = db.session.scalar(db.select(Passkey).where(Passkey.credential_id == str(credential_id)))
    if key is None or (user is not None and key.user_id != user.id):
        raise _refuse(user, refused, "unknown passkey", credential=str(credential_id)[:64])
    owner = db.session.get(User, key.user_id)
    handle = (credential.get("response") or {}).get("userHandle")
    if handle and handle != key.user_handle:
        raise _refuse(owner, refused, "user handle does not match", passkey=key.id)
    rp_id, origin = relying_party()
    try:
        verified = verify_authentication_response(
            credential=credential, expected_challenge=base64url_to_bytes(pending["challenge"]),
            expected_rp_id=rp_id, expected_origin=origin, credential_public_key=key.public_key,
            credential_current_sign_count=key.sign_count, require_user_verification=user is None,
        )  # fmt: skip
    except REFUSED as error:
        raise _refuse(owner, refused, str(error), passkey=key.id) from None
    if not owner.active:
        raise _refuse(owner, refused, "inactive account", passkey=key.id)
    key.sign_count, key.last_used_at = verified.new_sign_count, utcnow()
    db.session.commit()
    return owner


def rename(user: User, passkey_id: int, name: str) -> Passkey:
    """Raises: NotFound for a passkey that is not the user's."""
    key = _own(user, passkey_id)
    key.name = name.strip()[:100] or key.name
    db.session.commit()
    return key


def remove(user: User, passkey_id: int) -> None:
    """Raises: NotFound for a passkey that is not the user's."""
    key = _own(user, passkey_id)
    db.session.delete(key)
    audit.record(user, "passkey.removed", object_type="passkey", object_id=key.id, title=key.name)
    db.session.commit()


def _own(user: User, passkey_id: int) -> Passkey:
    key = db.session.get(Passkey, passkey_id)
    if key is None or key.user_id != user.id:
        raise NotFound()
    return key


def _transports(credential: Any) -> list[str]:
    found = (credential.get("response") or {}).get("transports") or []
    return [t for t in found if isinstance(t, str) and t in _TRANSPORTS] if isinstance(found, list) else []
