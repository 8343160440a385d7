"""The access record: an append-only, hash-chained log of every verification and evidence
request."""
