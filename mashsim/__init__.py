"""mashsim: a discrete-event simulator of a UK Multi-Agency Safeguarding Hub (MASH)."""

__version__ = "0.1.0"
