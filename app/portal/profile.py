"""«Профиль обучающегося»: the pupil, who has access (official representatives, the pupil,
interested persons) with states and revoke buttons, «Пригласить обучающегося» / «Пригласить
заинтересованное лицо», and «Журнал просмотров». And the invitation link /invite/<token>."""
from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext
from sqlalchemy import select

from .. import inputs, invitations
from ..access import active_grant, current_account, current_actor
from ..errors import Refused, shown_on_page
from ..extensions import db
from ..models import AccessedPart, AccessLogEntry, InvitationState, Relation, Scope, Student
from . import bp
from .guards import citizen_required

LOG_PAGE = 50


@bp.route("/my/students/<int:student_id>", methods=["GET", "POST"])
@citizen_required
def student_profile(student_id):
    me = current_account()
    grant = active_grant(me.id, student_id)
    if grant is None:
        abort(404)
    student = db.session.get(Student, student_id)
    representative = grant.relation == Relation.REPRESENTATIVE
    if grant.relation != Relation.REPRESENTATIVE:
        db.session.add(AccessLogEntry(user_id=me.id, user_label=current_actor().label, student_id=student_id,
                                      what=AccessedPart.PROFILE, path=request.path))
        db.session.commit()
    form, refused = {}, Refused()
    if request.method == "POST":
        if not representative:
            abort(403)
        form = request.form
        with shown_on_page() as refused:  # else the form again with what was typed, the fields marked
            until = inputs.parse_date(form.get("until"), "until")
            invitations.invite(me, student_id, form.get("email"), form.get("kind"),
                               form.get("scope") or Scope.ALL, until, consent=bool(form.get("consent")))
            flash(gettext("The invitation has been sent to %(email)s.", email=form.get("email", "").strip()), "success")
            return redirect(url_for("portal.student_profile", student_id=student_id))
    people = invitations.people_of(student_id) if representative else None
    page = inputs.clamped(request.args.get("log_page"), 0, 0, inputs.MAX_PAGE)
    log = db.session.execute(select(AccessLogEntry).where(AccessLogEntry.student_id == student_id)
                             .order_by(AccessLogEntry.at.desc()).offset(page * LOG_PAGE).limit(LOG_PAGE + 1)
                             ).scalars().all() if representative else []
    return render_template("portal/profile.html", student=student, grant=grant, representative=representative,
                           people=people, states=InvitationState.labels(), scopes=Scope.labels(),
                           relations=Relation.labels(), parts=AccessedPart, form=form, errors=refused.fields, error=refused.message,
                           consent_text=invitations.CONSENT_TEXT, log=log[:LOG_PAGE], log_page=page,
                           log_more=len(log) > LOG_PAGE), refused.status


@bp.route("/my/students/<int:student_id>/invitations/<int:invitation_id>/revoke", methods=["POST"])
@citizen_required
def revoke_invitation(student_id, invitation_id):
    with shown_on_page(flashed=True) as refused:  # 409: no longer waiting; a 404 is the error page
        invitation = invitations.revoke(current_account(), invitation_id)
    if refused:
        return redirect(url_for("portal.student_profile", student_id=student_id))
    if invitation.student_id != student_id:
        abort(404)
    flash(gettext("Access has been revoked."), "success")
    return redirect(url_for("portal.student_profile", student_id=student_id))


@bp.route("/invite/<token>", methods=["GET", "POST"])
def invitation(token):
    invite = invitations.invitation_for_token(token)  # 404 / 410: the error page says why
    actor = current_actor()
    if actor.user_id is None:
        session["invite_token"] = token  # back here after the Gosuslugi login
        return render_template("portal/invitation.html", invite=invite, login=True,
                               scopes=Scope.labels(), relations=Relation.labels())
    refused = Refused()
    if request.method == "POST":
        with shown_on_page() as refused:  # else the invitation again with the problem
            grant = invitations.accept(current_account(), token, consent=bool(request.form.get("consent")))
            session.pop("invite_token", None)
            flash(gettext("The invitation has been accepted."), "success")
            return redirect(url_for("portal.student_profile", student_id=grant.student_id))
        if refused.status == 403:  # another person's invitation: no coming back to it after a login
            session.pop("invite_token", None)
    return render_template("portal/invitation.html", invite=invite, problem=refused.message, scopes=Scope.labels(),
                           relations=Relation.labels(), consent_text=invitations.CONSENT_TEXT), refused.status


def pending_invitation_redirect():
    """After the Gosuslugi login: back to the invitation the person came with."""
    token = session.get("invite_token")
    if token and current_actor().user_id is not None:
        return redirect(url_for("portal.invitation", token=token))
    return None


