"""A fake grader package: the child never imports the grader, and the parent never imports from here."""
