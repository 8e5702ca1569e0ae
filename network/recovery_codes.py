"""Ten single-use recovery codes, for when the phone or the passkey is lost.

Each code has 80 random bits, so a plain SHA-256 is enough to keep it (as for API tokens): it is
shown once when made and never again.
"""

from __future__ import annotations

import hashlib
import secrets

from network import audit
from network.extensions import db
from network.factor_models import RecoveryCode
from network.models import User, utcnow

COUNT = 10
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read off paper without doubt
_LENGTH = 16  # 16 symbols of 31: 79 bits


def _digest(code: str) -> str:
    normal = "".join(ch for ch in code.lower() if ch in _ALPHABET)
    return hashlib.sha256(normal.encode()).hexdigest()


def _new_code() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, _LENGTH, 4))


def remaining(user: User) -> int:
    query = db.select(db.func.count()).select_from(RecoveryCode)
    return db.session.scalar(query.where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)))


def renew(user: User, *, first: bool = False) -> list[str]:
    """Replace every code of `user` with ten new ones; the clear codes are returned once."""
    db.session.execute(db.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [_new_code() for _ in range(COUNT)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_digest(code)) for code in codes)
    audit.record(user, "recovery_codes.renewed", object_type="user", object_id=user.id, first=first)
    db.session.commit()
    return codes


def discard(user: User) -> None:
    """Codes stand in for a second factor, so they go when the last factor goes (caller commits)."""
    db.session.execute(db.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


def use(user: User, code: str) -> bool:
    """Spend one unused code; a wrong or spent one is audited and refused. Commits either way.

    The UPDATE names `used_at IS NULL`, so two requests racing with one code cannot both win.
    """
    spent = db.session.execute(
        db.update(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _digest(code))
        .where(RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow())
    ).rowcount
    if spent != 1:
        audit.record(user, "recovery_code.failure", object_type="user", object_id=user.id)
        db.session.commit()
        return False
    audit.record(user, "recovery_code.used", object_type="user", object_id=user.id, left=remaining(user))
    db.session.commit()
    return True
