"""wuzheng.cli."""
