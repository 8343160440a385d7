"""Shared fixtures for every test in the workspace."""

pytest_plugins = [
    "wuzheng.db.testing",
    "wuzheng.messaging.testing",
    "wuzheng.service.testing",
]
