"""Local read model of the catalogue: departments, licence types, items and their materials,
the field library."""
