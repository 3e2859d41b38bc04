"""«Профиль обучающегося»: the pupil, who has access (official representatives, the pupil,
interested persons) with states and revoke buttons, «Пригласить обучающегося» / «Пригласить
заинтересованное лицо», and «Журнал просмотров». And the invitation link /invite/<token>."""
from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext
from sqlalchemy import select

from .. import inputs, invitations
from ..access import active_grant, current_actor
from ..extensions import db
from ..models import AccessLogEntry, InvitationState, Relation, Scope, Student, User
from . import bp
from .guards import citizen_required

LOG_PAGE = 50


def _user():
    return db.session.get(User, current_actor().user_id)


@bp.route("/my/students/<int:student_id>", methods=["GET", "POST"])
@citizen_required
def student_profile(student_id):
    me = _user()
    grant = active_grant(me.id, student_id)
    if grant is None:
        abort(404)
    student = db.session.get(Student, student_id)
    representative = grant.relation == Relation.REPRESENTATIVE
    if grant.relation != Relation.REPRESENTATIVE:
        db.session.add(AccessLogEntry(user_id=me.id, user_label=current_actor().label, student_id=student_id,
                                      what="profile", path=request.path))
        db.session.commit()
    form, errors, error = {}, {}, None
    if request.method == "POST":
        if not representative:
            abort(403)
        form = request.form
        until = None
        try:
            until = inputs.parse_date(form.get("until"), "until")
        except inputs.InvalidInput as exc:
            error, errors = exc.message, exc.fields
        if not errors:
            try:
                invitations.invite(me, student_id, form.get("email"), form.get("kind"),
                                   form.get("scope") or Scope.ALL, until, consent=bool(form.get("consent")))
                flash(gettext("The invitation has been sent to %(email)s.", email=form.get("email", "").strip()), "success")
                return redirect(url_for("portal.student_profile", student_id=student_id))
            except invitations.InvitationError as exc:
                if exc.status not in (400, 409):
                    raise  # answered by app.errors
                error, errors = exc.message, exc.fields  # the form re-renders with what was typed
    people = invitations.people_of(student_id) if representative else None
    page = inputs.clamped(request.args.get("log_page"), 0, 0, inputs.MAX_PAGE)
    log = db.session.execute(select(AccessLogEntry).where(AccessLogEntry.student_id == student_id)
                             .order_by(AccessLogEntry.at.desc()).offset(page * LOG_PAGE).limit(LOG_PAGE + 1)
                             ).scalars().all() if representative else []
    return render_template("portal/profile.html", student=student, grant=grant, representative=representative,
                           people=people, states=InvitationState.labels(), scopes=Scope.labels(),
                           relations=Relation.labels(), form=form, errors=errors, error=error,
                           consent_text=invitations.CONSENT_TEXT, log=log[:LOG_PAGE], log_page=page,
                           log_more=len(log) > LOG_PAGE), (400 if error else 200)


@bp.route("/my/students/<int:student_id>/invitations/<int:invitation_id>/revoke", methods=["POST"])
@citizen_required
def revoke_invitation(student_id, invitation_id):
    try:
        invitation = invitations.revoke(_user(), invitation_id)
    except invitations.InvitationError as exc:
        if exc.status == 404:
            raise  # answered by app.errors
        flash(exc.message, "danger")
        return redirect(url_for("portal.student_profile", student_id=student_id))
    if invitation.student_id != student_id:
        abort(404)
    flash(gettext("Access has been revoked."), "success")
    return redirect(url_for("portal.student_profile", student_id=student_id))


@bp.route("/invite/<token>", methods=["GET", "POST"])
def invitation(token):
    try:
        invite = invitations.invitation_for_token(token)
    except invitations.InvitationError as exc:
        return render_template("portal/invitation.html", problem=exc.message), exc.status
    actor = current_actor()
    if actor.user_id is None:
        session["invite_token"] = token  # back here after the Gosuslugi login
        return render_template("portal/invitation.html", invite=invite, login=True,
                               scopes=Scope.labels(), relations=Relation.labels())
    problem = None
    if request.method == "POST":
        try:
            grant = invitations.accept(_user(), token, consent=bool(request.form.get("consent")))
            session.pop("invite_token", None)
            flash(gettext("The invitation has been accepted."), "success")
            return redirect(url_for("portal.student_profile", student_id=grant.student_id))
        except invitations.InvitationError as exc:
            if exc.status == 403:
                session.pop("invite_token", None)
            return render_template("portal/invitation.html", invite=invite, problem=exc.message,
                                   scopes=Scope.labels(), relations=Relation.labels(),
                                   consent_text=invitations.CONSENT_TEXT), exc.status
    return render_template("portal/invitation.html", invite=invite, problem=problem, scopes=Scope.labels(),
                           relations=Relation.labels(), consent_text=invitations.CONSENT_TEXT)


def pending_invitation_redirect():
    """After the Gosuslugi login: back to the invitation the person came with."""
    token = session.get("invite_token")
    if token and current_actor().user_id is not None:
        return redirect(url_for("portal.invitation", token=token))
    return None


