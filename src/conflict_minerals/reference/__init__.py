"""Reference data: RMI's smelter reference list (bundled snapshot and imports) and countries."""
