"""District supervisors' and the admin's reports: every figure aggregated in SQL, scoped to what
the reader may see (a supervisor: the own district; the admin: the city or a chosen district)."""
