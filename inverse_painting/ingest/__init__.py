"""Ingestion: sources manifest, fetching videos, sampling timestamped frames."""
