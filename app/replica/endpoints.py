"""The requests that may read from the replica (GET/HEAD only): what is read far more than it is
written and may be a second or two old — reports, the family diary, the mobile app's diary polls.
A family's own writes are still seen at once (read-your-writes, app.replica)."""
REPLICA_ENDPOINTS = frozenset({
    # reports for the district and the city (pre-aggregated tables, long queries)
    "ReportsView.report", "ReportsApi.report",
    # the family diary («Сегодня», the week, grades, …) and messages
    "portal.today", "portal.students", "portal.diary_today", "portal.diary_week", "portal.diary_grades",
    "portal.diary_results", "portal.diary_attendance", "portal.diary_dynamics", "portal.diary_stats",
    "portal.diary_events", "portal.diary_meetings", "portal.student_messages", "portal.conversation",
    # the mobile app's diary API
    "DiaryApi.diary", "DiaryApi.grades", "DiaryApi.results", "DiaryApi.attendance", "DiaryApi.stats",
    "DiaryApi.events", "DiaryApi.meetings", "DiaryApi.conversations",
})
