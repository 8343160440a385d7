"""Acting for others: a principal lets an agent show codes for them, scoped to service
items and licence types, for a bounded time (代办 family, 监护 guardian, 企业经办人)."""
