"""A software WebAuthn authenticator for tests: real P-256 keys, real CBOR, real signatures.

It answers the hub's options the way a browser and a security key together would, and lets a
test bend one thing at a time (the origin, the RP id, the key that signs, the UV flag).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import struct
from dataclasses import dataclass, field

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

UP, UV, AT = 0x01, 0x04, 0x40


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _cose_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    numbers = key.public_key().public_numbers()
    return cbor2.dumps(
        {1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")}
    )


def _client_data(kind: str, challenge: str, origin: str) -> bytes:
    return json.dumps({"type": kind, "challenge": challenge, "origin": origin, "crossOrigin": False}).encode()


@dataclass
class SoftAuthenticator:
    origin: str = "http://hub.test"
    rp_id: str = "hub.test"
    key: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    credential_id: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    sign_count: int = 0
    user_handle: bytes = b""

    def create(self, options: dict, *, origin: str | None = None, challenge: str | None = None) -> dict:
        """The credential navigator.credentials.create() would give for `options`."""
        self.user_handle = unb64url(options["user"]["id"])
        auth_data = (
            hashlib.sha256(options["rp"]["id"].encode()).digest()
            + bytes([UP | UV | AT])
            + struct.pack(">I", self.sign_count)
            + bytes(16)
            + struct.pack(">H", len(self.credential_id))
            + self.credential_id
            + _cose_key(self.key)
        )
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        client = _client_data("webauthn.create", challenge or options["challenge"], origin or self.origin)
        return {
            "id": b64url(self.credential_id), "rawId": b64url(self.credential_id), "type": "public-key",
            "response": {"clientDataJSON": b64url(client), "attestationObject": b64url(attestation),
                         "transports": ["internal"]},
        }  # fmt: skip

    def get(
        self, options: dict, *, origin: str | None = None, rp_id: str | None = None,
        signer: ec.EllipticCurvePrivateKey | None = None, verified: bool = True,
    ) -> dict:  # fmt: skip
        """The assertion navigator.credentials.get() would give; each call counts one use."""
        self.sign_count += 1
        flags = UP | (UV if verified else 0)
        auth_data = hashlib.sha256((rp_id or self.rp_id).encode()).digest() + bytes([flags])
        auth_data += struct.pack(">I", self.sign_count)
        client = _client_data("webauthn.get", options["challenge"], origin or self.origin)
        signature = (signer or self.key).sign(
            auth_data + hashlib.sha256(client).digest(), ec.ECDSA(hashes.SHA256())
        )
        return {
            "id": b64url(self.credential_id), "rawId": b64url(self.credential_id), "type": "public-key",
            "response": {"clientDataJSON": b64url(client), "authenticatorData": b64url(auth_data),
                         "signature": b64url(signature), "userHandle": b64url(self.user_handle)},
        }  # fmt: skip
