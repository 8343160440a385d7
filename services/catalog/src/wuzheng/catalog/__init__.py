"""wuzheng.catalog."""
