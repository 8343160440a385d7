"""Disputes: filing, the workflow with its SLA clocks, the correction loop."""
