"""The local read model of the catalog: departments and licence types, fed by ``catalog.*``
events (no synchronous call to the catalog service)."""
