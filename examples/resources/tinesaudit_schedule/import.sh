# By the schedule's name (in the default group); the function has the same name.
terraform import tinesaudit_schedule.audit tines-audit-sync
