"""Bounds that keep one hostile or broken file from taking the process down."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DEFAULT_LIMITS", "Limits"]


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds that keep one hostile or broken file from taking the process down. All are per file.

    The service enforces its upload size before calling; ``max_bytes`` is repeated here so the CLI and any
    other caller get the same protection.
    """

    max_bytes: int = 512 * 2**20
    max_decompressed_bytes: int = 768 * 2**20
    """Total inflated size of all XLSX zip members (a full 1,048,576-row, ten-column sheet is ~400 MiB)."""
    max_compression_ratio: float = 200.0
    """Real sheets compress 5-20x, repetitive ones up to ~100x; deflate's ceiling is ~1032x."""
    max_zip_members: int = 10_000
    max_cells_in_memory: int = 3_000_000
    """Above this dense extent (rows x columns) the XLSX is streamed with openpyxl instead of calamine."""
    max_line_chars: int = 1_000_000
    max_field_chars: int = 100_000
    max_columns: int = 256
    header_scan_rows: int = 30


DEFAULT_LIMITS = Limits()
