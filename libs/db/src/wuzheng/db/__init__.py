"""wuzheng.db."""
