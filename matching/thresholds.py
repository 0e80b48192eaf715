"""Every threshold and score weight of the matcher, in one place.

A finding accuses a civil servant, so thresholds lean to precision: a doubtful pair is not reported unless
the NIK itself ties the two records together. Values were tuned on the project's synthetic generator
(``python -m bench.quality``) and checked against the docs/domain.md facts, not fitted to one data set.

Name thresholds apply to :func:`matching.names.compare_names` similarity (token-weighted, 0..1).
"""

from __future__ import annotations

__all__ = [
    "NAME_DROPPED_TOKEN_COST",
    "NAME_INITIAL_WEIGHT_FACTOR",
    "NAME_JOIN_MIN_SIMILARITY",
    "NAME_MIN_WEIGHT_BIRTH_REGION",
    "NAME_MIN_WEIGHT_DISTRICT",
    "NAME_MIN_WEIGHT_NEAR_NIK",
    "NAME_MIN_WEIGHT_NEAR_NIK_BIRTH_SEGMENT",
    "NAME_MIN_WEIGHT_NEAR_NIK_COMPLETE",
    "NAME_MIN_WEIGHT_NIP",
    "NAME_MIN_WEIGHT_NIP_COMPLETE",
    "NAME_NIP_MAX_MISSING_SHARE",
    "NAME_NIP_MAX_MISSING_SHARE_SOLID",
    "NAME_NIP_SOLID_WEIGHT",
    "NAME_STRONG",
    "NAME_TOKEN_MIN_SIMILARITY",
    "NAME_VARIANT",
    "SCORE",
]

# --- name comparison -------------------------------------------------------------------------------------
# Two tokens below this Indel similarity do not align at all ("aminah"/"rahma" 0.55): a one-letter typo in a
# 6-letter name is 0.83, an inserted letter in "suprianto"/"supriyanto" 0.95.
NAME_TOKEN_MIN_SIMILARITY = 0.80
# Two adjacent tokens are read as one word ("Nur Hayati" / "Nurhayati") when, joined, they are at least this
# similar to a token of the other name.
NAME_JOIN_MIN_SIMILARITY = 0.88
# An initial ("M.") carries this share of the weight of the word it stands for: it agrees with many words.
# It may confirm a name that agrees otherwise ("M. Rizki" / "Muhammad Rizky"), never carry the agreement
# alone: with no two whole words aligned the similarity is 0 ("Marjuki" / "M. Hidayat", "M. Aziz" /
# "Mulyono" are two people). Source: false findings on data shaped like real lists, where serials 0001,
# 0002, ... per district and birth date put a differently named neighbour one NIK digit away.
NAME_INITIAL_WEIGHT_FACTOR = 0.5
# Largest similarity penalty when one name holds every token of the other plus more (dropped middle name,
# "Siti" left out); the penalty grows with the weight of the extra tokens relative to the agreeing ones.
NAME_DROPPED_TOKEN_COST = 0.10

# --- decisions -------------------------------------------------------------------------------------------
# Same NIK: at or above this the names are the same person written differently (class ``confirmed``); below
# it the NIK is used under a clearly different name (``nik_match_name_mismatch``, class ``conflict``) — the
# "NIK dicatut" case, which must never look like an ordinary match.
NAME_VARIANT = 0.75
# One-digit NIK error, Excel-truncated NIK, name + birth date + region, NIP + name: the name must agree
# strongly, because it is the main evidence beyond a NIK that does not match exactly. On these paths a name
# that agrees by one word only, inside a longer name with more than a particle besides, does not agree
# (``NameComparison.unexplained_extra``): "Siti Aminah" / "Aminah" is one person writing her name shorter,
# "Susanti" / "Indah Susanti" and "Suwarno" / "Harsanto Rahmat Suwarno" are, next to a one-digit NIK or a
# shared birth date, as a rule somebody else carrying a very common word (docs/domain.md: collisions are
# massive; Permendagri 73/2022 asks for two or more words, so the longer name is the full one). The same NIK
# still ties such names together.
NAME_STRONG = 0.85
# Minimum total weight of the agreeing name tokens (see matching.name_weights: very common 0.15, common 0.40,
# rare 1.0), per kind. A near NIK ties the records already: two very common words or one common word will
# do ...
NAME_MIN_WEIGHT_NEAR_NIK = 0.3
# ... or any agreeing word when the names agree completely ("Siti" and "Siti"; not "Siti" and "Dewi Siti", a
# namesake in the next district) ...
NAME_MIN_WEIGHT_NEAR_NIK_COMPLETE = 0.15
# ... except when the NIK differs inside its birth-date segment and no stated birth date confirms the
# roster's: then a single common word ("Fajar") is not enough, because a namesake born a few days apart in
# the same district has exactly such a NIK.
NAME_MIN_WEIGHT_NEAR_NIK_BIRTH_SEGMENT = 0.5
# Same birth date and regency leave few people (about 30 per regency and day): any agreeing word will do.
NAME_MIN_WEIGHT_BIRTH_REGION = 0.15
# Same birth date and gender nationwide leave about 50 people per day in a 2M list: one common word
# ("Ismail", weight 0.40) is the least; a very common one alone ("Nurhayati", "Sri") is not enough.
NAME_MIN_WEIGHT_NIP = 0.4
# ... unless the two names agree completely (every word on both sides, similarity 1.0): then any agreeing
# word will do. Same full birth date, same gender and the very same name: on a 2M list about 46 people share
# a birth date and gender, and few of them carry exactly that name, even "Siti" or "Dewi" alone.
NAME_MIN_WEIGHT_NIP_COMPLETE = 0.15
# ... and on that path words present in one name only may weigh at most this share of the agreeing ones:
# "Budi" against "Budi Wahyudi" is a different Budi as often as not; "Aminah" against "Siti Aminah" passes.
NAME_NIP_MAX_MISSING_SHARE = 0.5
# ... relaxed to this share when the agreeing words weigh NAME_NIP_SOLID_WEIGHT or more (two common words or a
# rare one): "Cahyo Arif" against "Tjahyo Halim Arif" is a dropped middle name, not another Cahyo.
NAME_NIP_MAX_MISSING_SHARE_SOLID = 1.5
NAME_NIP_SOLID_WEIGHT = 0.8

# A list NIK in scientific notation shows only its district (about 60,000 people, a few thousand of them
# on a kabupaten's roster), and without a birth date on the list the name is the only other evidence: it
# must agree strongly, share an identifying word, and weigh at least a rare word or two common ones plus a
# particle ("Hamzah Zainal", not "Muhammad Rahman" or "Sri Rahayu", which a district holds many times).
NAME_MIN_WEIGHT_DISTRICT = 0.95

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
    "nik_district_name": (0.40, 0.15),
}
