"""«Номер для SMS»: the parent types a mobile number (/my/settings/phone), gets a code by SMS
through the outbox and types it (/my/settings/phone/confirm). The rules are in
app/notify/phones.py; sending codes is limited by app/ratelimit.py (kind "phone-code")."""
import datetime

from flask import flash, redirect, render_template, request, url_for
from flask_babel import format_timedelta, gettext

from .. import ratelimit
from ..access import current_actor
from ..extensions import db
from ..notify import phones
from . import bp
from .guards import citizen_required

KIND = "phone-code"


def _page(template, status=200, **context):
    user_id = current_actor().user_id
    return render_template(template, current=phones.confirmed(user_id), display=phones.display,
                           **context), status


@bp.route("/my/settings/phone", methods=["GET", "POST"])
@citizen_required
def phone():
    user_id = current_actor().user_id
    if request.method == "GET":
        return _page("portal/phone.html")
    typed = request.form.get("phone", "")
    number = phones.normalize(typed)
    if number is None:
        return _page("portal/phone.html", 400, typed=typed[:40].replace("\x00", ""),
                     error=gettext("This is not a Russian mobile number. Enter it as +7 921 123-45-67."))
    if number == phones.confirmed(user_id):
        flash(gettext("This number is already confirmed."), "info")
        return redirect(url_for("portal.settings"))
    attempt = ratelimit.begin(KIND, account=str(user_id), address=request.remote_addr)
    if attempt is None:  # never refunded: every code sent counts
        seconds = max(60, int(ratelimit.attempt_refusal().retry_after))
        wait = format_timedelta(datetime.timedelta(seconds=seconds), add_direction=True)
        return _page("portal/phone.html", 429, typed=typed[:40],
                     error=gettext("Too many codes have been sent. You can ask for a new one %(wait)s.", wait=wait))
    phones.issue_code(user_id, number)
    db.session.commit()
    flash(gettext("We have sent a code to %(phone)s by SMS.", phone=phones.display(number)), "success")
    return redirect(url_for("portal.phone_confirm"))


@bp.route("/my/settings/phone/confirm", methods=["GET", "POST"])
@citizen_required
def phone_confirm():
    user_id = current_actor().user_id
    waiting = phones.pending(user_id)
    if request.method == "GET":
        if waiting is None:
            return redirect(url_for("portal.phone"))
        return _page("portal/phone_confirm.html", waiting=waiting)
    result, row = phones.check_code(user_id, request.form.get("code"))
    db.session.commit()
    if result is phones.Check.CONFIRMED:
        flash(gettext("The number %(phone)s is confirmed: you can now switch on SMS notifications.",
                      phone=phones.display(row.phone)), "success")
        return redirect(url_for("portal.settings"))
    if result is phones.Check.EXPIRED:
        flash(gettext("The code is no longer valid: it has expired, been used or typed wrong too many times. "
                      "Ask for a new one."), "danger")
        return _page("portal/phone.html", 400)
    if result is phones.Check.MALFORMED:
        error = gettext("The code is six digits from the SMS.")
    else:
        left = phones.attempts_left(row)
        if left == 0:
            flash(gettext("The code is wrong, and no attempts are left. Ask for a new code."), "danger")
            return _page("portal/phone.html", 400)
        error = gettext("The code is wrong. Attempts left: %(left)d.", left=left)
    return _page("portal/phone_confirm.html", 400, waiting=row, error=error)
