"""What the issuance service tells about licences: per holder, signed copies, status lists."""
