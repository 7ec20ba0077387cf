"""Named migrations, applied in order by `open_workspace`."""
