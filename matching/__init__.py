"""Netra's matching library: NIK/NIP parsing, Indonesian name matching and explained findings.

Pure Python (rapidfuzz, numpy): no web or database imports, so the service, the CLI and benchmarks share it.
"""

from matching.blocking import (
    BlockKeys,
    entry_keys,
    nik_block_keys,
    nik_prefix15,
    person_block_key,
    roster_keys,
)
from matching.matcher import (
    Feature,
    Finding,
    ListEntry,
    ListIndex,
    RosterPerson,
    match,
    score_pair,
    score_pairs,
)
from matching.names import NameComparison, NormalizedName, compare_names, normalize_name
from matching.nik import Nik, mask_nik, parse_nik
from matching.nip import Nip, nip_nik_conflicts, parse_nip

__all__ = [
    "BlockKeys",
    "Feature",
    "Finding",
    "ListEntry",
    "ListIndex",
    "NameComparison",
    "Nik",
    "Nip",
    "NormalizedName",
    "RosterPerson",
    "compare_names",
    "entry_keys",
    "mask_nik",
    "match",
    "nik_block_keys",
    "nik_prefix15",
    "nip_nik_conflicts",
    "normalize_name",
    "parse_nik",
    "parse_nip",
    "person_block_key",
    "roster_keys",
    "score_pair",
    "score_pairs",
]
