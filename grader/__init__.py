"""deepgrade: grader."""
