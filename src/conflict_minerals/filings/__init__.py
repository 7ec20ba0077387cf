"""Read filed Form SD / Conflict Minerals Reports (SEC Rule 13p-1) and extract their smelter annex."""
