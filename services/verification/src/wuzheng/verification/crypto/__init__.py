"""Signature checks: compact JWS with Ed25519 and SM2, QR payloads, status lists."""
