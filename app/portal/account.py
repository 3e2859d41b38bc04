"""The parent's account: the first-login welcome notice and linking an account of the old
portal (e-mail + password) to the ESIA account. Registered on the portal blueprint."""
from flask import abort, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext
from sqlalchemy import select, update

from ..access import current_actor, granted_pupils
from ..extensions import db
from ..legacy import linking
from ..models import Application, AuditEvent, Identity, LegacyAccount, Student
from . import bp
from .guards import citizen_required

WELCOME_SHOWN = "portal_welcome_shown"  # session key; the login starts a new session


def _identities_hidden(user_id):
    """welcome_hidden of the user's ESIA identities (empty: not an ESIA account)."""
    return db.session.execute(
        select(Identity.welcome_hidden).where(Identity.user_id == user_id)
    ).scalars().all()


def show_welcome_once():
    """Called at the start of «Мои заявления» (where the ESIA login lands): the first time
    after a login, unless the parent chose «Больше не показывать», the page carries the
    welcome notice (base.html shows it when g.portal_welcome is set)."""
    if session.get(WELCOME_SHOWN):
        return False
    session[WELCOME_SHOWN] = True
    hidden = _identities_hidden(current_actor().user_id)
    if not hidden or any(hidden):
        return False
    g.portal_welcome = True
    return True


@bp.route("/my/welcome")
@citizen_required
def welcome():
    session[WELCOME_SHOWN] = True
    hidden = _identities_hidden(current_actor().user_id)
    return render_template("portal/welcome.html", hidden=bool(hidden) and any(hidden))


@bp.route("/my/welcome/hide", methods=["POST"])
@citizen_required
def welcome_hide():
    user_id = current_actor().user_id
    db.session.execute(
        update(Identity).where(Identity.user_id == user_id).values(welcome_hidden=True)
    )
    db.session.commit()
    session[WELCOME_SHOWN] = True
    flash(gettext("The welcome notice will not be shown again."), "success")
    return redirect(url_for("portal.today"))


def _messages():
    return {
        linking.EMPTY: (gettext("Enter the e-mail address and the password of the old account."),
                        400),
        linking.INVALID: (gettext("Wrong e-mail address or password"), 400),
        linking.ALREADY_LINKED: (gettext("This account is already linked to ESIA"), 409),
        linking.TOO_MANY: (gettext("Too many attempts. Try again later."), 429),
        linking.CONFLICT: (gettext("The data has just changed. Please try again."), 409),
    }


@bp.route("/my/account/link", methods=["GET", "POST"])
@citizen_required
def link_account():
    actor = current_actor()
    if not _identities_hidden(actor.user_id):
        flash(gettext("This section is for parents who logged in through Gosuslugi."), "warning")
        return redirect(url_for("portal.applications"))
    form, message, status = {}, None, 200
    if request.method == "POST":
        email = request.form.get("email", "")
        form = {"email": email.strip()[:255]}
        outcome = linking.attempt_link(actor, email, request.form.get("password", ""),
                                       address=request.remote_addr)
        if outcome.ok:  # no flash: the page it leads to is headed with the success
            return redirect(url_for("portal.link_done", account_id=outcome.account_id))
        message, status = _messages()[outcome.status]
    return render_template("portal/link.html", form=form, message=message), status


@bp.route("/my/account/link/<int:account_id>")
@citizen_required
def link_done(account_id):
    """What moved over: only this parent's own linked account, only what they now hold."""
    user_id = current_actor().user_id
    account = db.session.execute(
        select(LegacyAccount).where(LegacyAccount.id == account_id,
                                    LegacyAccount.linked_user_id == user_id)
    ).scalar_one_or_none()
    if account is None:
        abort(404)
    event = db.session.execute(
        select(AuditEvent)
        .where(AuditEvent.object_type == "legacy_account", AuditEvent.object_id == account.id,
               AuditEvent.action == "linked")
        .order_by(AuditEvent.id.desc())
    ).scalars().first()
    details = event.details if event is not None else {}
    student_ids = [i for i in details.get("student_ids", []) if isinstance(i, int)]
    codes = [c for c in details.get("application_codes", []) if isinstance(c, str)]
    students = db.session.execute(
        granted_pupils(user_id).where(Student.id.in_(student_ids))
        .order_by(Student.last_name, Student.first_name)
    ).scalars().unique().all() if student_ids else []
    applications = db.session.execute(
        select(Application)
        .where(Application.parent_id == user_id, Application.code.in_(codes))
        .order_by(Application.created_at.desc())
    ).scalars().all() if codes else []
    return render_template("portal/link.html", done=True, account=account, students=students,
                           applications=applications, details=details)
