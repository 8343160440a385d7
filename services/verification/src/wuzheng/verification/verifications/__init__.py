"""POST /v1/verifications: one licence checked by its issuer, online or offline."""
