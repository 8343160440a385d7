"""wuzheng.auth."""
