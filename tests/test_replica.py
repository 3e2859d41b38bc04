"""Reads from a streaming replica (app/replica): a PostgreSQL primary and a hot standby made with
pg_basebackup, started by this module. Replay is paused on the replica to make it visibly late."""
import time

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Lesson
from scripts.pgcluster import temporary_postgres, temporary_replica
from tests.helpers.app import make_app, reset_data
from tests.helpers.data import grant, import_examples, pupil_id
from tests.helpers.replica import Replication

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


@pytest.fixture(scope="module")
def cluster(smtp_server, idp):
    with temporary_postgres("diary_replica", replication=True) as primary, temporary_replica(primary) as replica:
        app = make_app(primary, smtp_server, idp, DATABASE_REPLICA_URL=replica, REPLICA_CHECK_SECONDS=0)
        world = Replication(primary, replica)
        world.app = app
        yield world
        world.close()
        with app.app_context():
            db.engine.dispose()
            app.extensions["replica_engine"].dispose()


@pytest.fixture
def app(cluster, smtp):
    reset_data(cluster.app)
    cluster.app.config["REPLICA_MAX_LAG_SECONDS"] = 5
    yield cluster.app
    cluster.resume()


@pytest.fixture
def family(app, cluster, login_parent):
    with app.app_context():
        import_examples()
        volkov = pupil_id("S-1002")
        lesson = db.session.execute(select(Lesson).join(Lesson.subject).where(Lesson.subject.has(name="Алгебра"))
                                    .order_by(Lesson.date)).scalars().first()
        lesson_id, week = lesson.id, lesson.date.isoformat()
    parent = app.test_client()
    login_parent(parent, "parent-ivanova")
    grant(app, "parent-ivanova", volkov)
    cluster.caught_up()
    return dict(client=parent, volkov=volkov, lesson=lesson_id, week=week)


def _set_homework(app, lesson_id, text):
    with app.app_context():
        db.session.get(Lesson, lesson_id).homework = text
        db.session.commit()


def _reads(client, target):
    metrics = client.get("/metrics").get_data(as_text=True)
    line = next((l for l in metrics.splitlines() if l.startswith(f'diary_replica_reads_total{{target="{target}"}}')), None)
    return float(line.split()[-1]) if line else 0.0


def test_family_pages_read_the_replica_and_fall_back_when_it_is_late(app, cluster, family):
    parent, week_page = family["client"], f"/my/students/{family['volkov']}/diary?week={family['week']}"
    _set_homework(app, family["lesson"], "№ 100 и 101")
    cluster.pause()
    _set_homework(app, family["lesson"], "Параграф 42, выучить теорему")  # not yet on the replica
    replica_reads = _reads(parent, "replica")
    page = parent.get(week_page).get_data(as_text=True)
    assert "№ 100 и 101" in page and "Параграф 42" not in page  # read from the (late) replica
    assert _reads(parent, "replica") == replica_reads + 1

    health = parent.get("/health").get_json()
    assert health["replica_lag_seconds"] is not None and health["replica_lag_seconds"] > 0

    app.config["REPLICA_MAX_LAG_SECONDS"] = 0.2
    time.sleep(0.5)
    primary_reads = _reads(parent, "primary")
    page = parent.get(week_page).get_data(as_text=True)
    assert "Параграф 42" in page  # later than the setting: read from the primary
    assert _reads(parent, "primary") == primary_reads + 1
    ready = parent.get("/ready")
    assert ready.status_code == 200 and "replica" in ready.get_json()["degraded"]
    assert "отстаёт" in ready.get_json()["degraded"]["replica"]["ru"]
    metrics = parent.get("/metrics").get_data(as_text=True)
    assert "diary_replica_lag_seconds" in metrics

    cluster.resume()
    app.config["REPLICA_MAX_LAG_SECONDS"] = 5
    assert "degraded" not in parent.get("/ready").get_json()
    assert parent.get("/health").get_json()["replica_lag_seconds"] == 0


def test_a_family_reads_its_own_message_while_the_replica_is_behind(app, cluster, family):
    parent, volkov = family["client"], family["volkov"]
    with app.app_context():
        from app.models import User

        orlova = db.session.execute(select(User.id).where(User.username == "t.orlova")).scalar_one()
    cluster.pause()
    sent = parent.post(f"/my/students/{volkov}/messages",
                       data={"teacher_id": orlova, "subject": "Контрольная", "text": "Когда будет контрольная?"})
    assert sent.status_code == 302
    primary_reads = _reads(parent, "primary")
    page = parent.get(f"/my/students/{volkov}/messages").get_data(as_text=True)
    assert "Контрольная" in page  # its own write: from the primary, though the replica is behind
    assert _reads(parent, "primary") == primary_reads + 1

    other = app.test_client()  # the same family on another device: no write of its own here
    cluster.resume()
    assert "Контрольная" in parent.get(f"/my/students/{volkov}/messages").get_data(as_text=True)
    replica_reads = _reads(parent, "replica")
    parent.get(f"/my/students/{volkov}/messages")
    assert _reads(parent, "replica") == replica_reads + 1  # caught up: back to the replica
    assert other.get("/health").status_code == 200
