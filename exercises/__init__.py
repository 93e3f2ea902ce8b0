"""deepgrade: exercises."""
