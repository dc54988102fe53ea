"""Dataset build and Hub publishing: annotations -> Hugging Face dataset (parquet, Hub layout)."""

from .split import assign_split

__all__ = ["assign_split"]
