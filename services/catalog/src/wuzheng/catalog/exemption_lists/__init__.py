"""免证办 lists, published batch by batch (成熟一批、发布一批); a published batch never changes."""
