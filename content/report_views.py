"""Mission reports: the monitoring page, filing a report, and the missions a country keeps."""

from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from content import missions, reports, services
from content.queries import topics
from content.report_forms import MissionForm, ReportForm, ReportSettingForm
from content.serializers import mission_json
from network import access
from network.api import page_arg
from network.errors import Invalid
from network.forms import ActionForm, require_submitted
from network.guards import role_required

bp = Blueprint("reports", __name__, template_folder="templates")
api = Blueprint("reports_api", __name__, url_prefix="/api/v1")
writer = role_required("contributor", "country_admin")
admin = role_required("country_admin")



@bp.get("/monitoring")
def monitoring():
    """The latest reports the user may read; `view=timeline` groups them by day."""
    filters = reports.monitoring_filters(request.args)
    page = reports.latest(current_user, filters, page=page_arg())
    return render_template(
        "content/monitoring.html", page=page, filters=filters, missions=missions.listed(include_retired=True),
        topics=topics(), timeline=request.args.get("view") == "timeline",
    )  # fmt: skip


def _report_form() -> ReportForm:
    form = ReportForm()
    form.mission.choices = [SelectChoice("", _("— choose —"))] + [
        SelectChoice(str(m.id), m.name) for m in missions.listed(current_user.country_code)
    ]
    form.topics.choices = [SelectChoice(t.slug, t.name) for t in topics()]
    return form


def _values(form: ReportForm) -> dict:
    return {
        "title": form.title.data or "", "body_markdown": form.body_markdown.data or "",
        "mission": form.mission.data or None, "urgency": form.urgency.data or "routine",
        "concerns": form.concerns.data or "", "topics": form.topics.data or [],
        "sources": form.sources.data or "",
    }  # fmt: skip


@bp.route("/reports/new", methods=["GET", "POST"])
@writer
def new_report():
    form = _report_form()
    may_publish = access.can_publish_new_report(current_user)
    if form.validate_on_submit():
        upload = request.files.get("file")
        upload = (upload.stream, upload.filename) if upload and upload.filename else None
        publish = bool(form.publish.data) and may_publish
        audience = {"visibility": form.visibility.data} if publish else None
        try:
            doc, file_error = reports.file_report(current_user, _values(form), publish=publish,
                                                  audience=audience, upload=upload)  # fmt: skip
        except Invalid as error:
            for name, problem in error.fields.items():
                field = getattr(form, name, None) or form.title
                field.errors = [*field.errors, problem]
        else:
            return _filed(doc, file_error, bool(form.submit.data))
    status = 422 if form.errors else 200
    return render_template("content/report_new.html", form=form, may_publish=may_publish), status


def _filed(doc, file_error, submit: bool):
    if file_error is not None:
        flash(
            _(
                "The report is saved as a draft, but the file was not attached: %(reason)s",
                reason=file_error.message,
            ),
            "error",
        )
        return redirect(url_for("content.edit_document", doc_id=doc.id))
    if submit and doc.status == "draft":
        services.submit_for_review(current_user, doc.id)
        flash(_("Report submitted for review."), "success")
    else:
        flash(
            _("Report published.") if doc.status == "published" else _("Report saved as a draft."), "success"
        )
    return redirect(url_for("content.document", doc_id=doc.id))


@bp.route("/missions", methods=["GET", "POST"])
@admin
def mission_list():
    form = MissionForm()
    if form.validate_on_submit():
        try:
            mission = missions.add(current_user, form.name.data, form.city.data, form.posted_in.data)
        except Invalid as error:
            for name, problem in error.fields.items():
                getattr(form, name).errors = [problem]
        else:
            flash(f"{mission.name} added.", "success")
            return redirect(url_for(".mission_list"))
    setting = ReportSettingForm(direct=current_user.country.reports_published_directly)
    return render_template(
        "content/missions.html", form=form, setting=setting, action=ActionForm(),
        missions=missions.listed(current_user.country_code, include_retired=True),
    ), 422 if form.errors else 200  # fmt: skip


@bp.post("/missions/<int:mission_id>/retire")
@admin
def retire_mission(mission_id: int):
    return _mission_state(mission_id, active=False)


@bp.post("/missions/<int:mission_id>/restore")
@admin
def restore_mission(mission_id: int):
    return _mission_state(mission_id, active=True)


def _mission_state(mission_id: int, active: bool):
    require_submitted()
    mission = missions.set_active(current_user, mission_id, active)
    if mission.active:
        flash(_("%(name)s restored.", name=mission.name), "success")
    else:
        flash(_("%(name)s retired: no new report is filed in its name.", name=mission.name), "success")
    return redirect(url_for(".mission_list"))


@bp.post("/missions/settings")
@admin
def report_setting():
    form = require_submitted(ReportSettingForm())
    missions.set_reports_published_directly(current_user, bool(form.direct.data))
    flash(_("Saved."), "success")
    return redirect(url_for(".mission_list"))


@api.get("/missions")
def mission_api():
    """Missions of member countries.
    ---
    operationId: listMissions
    summary: Embassies and consulates of member countries, in whose name reports are filed
    tags: [reference]
    security: [{}]
    parameters:
      - {name: country, in: query, schema: {type: string}, description: ISO code of the sending country.}
    responses:
      200:
        description: Active missions, by country and name.
        content:
          application/json:
            schema: {$ref: '#/components/schemas/MissionList'}
    """
    country = (request.args.get("country") or "").strip()[:2] or None
    return jsonify(items=[mission_json(m) for m in missions.listed(country)])
