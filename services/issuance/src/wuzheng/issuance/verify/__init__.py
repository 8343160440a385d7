"""Issuer-side verification (谁制发、谁核验): the issuer's signed answer about one licence,
over NATS request-reply on ``verify.<issuer_code>`` and over REST."""
