"""Extension objects, created unbound and attached in create_app() (FAB's quickhowto pattern).

The AppBuilder is made per app in create_app(): FAB keeps registered views on the instance,
so one module-level AppBuilder would serve only the first app of a process (tests make several).
Reach it as `current_app.appbuilder`."""
from flask_appbuilder.models.sqla import Model
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from .replica.routing import RoutingSession

# db.session reads from the replica inside replica-eligible views (app/replica), else the primary.
db = SQLAlchemy(model_class=Model, session_options={"class_": RoutingSession})
csrf = CSRFProtect()
