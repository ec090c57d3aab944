"""SLA alerts (50/80/100 % of each clock, exactly once) and the notifications they send."""
