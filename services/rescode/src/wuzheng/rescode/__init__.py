"""wuzheng.rescode."""
