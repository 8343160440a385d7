"""wuzheng.issuance."""
