"""Errors that the command line reports as one clear line instead of a traceback."""


class UsageError(Exception):
    """Bad input from the person running deepgrade: a missing folder, an unreadable file, a bad option."""
