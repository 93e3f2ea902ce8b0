"""The hostile submissions are data for the grader, never tests: pytest must not collect them nor load the
``conftest.py`` one of them ships."""

collect_ignore = ["submissions"]
