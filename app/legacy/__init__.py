"""Accounts of the portal before ESIA: import (`flask legacy import`, importer.py) and linking to
the parent's ESIA account (linking.py, the form in app/portal/account.py). docs/legacy.md."""
# The audit log's Russian names of the actions recorded here are in app.models.AuditAction.
