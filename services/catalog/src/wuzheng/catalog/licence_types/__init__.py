"""Licence types (证照类型, GB/T 36904 codes) with their field schemas and issuers."""
