"""«Настройки уведомлений»: per pupil and kind — e-mail, SMS or the daily digest; SMS quiet hours;
the personal calendar feed address (shown once when made; a new one replaces the old)."""
from datetime import datetime

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy import select

from ..access import active_grants, current_actor, grant_allows
from ..diary import calendar
from ..extensions import db
from ..models import (
    AccessGrant,
    NotificationChannel,
    NotificationKind,
    NotificationPreference,
    Student,
    UserSettings,
)
from ..notify.routing import KIND_SECTIONS, KINDS
from ..notify import phones
from . import bp
from .guards import citizen_required

CHANNELS = tuple(NotificationChannel)


def _grants(user_id):
    return db.session.execute(active_grants(user_id=user_id).order_by(AccessGrant.id)).scalars().all()


def _time(value):
    try:
        return datetime.strptime(value, "%H:%M").time() if value else None
    except ValueError:
        return "bad"


@bp.route("/my/settings", methods=["GET", "POST"])
@citizen_required
def settings():
    user_id = current_actor().user_id
    grants = _grants(user_id)
    students = {g.student_id: db.session.get(Student, g.student_id) for g in grants}
    rows = [(g, students[g.student_id], [k for k in KINDS if grant_allows(g, KIND_SECTIONS[k])]) for g in grants]
    stored = {(p.student_id, p.kind): p for p in db.session.execute(select(NotificationPreference).where(
        NotificationPreference.user_id == user_id)).scalars()}
    own = db.session.execute(select(UserSettings).where(UserSettings.user_id == user_id)).scalar_one_or_none()
    phone = phones.confirmed(user_id)
    errors = {}
    if request.method == "POST":
        quiet_from, quiet_to = _time(request.form.get("quiet_from")), _time(request.form.get("quiet_to"))
        if "bad" in (quiet_from, quiet_to) or (quiet_from is None) != (quiet_to is None):
            errors["quiet"] = gettext("Enter both times of the quiet hours as HH:MM, or neither.")
        wants_sms = any(request.form.get(f"{g.student_id}-{k}-sms") for g, _s, kinds in rows for k in kinds)
        if wants_sms and not phone:
            errors["sms"] = gettext("SMS cannot be sent: there is no confirmed mobile number. "
                                    "Add your number and confirm it with the code from an SMS.")
        if not errors:
            for grant, _student, kinds in rows:
                for kind in kinds:
                    preference = stored.get((grant.student_id, kind))
                    if preference is None:
                        preference = NotificationPreference(user_id=user_id, student_id=grant.student_id, kind=kind)
                        db.session.add(preference)
                    for channel in CHANNELS:
                        setattr(preference, channel, bool(request.form.get(f"{grant.student_id}-{kind}-{channel}")))
            if own is None:
                own = UserSettings(user_id=user_id)
                db.session.add(own)
            own.quiet_from, own.quiet_to = quiet_from, quiet_to
            db.session.commit()
            flash(gettext("The settings have been saved."), "success")
            return redirect(url_for("portal.settings"))

    def checked(student_id, kind, channel):
        if request.method == "POST":
            return bool(request.form.get(f"{student_id}-{kind}-{channel}"))
        preference = stored.get((student_id, kind))
        if preference is None:
            return channel == "email"
        return getattr(preference, channel)

    return render_template("portal/settings.html", rows=rows, labels=NotificationKind.labels(),
                           channels=NotificationChannel.labels(), checked=checked,
                           own=own, phone=phone and phones.display(phone), errors=errors, form=request.form,
                           has_feed=calendar.has_address(user_id)), (400 if errors else 200)


@bp.route("/my/settings/calendar", methods=["POST"])
@citizen_required
def new_calendar_link():
    user_id = current_actor().user_id
    replaced = calendar.has_address(user_id)
    secret = calendar.new_secret(user_id)
    if replaced:
        flash(gettext("Here is your new calendar address; the previous one no longer works. Copy it now: "
                      "it is shown only once."), "success")
    else:
        flash(gettext("Here is your calendar address. Copy it now: it is shown only once."), "success")
    return render_template("portal/calendar_link.html",
                           url=url_for("portal.calendar_feed", secret=secret, _external=True))


@bp.route("/ical/<secret>.ics")
def calendar_feed(secret):
    user_id = calendar.user_for_secret(secret)
    if user_id is None:
        abort(404)
    return Response(calendar.feed(user_id), mimetype="text/calendar",
                    headers={"Cache-Control": "private, max-age=300"})
