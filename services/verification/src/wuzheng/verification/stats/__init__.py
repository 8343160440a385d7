"""Usage statistics over the access record."""
