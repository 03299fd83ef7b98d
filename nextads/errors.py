"""Errors that the CLI turns into one clear message and exit status 2."""

from __future__ import annotations


class InputError(Exception):
    """Bad user input: names the file and the field at fault."""

    def __init__(self, file: str, field: str | None, message: str):
        self.file = str(file)
        self.field = field
        self.message = message
        where = f"{self.file}: {field}" if field else self.file
        super().__init__(f"{where}: {message}")


class ConfigError(Exception):
    """Missing or invalid configuration (environment / .env)."""
