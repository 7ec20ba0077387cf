"""Reading and writing RMI templates; the only package that imports an Excel library."""

from conflict_minerals.cmrt.reader import read_cmrt

__all__ = ["read_cmrt"]
