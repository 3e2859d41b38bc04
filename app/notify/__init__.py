"""Notifications to families about the diary (new grade, absence, homework, remark, event,
message): routed by each recipient's preferences and access scope into the outbox, delivered by
the outbox worker over e-mail or SMS, or gathered into a daily digest."""
