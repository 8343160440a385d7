"""Licences: issuing, joint seals, the lifecycle and its history."""
