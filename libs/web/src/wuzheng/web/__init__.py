"""wuzheng.web."""
