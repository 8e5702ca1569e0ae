"""Time-based one-time passwords (RFC 6238): enrolment that confirms a code, and replay refusal.

A code is good for its 30-second step and one step either side (clock drift); the last step
accepted is stored, so the same code, or an older one, never works twice.
"""

from __future__ import annotations

import hmac
import time

import pyotp
import segno
from flask_babel import gettext as _
from markupsafe import Markup

from network import audit
from network.errors import Invalid
from network.extensions import db
from network.factor_models import TotpSecret
from network.models import User, utcnow

ISSUER = "RNDD Hub"
DRIFT_STEPS = 1


def secret_of(user: User) -> TotpSecret | None:
    return db.session.scalar(db.select(TotpSecret).where(TotpSecret.user_id == user.id))


def is_enabled(user: User) -> bool:
    secret = secret_of(user)
    return secret is not None and secret.confirmed_at is not None


def begin_enrolment(user: User) -> TotpSecret:
    """A fresh unconfirmed secret (replacing an earlier unconfirmed one); it counts once confirmed."""
    secret = secret_of(user)
    if secret is not None and secret.confirmed_at is not None:
        raise Invalid({"code": _("An authenticator app is already set up; disable it first.")})
    if secret is None:
        secret = TotpSecret(user_id=user.id)
        db.session.add(secret)
    secret.secret, secret.last_step, secret.created_at = pyotp.random_base32(), 0, utcnow()
    db.session.commit()
    return secret


def provisioning_uri(user: User, secret: TotpSecret) -> str:
    return pyotp.TOTP(secret.secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_svg(uri: str) -> Markup:
    """Inline SVG markup of the URI's QR code: segno writes only paths with presentation
    attributes (no style attribute, no script, no title), so a strict CSP allows it as is."""
    svg = segno.make(uri, error="m").svg_inline(
        scale=4, border=4, svgclass="qr", lineclass=None, light="#fff"
    )
    return Markup(svg)  # noqa: S704 -- segno's own markup; the URI is encoded into modules, never echoed


def _accepted_step(secret: TotpSecret, code: str, now: float) -> int | None:
    """The time step `code` belongs to, if it is within the drift window and newer than the last."""
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret.secret)
    current = int(now // totp.interval)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if step > secret.last_step and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def check_code(user: User, code: str, *, confirming: bool = False, now: float | None = None) -> bool:
    """Accept `code` once and remember its step; a wrong or replayed code is audited and refused.

    Commits either way: the failure's audit entry must survive.
    """
    secret = secret_of(user)
    usable = secret is not None and (confirming or secret.confirmed_at is not None)
    step = _accepted_step(secret, code, time.time() if now is None else now) if usable else None
    if step is not None:  # `last_step < step` in the UPDATE: of two racing requests one wins
        won = db.update(TotpSecret).where(TotpSecret.id == secret.id, TotpSecret.last_step < step)
        if db.session.execute(won.values(last_step=step)).rowcount == 1:
            db.session.commit()
            return True
    audit.record(user, "totp.failure", object_type="user", object_id=user.id, confirming=confirming)
    db.session.commit()
    return False


def confirm(user: User, code: str) -> None:
    """Turn the enrolment on once the user proves their app makes the right codes.

    Raises: Invalid when there is no enrolment under way or the code is not right.
    """
    secret = secret_of(user)
    if secret is None or secret.confirmed_at is not None:
        raise Invalid({"code": _("Start setting up an authenticator app first.")})
    if not check_code(user, code, confirming=True):
        raise Invalid({"code": _("That code is not right. Check the app's clock and try the newest code.")})
    secret.confirmed_at = utcnow()
    audit.record(user, "totp.enabled", object_type="user", object_id=user.id)
    db.session.commit()


def disable(user: User, code: str = "", password: str = "") -> None:
    """Switch TOTP off; the user proves it is them with a current code or their password.

    Raises: Invalid when neither is right (the wrong code is audited as a failure).
    """
    if not is_enabled(user):
        raise Invalid({"code": _("No authenticator app is set up.")})
    if password:
        proven = user.check_password(password)
        if not proven:
            audit.record(user, "totp.failure", object_type="user", object_id=user.id, by="password")
            db.session.commit()
    else:
        proven = check_code(user, code)
    if not proven:
        raise Invalid({"code": _("Give a current code from your app, or your password.")})
    db.session.delete(secret_of(user))
    audit.record(user, "totp.disabled", object_type="user", object_id=user.id)
    db.session.commit()
