"""The program in the browser: thin Starlette handlers over the service layer (see docs.md)."""
