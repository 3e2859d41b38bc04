"""The scheduled step: applications nobody came to the school for expire after EXPIRE_DAYS."""
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from ..access import SYSTEM
from ..extensions import db
from ..models import Application, ApplicationState as S, utcnow
from .errors import WorkflowError
from .machine import fire


def expire_overdue(now=None):
    """Fire `expire` on every submitted application older than EXPIRE_DAYS. Returns the count."""
    cutoff = (now or utcnow()) - timedelta(days=current_app.config["EXPIRE_DAYS"])
    ids = db.session.execute(
        select(Application.id).where(
            Application.state == S.SUBMITTED, Application.created_at < cutoff
        )
    ).scalars().all()
    expired = 0
    for application_id in ids:
        try:
            fire("expire", SYSTEM, application_id)
            expired += 1
        except WorkflowError:
            continue  # someone acted on it meanwhile
    return expired
