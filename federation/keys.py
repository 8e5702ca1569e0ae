"""The node's Ed25519 key: made once, kept in RNDD_KEY_DIR (never in the database), rotated
with a statement signed by the key it replaces, so peers can follow a rotation on their own.

Files, all readable by the owner only (the folder is in `rndd backup`):

    node.key         the private key (PKCS #8 PEM)
    rotations.json   every rotation, oldest first: {previous, fingerprint, public_key, created, signature}
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask import current_app

from network.models import utcnow

KEY_FILE = "node.key"
ROTATIONS_FILE = "rotations.json"


class NoNodeKey(RuntimeError):
    """This node has no key yet: `rndd federation keygen` makes one."""


class RotationRefused(ValueError):
    """A peer's new key does not follow from the key we knew by signed rotations."""


def canonical(value: Any) -> bytes:
    """Canonical JSON: sorted keys, no spaces, UTF-8 (what every signature covers)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def unb64(text: str) -> bytes:
    return base64.b64decode(text.encode(), validate=True)


def public_bytes(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def fingerprint_of(public_key_b64: str) -> str:
    """SHA-256 of the raw public key, as `sha256:` and hex: what admins compare out of band."""
    return "sha256:" + hashlib.sha256(unb64(public_key_b64)).hexdigest()


def load_public(public_key_b64: str) -> Ed25519PublicKey:
    """Raises ValueError for anything that is not a raw 32-byte Ed25519 key in base64."""
    raw = unb64(public_key_b64)
    if len(raw) != 32:
        raise ValueError("an Ed25519 public key has 32 bytes")
    return Ed25519PublicKey.from_public_bytes(raw)


def verify(public_key_b64: str, signature_b64: str, data: bytes) -> bool:
    try:
        load_public(public_key_b64).verify(unb64(signature_b64), data)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


@dataclass(frozen=True)
class NodeKey:
    private: Ed25519PrivateKey

    @property
    def public_key(self) -> str:
        return b64(public_bytes(self.private.public_key()))

    @property
    def fingerprint(self) -> str:
        return fingerprint_of(self.public_key)

    def sign(self, data: bytes) -> str:
        return b64(self.private.sign(data))


def key_dir() -> Path:
    return Path(current_app.config["KEY_DIR"])


def _write_private(path: Path, data: bytes) -> None:
    """Written beside the target with mode 0600 from the start, then renamed into place."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temp = path.with_suffix(".tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.replace(temp, path)


def _pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def node_key() -> NodeKey:
    """Raises NoNodeKey when there is none (the node then does not federate)."""
    cached = current_app.extensions.get("rndd_node_key")
    path = key_dir() / KEY_FILE
    try:
        stamp = path.stat().st_mtime_ns
    except FileNotFoundError:
        raise NoNodeKey(f"no node key at {path}: run `rndd federation keygen`") from None
    if cached is None or cached[0] != stamp:
        private = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(private, Ed25519PrivateKey):
            raise NoNodeKey(f"{path} is not an Ed25519 key")
        cached = (stamp, NodeKey(private))
        current_app.extensions["rndd_node_key"] = cached
    return cached[1]


def generate() -> NodeKey:
    """Make the node's first key. Raises FileExistsError when it has one (rotate instead)."""
    path = key_dir() / KEY_FILE
    if path.exists():
        raise FileExistsError(f"{path} exists: use `rndd federation rotate-key` to replace it")
    _write_private(path, _pem(Ed25519PrivateKey.generate()))
    return node_key()


def rotations() -> list[dict[str, Any]]:
    path = key_dir() / ROTATIONS_FILE
    return json.loads(path.read_text()) if path.exists() else []


def rotate() -> NodeKey:
    """Replace the key; the statement naming the new key is signed by the old one."""
    old = node_key()
    new = NodeKey(Ed25519PrivateKey.generate())
    statement = {
        "previous": old.fingerprint,
        "fingerprint": new.fingerprint,
        "public_key": new.public_key,
        "created": utcnow().isoformat(timespec="seconds") + "Z",
    }
    statement["signature"] = old.sign(canonical(statement))
    history = [*rotations(), statement]
    _write_private(key_dir() / ROTATIONS_FILE, json.dumps(history, indent=1).encode())
    _write_private(key_dir() / KEY_FILE, _pem(new.private))
    current_app.extensions.pop("rndd_node_key", None)
    return node_key()


def follow_rotations(known_key: str, announced_key: str, history: Any) -> str:
    """The announced key, if signed rotations lead to it from the key we know.

    Raises:
        RotationRefused: no chain of statements, each signed by the key before it, leads there.
    """
    if not isinstance(history, list):
        raise RotationRefused("the node document's rotations are not a list")
    current = known_key
    for statement in history:
        if not isinstance(statement, dict) or statement.get("previous") != fingerprint_of(current):
            continue
        signed = {k: statement.get(k) for k in ("previous", "fingerprint", "public_key", "created")}
        new_key = statement.get("public_key")
        signature = str(statement.get("signature", ""))
        if isinstance(new_key, str) and verify(current, signature, canonical(signed)):
            try:
                load_public(new_key)
            except ValueError:
                continue
            if fingerprint_of(new_key) == statement.get("fingerprint"):
                current = new_key
    if current != announced_key:
        raise RotationRefused("the new key is not signed over from the key this node knew")
    return current
