"""Helpers the test modules share (fixtures live in tests/conftest.py and tests/fixtures/):

- tests.helpers.app: an app of its own for a test (make_app), the demo data again (reset_data),
  the outbox sent (drain_outbox);
- tests.helpers.web: what a user does and sees over HTTP: logging in (staff form, JSON API,
  Gosuslugi), a page's visible text, its alerts, CSRF tokens, "no English on the page";
- tests.helpers.data: rows looked up and set up in the database (in an app context);
- tests.helpers.workflow: the application state machine driven directly (app.workflow.fire);
- tests.helpers.sql: the SQL statements a request runs (statements(app));
- tests.helpers.caches: the app's Redis caches on the test session's Redis (redis_caches);
- tests.helpers.browser: Playwright pages, logins and measurements."""
