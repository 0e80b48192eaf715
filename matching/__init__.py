"""Netra's matching library: NIK/NIP parsing, Indonesian name matching and explained findings.

Pure Python with Polars, numpy and rapidfuzz: no web or database imports, so the service, the CLI and the
benchmarks share it. Where to look:

* :mod:`matching.records`: the roster's people, the lists' entries, findings and their explanations;
* :mod:`matching.nik`, :mod:`matching.nip`, :mod:`matching.names`, :mod:`matching.regions`: reading the
  values a finding rests on;
* :mod:`matching.scoring`: one candidate pair decided and explained (the reference);
* :mod:`matching.engine` and :mod:`matching.name_filter`: whole rosters against whole lists, as columns;
* :mod:`matching.thresholds`: every threshold with its reason.
"""

from matching.engine import ListKeys, RosterKeys, Stats, candidates, decide, match, nik_values, roster_keys
from matching.names import NameComparison, NormalizedName, compare_names, normalize_name
from matching.nik import Nik, mask_nik, parse_nik
from matching.nip import Nip, nip_nik_conflicts, parse_nip
from matching.records import CLASSES, KINDS, Feature, Finding, ListEntry, RosterPerson
from matching.scoring import compare_nik_digits, score_pair, score_pairs

__all__ = [
    "CLASSES",
    "KINDS",
    "Feature",
    "Finding",
    "ListEntry",
    "ListKeys",
    "NameComparison",
    "Nik",
    "Nip",
    "NormalizedName",
    "RosterKeys",
    "RosterPerson",
    "Stats",
    "candidates",
    "compare_names",
    "compare_nik_digits",
    "decide",
    "mask_nik",
    "match",
    "nik_values",
    "nip_nik_conflicts",
    "normalize_name",
    "parse_nik",
    "parse_nip",
    "roster_keys",
    "score_pair",
    "score_pairs",
]
