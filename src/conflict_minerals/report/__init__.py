"""Reporting: the report model computed from the workspace, and its renderers."""
