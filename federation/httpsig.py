"""HTTP Message Signatures (RFC 9421) with Ed25519 between nodes.

A node signs `@method @authority @target-uri` of every federation request with a fresh nonce
and the time; the key id is `<its base URL>#<its key fingerprint>`. The receiving node checks
the signature against the URL as it is configured to be reached (RNDD_BASE_URL, never the Host
header), refuses a signature older than five minutes, and accepts each nonce once.
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from http_message_signatures import HTTPMessageSigner, HTTPMessageVerifier, algorithms
from http_message_signatures.exceptions import HTTPMessageSignaturesException
from http_message_signatures.resolvers import HTTPSignatureKeyResolver

COVERED = ("@method", "@authority", "@target-uri")
MAX_AGE = datetime.timedelta(minutes=5)


class SignatureRefused(Exception):
    """Unsigned, stale, replayed, malformed, or signed by a key we do not accept."""


class _Keys(HTTPSignatureKeyResolver):
    def __init__(self, private: Ed25519PrivateKey | None = None,
                 public: Callable[[str], Ed25519PublicKey | None] | None = None) -> None:  # fmt: skip
        self._private, self._public = private, public

    def resolve_private_key(self, key_id: str) -> Ed25519PrivateKey:
        assert self._private is not None  # noqa: S101 -- a signer always has its key
        return self._private

    def resolve_public_key(self, key_id: str) -> Ed25519PublicKey:
        key = self._public(key_id) if self._public else None
        if key is None:
            raise SignatureRefused(f"unknown key {key_id}")
        return key


@dataclass
class Message:
    """The request as the signature library reads it."""

    method: str
    url: str
    headers: Any


def key_id(base_url: str, fingerprint: str) -> str:
    return f"{base_url}#{fingerprint}"


def split_key_id(value: str) -> tuple[str, str]:
    base_url, _, fingerprint = value.rpartition("#")
    return base_url, fingerprint


def sign(message: Any, private: Ed25519PrivateKey, keyid: str) -> None:
    """Add Signature-Input and Signature headers to `message` (a requests.PreparedRequest)."""
    signer = HTTPMessageSigner(signature_algorithm=algorithms.ED25519, key_resolver=_Keys(private=private))
    signer.sign(message, key_id=keyid, nonce=secrets.token_urlsafe(24), label="rndd",
                covered_component_ids=COVERED, created=datetime.datetime.now(datetime.UTC))  # fmt: skip


def signature_params(headers: Any) -> tuple[str, str]:
    """(key id, nonce) named by the Signature-Input header, before anything is verified."""
    value = headers.get("Signature-Input", "")
    try:
        params = HTTPMessageVerifier._parse_signature_dictionary(value)
    except (HTTPMessageSignaturesException, ValueError, TypeError) as error:
        raise SignatureRefused("no readable Signature-Input header") from error
    if len(params) != 1:
        raise SignatureRefused("exactly one signature is expected")
    entry = next(iter(params.values()))
    keyid, nonce = entry.params.get("keyid"), entry.params.get("nonce")
    if not isinstance(keyid, str) or not isinstance(nonce, str) or not 16 <= len(nonce) <= 100:
        raise SignatureRefused("the signature needs a key id and a nonce")
    return keyid, nonce


def verify(message: Message, public: Callable[[str], Ed25519PublicKey | None]) -> None:
    """Raises SignatureRefused unless one fresh Ed25519 signature covers method, authority and URI."""
    verifier = HTTPMessageVerifier(signature_algorithm=algorithms.ED25519, key_resolver=_Keys(public=public))
    try:
        results = verifier.verify(message, max_age=MAX_AGE, require_components=COVERED)
    except SignatureRefused:
        raise
    except (HTTPMessageSignaturesException, ValueError, TypeError, KeyError) as error:
        raise SignatureRefused(str(error) or type(error).__name__) from error
    if len(results) != 1:
        raise SignatureRefused("exactly one signature is expected")
