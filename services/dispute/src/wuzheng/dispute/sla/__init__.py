"""SLA clocks: the service clock, working-day maths and per-department deadlines."""
