"""deepgrade: solutions."""
