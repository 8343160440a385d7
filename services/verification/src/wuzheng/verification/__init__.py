"""wuzheng.verification."""
