"""Who is at the station: sign-in, lock screen, staff, audit trail, the outage queue."""
