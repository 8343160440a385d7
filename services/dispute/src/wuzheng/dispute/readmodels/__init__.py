"""Local read models fed by other services' events: licences, the catalogue, verifications."""
