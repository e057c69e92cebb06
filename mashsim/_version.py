"""The package version, in one place (read by pyproject and every result)."""

__version__ = "0.1.0"
