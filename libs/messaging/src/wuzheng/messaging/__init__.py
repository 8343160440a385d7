"""wuzheng.messaging."""
