"""wuzheng.dispute."""
