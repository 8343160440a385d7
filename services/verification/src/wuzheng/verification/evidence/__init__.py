"""POST /v1/evidence-requests: how every material of a service item is satisfied."""
