"""Service items (事项) of 附件1, their materials and how each material is fulfilled."""
