"""The local read model of the catalogue, fed by ``catalog.*`` events: which departments,
licence types and items exist, and which licence types each item's materials name."""
