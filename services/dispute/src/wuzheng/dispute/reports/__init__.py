"""Monitoring and reports: per-department figures and the periodic processing report."""
