"""conflict-minerals: run a conflict-minerals (3TG) compliance program end to end."""

__version__ = "0.1.0"
