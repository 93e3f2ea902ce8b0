"""The grading engine: registry checks as pytest items (``test_submissions.py``), one check graded in
``grading``, the per-process state, and ``session.run`` which wraps ``pytest.main``."""
