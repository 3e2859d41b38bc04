"""Extension objects, created unbound and attached in create_app() (FAB's quickhowto pattern)."""
from flask_appbuilder import AppBuilder
from flask_appbuilder.models.sqla import Model
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

db = SQLAlchemy(model_class=Model)
appbuilder = AppBuilder(update_perms=False)
migrate = Migrate()
csrf = CSRFProtect()
