"""The service layer: what the CLI and the web show and do, decided once, with typed results and errors."""
