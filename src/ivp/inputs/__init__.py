"""Input: reading the delivered tables, validating them, cleaning, and synthetic input for scale tests."""
