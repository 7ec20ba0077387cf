"""Alembic migrations of the workspace database; each schema change is a named file in versions/."""
