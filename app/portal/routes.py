"""Parent pages: "Мои заявления", "Подать заявление", the application, "Обучающиеся"."""
from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from .. import inputs, workflow
from ..access import current_actor, grants_with_pupils, own_applications
from ..errors import Refused, shown_on_page
from ..extensions import db
from ..models import (
    Application,
    ApplicationState,
    AuditEvent,
    District,
    School,
    Scope,
)
from ..workflow.transitions import by_path
from . import bp
from .account import show_welcome_once
from .guards import citizen_required
from .profile import pending_invitation_redirect

APPLICATIONS_PAGE = 20  # «Мои заявления»: cards a page, the newest first


@bp.route("/welcome")
def landing():
    return render_template("portal/landing.html")


def _schools_by_district():
    schools = db.session.execute(
        select(School).join(District).order_by(District.name, School.number)
    ).scalars().all()
    groups = {}
    for school in schools:
        groups.setdefault(school.district, []).append(school)
    return groups


@bp.route("/my/applications")
@citizen_required
def applications():
    back = pending_invitation_redirect()  # came through an invitation link: back there
    if back is not None:
        return back
    show_welcome_once()  # the first-login welcome notice
    actor = current_actor()
    page = inputs.clamped(request.args.get("page"), 0, 0, inputs.MAX_PAGE)  # 0: the newest
    rows = db.session.execute(
        select(Application)
        .where(own_applications(actor))
        .order_by(Application.created_at.desc(), Application.id.desc())
        .offset(page * APPLICATIONS_PAGE).limit(APPLICATIONS_PAGE + 1)
    ).scalars().all()
    more, rows = len(rows) > APPLICATIONS_PAGE, rows[:APPLICATIONS_PAGE]
    # The timeline of every card, in one query (not one per application).
    timelines = {row.id: [] for row in rows}
    if rows:
        for event in db.session.execute(
            select(AuditEvent)
            .where(AuditEvent.object_type == "application", AuditEvent.object_id.in_(timelines))
            .order_by(AuditEvent.id)
        ).scalars():
            timelines[event.object_id].append(event)
    return render_template("portal/applications.html", applications=rows, timelines=timelines,
                           states=ApplicationState, page=page, more=more)


@bp.route("/my/applications/new", methods=["GET", "POST"])
@citizen_required
def apply():
    form = request.form if request.method == "POST" else {}
    refused = Refused()
    if request.method == "POST":
        data = {
            "school_id": form.get("school_id"),
            "child": {
                "last_name": form.get("last_name"),
                "first_name": form.get("first_name"),
                "middle_name": form.get("middle_name"),
                "birth_date": form.get("birth_date"),
            },
        }
        with shown_on_page() as refused:  # else the form again with what was typed, the fields marked
            application = workflow.fire("submit", current_actor(), data=data)
            # no flash: the application's page opens with «Ваше заявление отправлено» (sent=1)
            return redirect(url_for("portal.application", code=application.code, sent=1))
    return render_template(
        "portal/apply.html",
        submit=workflow.TRANSITIONS["submit"],
        form=form,
        errors={key.replace("child.", ""): value for key, value in refused.fields.items()},
        message=refused.message,
        groups=_schools_by_district(),
    ), refused.status


def _own_application(code):
    application = db.session.execute(
        select(Application).where(Application.code == code, own_applications(current_actor()))
    ).scalar_one_or_none()
    if application is None:
        abort(404)
    return application


@bp.route("/my/applications/<code>")
@citizen_required
def application(code):
    application = _own_application(code)
    return render_template(
        "portal/application.html",
        application=application,
        events=application.events,
        offered=workflow.offered(application, current_actor(), workflow.PORTAL),
        just_sent=request.args.get("sent") == "1",
        states=ApplicationState,
    )


@bp.route("/my/applications/<code>/<path>", methods=["GET", "POST"])
@citizen_required
def transition(code, path):
    """The parent's button of a transition record offered in the portal (…/withdraw). GET is
    routed only to say 404 for a path that names no transition, 405 for one that does."""
    transition = by_path(workflow.PORTAL, path)
    if transition is None:
        abort(404)
    if request.method != "POST":
        abort(405, valid_methods=["POST"])
    application = _own_application(code)
    version = request.form.get("version") or None
    if version is not None:
        version = inputs.integer(version, "version", minimum=1, maximum=2**31 - 1)
    with shown_on_page(flashed=True):  # 403, 409 (already processed): on the application's page
        workflow.fire(transition.name, current_actor(), application.id,
                      data=transition.form_data(request.form), expected_version=version)
        flash(str(transition.flash), "success")
    return redirect(url_for("portal.application", code=code))


@bp.route("/my/students")
@citizen_required
def students():
    rows = grants_with_pupils(current_actor().user_id)
    return render_template("portal/students.html", students=[(student, grant) for grant, student in rows],
                           scopes=Scope.labels())
