"""Errors that end a run with exit code 2 and one clear line."""


class UsageError(Exception):
    """Bad command line, bad configuration, unreadable input path."""
