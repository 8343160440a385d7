"""Holders' consents (授权), from rescode's consent.* events."""
