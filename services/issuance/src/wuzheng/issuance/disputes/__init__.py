"""What the dispute service tells us: objections opened and closed on our licences, and
corrections to apply."""
