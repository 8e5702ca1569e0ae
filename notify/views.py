"""Pages: the watch list and settings, what's new, notifications, unsubscribing, the outbox."""

from __future__ import annotations

from urllib.parse import parse_qs

from flask import Blueprint, Flask, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload
from wtforms.fields.choices import SelectChoice

from content import missions
from content.models import KINDS
from content.queries import topics
from network import i18n
from network.api import page_arg
from network.errors import Invalid
from network.extensions import csrf, db
from network.forms import ActionForm, require_submitted
from network.guards import role_required, signed_in
from network.models import Country
from notify import inbox, watches
from notify.forms import DeliveryForm, FollowForm, SaveSearchForm, SettingsForm
from notify.models import Email

bp = Blueprint("notify", __name__, template_folder="templates")
network_admin = role_required("network_admin")



def _follow_choices() -> list[SelectChoice]:
    countries = db.session.scalars(db.select(Country).order_by(Country.name))
    return [
        *(SelectChoice(f"topic:{t.slug}", t.name, optgroup=_("Topics")) for t in topics()),
        *(SelectChoice(f"country:{c.code}", i18n.country_name(c.code, c.name), optgroup=_("Countries"))
          for c in countries),
        *(SelectChoice(f"mission:{m.id}", f"{m.name} ({m.country_code})", optgroup=_("Missions"))
          for m in missions.listed()),
        *(SelectChoice(f"kind:{k}", label, optgroup=_("Kinds")) for k, label in KINDS.items()),
    ]  # fmt: skip


@bp.route("/watching", methods=["GET", "POST"])
@signed_in
def watching():
    form = FollowForm()
    form.item.choices = _follow_choices()
    if form.validate_on_submit():
        kind, _sep, value = (form.item.data or "").partition(":")
        try:
            watches.add(current_user, {"type": kind, "value": value, "delivery": form.delivery.data})
        except Invalid as error:
            form.item.errors = list(error.fields.values())
        else:
            flash(_("Added to your watch list."), "success")
            return redirect(url_for(".watching"))
    settings = watches.current_settings(current_user)
    return render_template(
        "notify/watching.html", form=form, items=watches.describe(watches.listed(current_user)),
        settings_form=SettingsForm(obj=settings), settings=settings, delivery=DeliveryForm(),
        action=ActionForm(),
    ), 422 if form.errors else 200  # fmt: skip


@bp.post("/watching/<int:watch_id>/delivery")
@signed_in
def change_delivery(watch_id: int):
    form = require_submitted(DeliveryForm())
    watches.set_delivery(current_user, watch_id, form.delivery.data)
    flash(_("Saved."), "success")
    return redirect(url_for(".watching"))


@bp.post("/watching/<int:watch_id>/remove")
@signed_in
def remove(watch_id: int):
    require_submitted()
    watches.remove(current_user, watch_id)
    flash(_("Removed from your watch list."), "success")
    return redirect(url_for(".watching"))


@bp.post("/watching/settings")
@signed_in
def settings():
    form = require_submitted(SettingsForm())
    watches.update_settings(
        current_user, email_enabled=form.email_enabled.data, flash_always=form.flash_always.data,
        workflow_email=form.workflow_email.data,
    )  # fmt: skip
    flash(_("Notification settings saved."), "success")
    return redirect(url_for(".watching"))


@bp.post("/watching/searches")
@signed_in
def save_search():
    """Save the search page's query and filters, with a name, as a followed item."""
    form = require_submitted(SaveSearchForm())
    asked = parse_qs(form.filters.data or "")
    filters = {k: v for k, v in asked.items() if k in ("kind", "country", "topic", "language", "year")}
    try:
        watches.add(current_user, {"type": "search", "query": form.query.data, "filters": filters,
                                   "name": form.name.data, "delivery": form.delivery.data})  # fmt: skip
    except Invalid as error:
        flash(
            _("This search was not saved: %(reason)s", reason="; ".join(map(str, error.fields.values()))),
            "error",
        )
    else:
        flash(_("Search saved: you will be told when new documents match it."), "success")
    return redirect(url_for(".watching"))


@bp.get("/whats-new")
@signed_in
def whats_new():
    since, found = inbox.whats_new(current_user)
    return render_template("notify/whats_new.html", since=since, found=found)


@bp.get("/notifications")
@signed_in
def notification_list():
    page = inbox.notifications(current_user, page=page_arg())
    return render_template("notify/notifications.html", page=page, action=ActionForm())


@bp.post("/notifications/read")
@signed_in
def mark_read():
    require_submitted()
    one = request.form.get("id", "")
    inbox.mark_read(current_user, [int(one)] if one.isdigit() and len(one) < 12 else None)
    return redirect(request.form.get("next") if request.form.get("next", "").startswith("/documents/")
                    else url_for(".notification_list"))  # fmt: skip


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt
def unsubscribe(token: str):
    """RFC 8058: a mail client POSTs `List-Unsubscribe=One-Click` without cookies; a person who
    opens the link gets a page with one button (a GET changes nothing: link scanners open links)."""
    if request.method == "GET":
        valid = inbox.mailing.read_unsubscribe(token) is not None
        return render_template(
            "notify/unsubscribe.html", token=token, done=None, valid=valid
        ), 200 if valid else 400
    done = inbox.unsubscribe(token)
    return render_template("notify/unsubscribe.html", token=token, done=done,
                           valid=done.user is not None), 200 if done.user else 400  # fmt: skip


@bp.get("/admin/mail")
@network_admin
def outbox():
    """Deliveries that are failing or failed, for the network admin (no content: recipients only)."""
    query = db.select(Email).where(db.or_(Email.state == "failed", Email.attempts > 0), Email.state != "sent")
    query = query.options(joinedload(Email.user)).order_by(Email.id.desc()).limit(200)
    failing = list(db.session.scalars(query))
    return render_template("notify/outbox.html", failing=failing)


def register_header_counter(app: Flask) -> None:
    @app.context_processor
    def unread_notifications() -> dict:
        def count() -> int:
            return inbox.unread_count(current_user) if current_user.is_authenticated else 0

        return {"unread_notifications": count}
