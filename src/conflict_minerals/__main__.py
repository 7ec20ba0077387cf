"""Allow `python -m conflict_minerals`."""

from conflict_minerals.cli import main

main()
