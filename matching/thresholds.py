"""Every threshold and score weight of the matcher, in one place.

A finding accuses a civil servant, so thresholds lean to precision: a doubtful pair is not reported unless
the NIK itself ties the two records together. Values were tuned on the project's synthetic generator
(``python -m bench.quality``) and checked against the DOMAIN.md facts, not fitted to one data set.

Name thresholds apply to :func:`matching.names.compare_names` similarity (token-weighted, 0..1).
"""

from __future__ import annotations

__all__ = [
    "NAME_DROPPED_TOKEN_COST",
    "NAME_INITIAL_WEIGHT_FACTOR",
    "NAME_MIN_WEIGHT_NEAR_NIK",
    "NAME_MIN_WEIGHT_NO_NIK",
    "NAME_STRONG",
    "NAME_TOKEN_MIN_SIMILARITY",
    "NAME_VARIANT",
    "SCORE",
]

# --- name comparison -------------------------------------------------------------------------------------
# Two tokens below this Indel similarity do not align at all ("aminah"/"rahma" 0.55): a one-letter typo in a
# 6-letter name is 0.83, an inserted letter in "suprianto"/"supriyanto" 0.95.
NAME_TOKEN_MIN_SIMILARITY = 0.80
# An initial ("M.") carries this share of the weight of the word it stands for: it agrees with many words.
NAME_INITIAL_WEIGHT_FACTOR = 0.5
# Largest similarity penalty when one name holds every token of the other plus more (dropped middle name,
# "Siti" left out); the penalty grows with the weight of the extra tokens relative to the agreeing ones.
NAME_DROPPED_TOKEN_COST = 0.10

# --- decisions -------------------------------------------------------------------------------------------
# Same NIK: at or above this the names are the same person written differently (class ``confirmed``); below
# it the NIK is used under a clearly different name (``nik_match_name_mismatch``, class ``conflict``) — the
# "NIK dicatut" case, which must never look like an ordinary match.
NAME_VARIANT = 0.70
# One-digit NIK error, Excel-truncated NIK, name + birth date + region, NIP + name: the name must agree
# strongly, because it is the main evidence beyond a NIK that does not match exactly.
NAME_STRONG = 0.85
# Without any NIK tie the agreeing tokens must also weigh this much: "Siti Nur" (two very common tokens,
# weight 0.30) born the same day in the same regency is not evidence enough; "Siti Aminah" (0.55) is.
NAME_MIN_WEIGHT_NO_NIK = 0.5
# With a near NIK (one digit off, truncated) the agreeing tokens must weigh at least this: "Siti" alone
# (0.15) agreeing with "Siti Aminah" says nothing.
NAME_MIN_WEIGHT_NEAR_NIK = 0.3

# --- scores ----------------------------------------------------------------------------------------------
# score = base + span * name similarity, per kind. Ranges do not overlap between classes, so sorting by score
# sorts confirmed > conflict > probable > possible. For a conflict the span runs on (1 - similarity): the more
# the names differ, the stronger the sign that the NIK was used by someone else.
SCORE: dict[str, tuple[float, float]] = {
    "nik_exact": (0.95, 0.05),
    "nik_match_name_mismatch": (0.85, 0.09),
    "nik_truncated": (0.75, 0.09),
    "nik_one_digit": (0.70, 0.09),
    "name_birth_region": (0.50, 0.15),
    "nip_birth_name": (0.45, 0.15),
}
