"""Reference modules for timed checks: the same function names as an exercise, backed by ``kernels/``.

The engine loads ``grader/reference/<exercise id>.py`` in a reference child and runs the timed scenario on
it beside the student's module; the speed check compares the two times.
"""
