"""govtext: text mining for governance documents (Indonesian and English)."""

__version__ = "0.1.0"
