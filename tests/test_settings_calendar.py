"""Notification settings and the calendar feed (parsed with a standard iCalendar parser)."""
import re

from icalendar import Calendar
from sqlalchemy import select

from app.extensions import db
from app.models import NotificationPreference, UserSettings
from tests.helpers.data import citizen_id


def test_settings_store_channels_per_pupil_and_kind(app, pupil_world):
    client, p = pupil_world["parent-ivanova"], pupil_world["volkov"]
    page = client.get("/my/settings").get_data(as_text=True)
    assert "Новые оценки" in page and "Сводка" in page
    assert f'name="{p}-grade-email" value="1"' in page and "checked" in page
    # the tutor has no confirmed mobile number (the demo parent Иванова has one)
    bad = pupil_world["tutor-oleg"].post("/my/settings", data={f"{p}-homework-sms": "1", "quiet_from": "23:00"})
    assert bad.status_code == 400
    text = bad.get_data(as_text=True)
    assert "нет подтверждённого мобильного номера" in text and "тихих часов" in text
    saved = client.post("/my/settings", data={f"{p}-grade-digest": "1", f"{p}-homework-email": "1",
                                              "quiet_from": "21:30", "quiet_to": "07:30"})
    assert saved.status_code == 302
    with app.app_context():
        prefs = {(x.kind, x.email, x.sms, x.digest) for x in db.session.execute(select(NotificationPreference)).scalars()}
        assert ("grade", False, False, True) in prefs and ("homework", True, False, False) in prefs
        assert ("absence", False, False, False) in prefs
        own = db.session.execute(select(UserSettings)).scalar_one()
        assert own.quiet_from.strftime("%H:%M") == "21:30"
    # a tutor with "only schedule and homework" is not offered grades at all
    tutor = pupil_world["tutor-oleg"].get("/my/settings").get_data(as_text=True)
    assert f"{p}-homework-email" in tutor and f"{p}-grade-email" not in tutor


def test_calendar_feed_parses_respects_scope_and_can_be_replaced(app, pupil_world):
    tutor = pupil_world["tutor-oleg"]
    page = tutor.post("/my/settings/calendar").get_data(as_text=True)
    url = re.search(r'value="(http[^"]+\.ics)"', page).group(1)
    path = url.split("localhost", 1)[-1]
    answer = app.test_client().get(path)  # no login: the secret address is the key
    assert answer.status_code == 200 and answer.mimetype == "text/calendar"
    calendar = Calendar.from_ical(answer.data)
    events = [c for c in calendar.walk("VEVENT")]
    assert any("Новогодний концерт" in str(e["SUMMARY"]) for e in events)
    with app.app_context():
        secret = path.rsplit("/", 1)[-1][:-4]
        assert secret not in str(db.session.execute(select(UserSettings.calendar_secret_hash)).scalars().all())
    # a new address replaces the old one
    tutor.post("/my/settings/calendar")
    assert app.test_client().get(path).status_code == 404
    assert app.test_client().get("/ical/not-a-secret.ics").status_code == 404


def test_feed_contents_for_a_lesson_week(app, pupil_world):
    from datetime import date

    from app.diary.calendar import feed, new_secret, user_for_secret

    with app.app_context():
        parent, tutor, papa = (citizen_id(sub) for sub in ("parent-ivanova", "tutor-oleg", "papa-sergey"))
        assert user_for_secret(new_secret(parent)) == parent
        parent_events = Calendar.from_ical(feed(parent, today=date(2026, 11, 25))).walk("VEVENT")
        lessons = [e for e in parent_events if "Алгебра" in str(e["SUMMARY"])]
        assert lessons and "№ 112, 114" in str(lessons[0]["DESCRIPTION"])
        assert lessons[0].decoded("DTSTART").hour == 9
        tutor_events = Calendar.from_ical(feed(tutor, today=date(2026, 11, 25))).walk("VEVENT")
        assert any("Алгебра" in str(e["SUMMARY"]) for e in tutor_events)  # schedule and homework: yes
        papa_events = Calendar.from_ical(feed(papa, today=date(2026, 11, 25))).walk("VEVENT")
        assert papa_events == []  # "only grades": no schedule, no events in the calendar
