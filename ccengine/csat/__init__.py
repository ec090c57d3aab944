"""Customer satisfaction (CSAT): a survey e-mailed when a ticket is resolved, a score
keyed in after a call (the route graph's survey node), and the report of both."""
