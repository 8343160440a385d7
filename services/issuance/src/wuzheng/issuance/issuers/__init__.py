"""Issuers: the departments that seal licences here, their seal keys (电子印章), JWKS and
status lists."""
