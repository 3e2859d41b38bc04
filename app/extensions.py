"""Extension objects, created unbound and attached in create_app() (FAB's quickhowto pattern).

The AppBuilder is made per app in create_app(): FAB keeps registered views on the instance,
so one module-level AppBuilder would serve only the first app of a process (tests make several).
Reach it as `current_app.appbuilder`."""
from flask_appbuilder.models.sqla import Model
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

db = SQLAlchemy(model_class=Model)
migrate = Migrate()
csrf = CSRFProtect()
