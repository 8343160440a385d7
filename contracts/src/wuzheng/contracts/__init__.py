"""wuzheng.contracts."""
