import time


def just_in_time(value):
    """A wrong answer (the value plus one), given just under the run's 4 s timeout: every call answers,
    and only the submission's time budget stops it from holding a worker for the sum of all timeouts."""
    time.sleep(3.3)
    return value + 1
