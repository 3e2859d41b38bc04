"""The diary: school data (classes, lessons, grades, attendance…), imported from the school
information system or entered by teachers, read by families within their access scope
(app.sharing decides who sees what)."""

from . import membership  # noqa: F401,E402 - registers the hook that keeps a renamed class's pupils' display name
from . import revisions  # noqa: F401,E402 - registers the hook that bumps the classes a flush changes
