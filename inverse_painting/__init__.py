"""inverse-painting: painting-process datasets and a compact painting-process model."""

__version__ = "0.1.0"
