"""The week of a class in Redis (app.diary.read_model, issue 11): the second read of the week comes
from Redis (fewer SQL statements), a teacher's grade is seen at once (the key carries the class
revision), an unreachable Redis leaves the page at 200 from the database."""
import pytest

from app.extensions import db
from tests.helpers.journal import grade_through_the_journal, page
from tests.helpers.caches import redis_caches
from tests.helpers.sql import statements

WEEK = "diary?week=2026-11-25"


@pytest.fixture
def read_model(app, redis_server, config):
    """The read model on the session's Redis, emptied before and after; conditional GET off (the
    test reads whole pages)."""
    with redis_caches(app, redis_server, config, READ_MODEL_CACHE=True, CONDITIONAL_GET=False) as client:
        yield client


def sql_count(app, fetch):
    with statements(app) as seen:
        response = fetch()
    return response, len(seen)


def test_the_second_read_comes_from_redis_and_a_grade_is_seen_at_once(app, pupil_world, read_model):
    client, p = pupil_world["parent-ivanova"], pupil_world["volkov"]
    first, cold = sql_count(app, lambda: client.get(page(p, WEEK)))
    assert first.status_code == 200
    keys = [k.decode() for k in read_model.keys("diary:week:*")]
    assert len(keys) == 1 and ":2026-11-23:" in keys[0]
    second, warm = sql_count(app, lambda: client.get(page(p, WEEK)))
    assert second.status_code == 200 and warm < cold, (warm, cold)
    html = second.get_data(as_text=True)
    for text in ("Понедельник, 23.11", "Алгебра", "Линейные уравнения", "№ 112, 114", ">3<",
                 "Не выполнено домашнее задание", "ОП"):
        assert text in html, text
    api = client.get(f"/api/v1/students/{p}/diary?week=2026-11-25").json
    algebra = api["days"][0]["lessons"][0]
    assert (algebra["subject"], algebra["starts_at"], algebra["grades"][0]["value"]) == ("Алгебра", "09:00", "3")

    grade_through_the_journal(app, p, "5")
    after = client.get(page(p, WEEK)).get_data(as_text=True)
    assert ">5<" in after and ">3<" not in after
    assert len(read_model.keys("diary:week:*")) == 2  # a new revision, a new key (the old one expires)


def test_a_viewer_still_sees_only_the_scope(app, pupil_world, read_model):
    p = pupil_world["volkov"]
    pupil_world["parent-ivanova"].get(page(p, WEEK))  # the class week is in Redis now
    week = pupil_world["tutor-oleg"].get(page(p, WEEK)).get_data(as_text=True)
    assert "№ 112, 114" in week
    assert ">3<" not in week and "Не выполнено домашнее задание" not in week


def test_redis_down_the_page_is_still_200(app, pupil_world, read_model, config, caplog):
    from scripts.pgcluster import free_port

    config(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    client, p = pupil_world["parent-ivanova"], pupil_world["volkov"]
    answer = client.get(page(p, WEEK))
    assert answer.status_code == 200 and ">3<" in answer.get_data(as_text=True)
    assert "Redis unavailable" in caplog.text  # the read model or the account cache, whichever asked first
    assert client.get(f"/api/v1/students/{p}/diary?week=2026-11-25").status_code == 200


def test_no_redis_url_no_cache(app, pupil_world, read_model, config):
    config(REDIS_URL="")
    client, p = pupil_world["parent-ivanova"], pupil_world["volkov"]
    assert client.get(page(p, WEEK)).status_code == 200
    assert read_model.keys("diary:week:*") == []


def test_a_pupil_moved_mid_week_reads_the_same_week_from_redis(app, pupil_world, read_model, config, redis_server):
    """The memberships come with the access check (app.diary.revisions.pupil_column): a pupil who
    left 7 «Б» on Tuesday sees that week the same from Redis as from the database, and a warm
    read asks the database only for the session and the access check."""
    from datetime import date

    from app.diary import membership
    from app.models import Student

    client, p = pupil_world["parent-ivanova"], pupil_world["volkov"]
    with app.app_context():
        membership.enroll(db.session.get(Student, p), "7 «А»", date(2026, 11, 24))
        db.session.commit()

    def week():
        html = client.get(page(p, WEEK)).get_data(as_text=True)
        return html[html.index("<main"):]

    config(REDIS_URL="")
    from_database = week()
    assert "Понедельник, 23.11" in from_database and "Линейные уравнения" in from_database
    config(REDIS_URL=redis_server)
    assert week() == from_database  # the class week is built and stored
    warm, statements = sql_count(app, week)
    assert warm == from_database
    assert statements == 2, statements  # the session (the database store here) and the access check


def test_today_and_the_days_ahead_come_from_redis_too(app, pupil_world, read_model, config, redis_server):
    """«Сегодня» (today and the next school day, here in the week after next) reads the class weeks
    it touches from Redis: the same page as from the database, and no lesson or grade query."""
    from datetime import timedelta

    from app import clock
    from tests.helpers.data import lesson_on

    client, p = pupil_world["parent-ivanova"], pupil_world["volkov"]
    with app.app_context():
        day = clock.today()
    ahead = clock.week_start(day) + timedelta(days=14)  # Monday of the week after next
    lesson_on(app, day, 7, "305", "Параграф 12")
    lesson_on(app, ahead, 7, "306", "Выучить таблицу умножения")
    config(REDIS_URL="")
    client.get(page(p, "today"))  # the first «Сегодня» after the login carries the welcome notice once

    def today():
        html = client.get(page(p, "today")).get_data(as_text=True)
        return html[html.index("<main"):]

    from_database = today()
    assert "каб. 305" in from_database and "Выучить таблицу умножения" in from_database
    config(REDIS_URL=redis_server)
    assert today() == from_database
    with statements(app) as seen:
        assert today() == from_database
    assert not [s for s in seen if "FROM lesson" in s or s.startswith("SELECT grade.lesson_id")], seen
