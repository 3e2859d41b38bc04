"""The permissions of a set of roles, remembered per process while the roles stay as they were.

FAB checks a staff page's permissions many times (the view, every menu item); app.security reads
all the permissions of the user's roles in one query, once per request. With REDIS_URL set and the
account cache on (app.auth.account_cache), the set of (permission, view) pairs of a role set is
kept in this process under the account cache's role epoch `diary:account:epoch`, which is bumped
after the commit of any change of a Role (its permissions through FAB's role admin included), a
Permission, a ViewMenu or a PermissionView: every worker sees the new epoch at its next request
and reads the permissions afresh.

- The epoch is the one load_user's account lookup already read in this request (no extra round
  trip), else one GET; it is read BEFORE the permissions, so a set read while a change was being
  committed is stored under the old epoch and never used again.
- Entries also live no longer than ACCOUNT_CACHE_SECONDS (a change made by hand in SQL).
- No Redis, the account cache off, or Redis failing: the query at every request, as before."""
import time

from flask import current_app

from . import account_cache

ENTRIES = 256  # role sets in use: a handful (clerk, teacher, teacher + parent, …)


def permissions(role_ids, read):
    """The frozenset of (permission, view) of the roles `role_ids` (a sorted tuple); `read(role_ids)`
    queries the database when the process does not hold a current answer."""
    epoch = account_cache.epoch()
    if epoch is None:
        return read(role_ids)
    state = current_app.extensions.setdefault("diary_permissions", {"epoch": None, "sets": {}})
    now = time.monotonic()
    if state["epoch"] != epoch:
        state["epoch"], state["sets"] = epoch, {}
    entry = state["sets"].get(role_ids)
    if entry is not None and entry[0] > now:
        return entry[1]
    value = read(role_ids)
    sets = state["sets"]
    if len(sets) >= ENTRIES:
        sets.clear()
    if state["epoch"] == epoch:  # another thread may have moved to a newer epoch meanwhile
        sets[role_ids] = (now + account_cache.ttl(), value)
    return value
