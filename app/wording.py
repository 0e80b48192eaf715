"""The matcher's explanations in Indonesian, for the people who read them.

:mod:`matching` words every compared feature in English (``"identical NIK 3271********0001"``,
``"similarity 0.97; titles removed: Drs."``): stable text that the API returns and the CLI writes. Pages,
the printed summary and the web's exports are read by agency staff, so each known wording is rendered here
in Indonesian, with numbers and dates as Indonesians write them ("0,97", "12-03-1985").

A wording this module does not know is shown as it is rather than dropped; ``tests/test_wording.py`` runs
the matcher over generated and varied data and fails on any such wording, so a new one in ``matching``
cannot reach the pages untranslated unnoticed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Literal

FEATURES = {
    "nik": "NIK",
    "name": "Nama",
    "birth_date": "Tanggal lahir",
    "region": "Wilayah",
    "gender": "Jenis kelamin",
    "nip": "NIP",
}
OUTCOMES = {
    "exact": "sama persis",
    "one_substitution": "beda satu digit",
    "adjacent_transposition": "dua digit bertukar tempat",
    "last_digit_unknown": "digit terakhir tidak diketahui",
    "district_only": "hanya kecamatan yang terbaca",
    "unusable": "tidak dapat dipakai",
    "similar": "mirip",
    "different": "berbeda",
    "match": "cocok",
    "mismatch": "tidak cocok",
    "unknown": "tidak diketahui",
}
KINDS = {
    "nik_exact": "NIK sama, nama sesuai",
    "nik_match_name_mismatch": "NIK sama, nama berbeda (dugaan NIK dicatut)",
    "nik_truncated": "NIK terpotong Excel (digit terakhir 0)",
    "nik_one_digit": "NIK beda satu digit",
    "name_birth_region": "Nama, tanggal lahir dan wilayah sama",
    "nip_birth_name": "NIP, tanggal lahir dan nama cocok",
    "nik_district_name": "NIK rusak Excel: kecamatan dan nama sama",
}
CLASSES = {
    "confirmed": "Pasti",
    "conflict": "Konflik",
    "probable": "Kemungkinan besar",
    "possible": "Mungkin",
}
_GENDERS = {"M": "laki-laki", "F": "perempuan"}
_SOURCES = {"NIP": "NIP", "roster NIK": "NIK daftar ASN"}
_SIDES = {"roster": "daftar ASN", "list": "daftar pembanding"}
_RULES = {"double letters": "huruf ganda"}
_WHY = {
    "none given": "tidak diisi",
    "placeholder": "angka pengisi, bukan NIK",
    "empty": "kosong",
    "scientific_notation": "rusak oleh Excel (notasi ilmiah)",
    "non_digit": "memuat selain angka",
    "wrong_length": "bukan 16 angka",
}

_DATE = r"(\d{4})-(\d{2})-(\d{2})"


def number(value: float, places: int = 2) -> str:
    """A decimal as Indonesians write it: 0.97 -> "0,97"; thousands with a dot: 1234.5 -> "1.234,50"."""
    return f"{value:,.{places}f}".replace(",", "_").replace(".", ",").replace("_", ".")


def size(byte_count: int) -> str:
    """A file size as "512 B", "3,4 KB", "11,3 MB" (1 KB = 1,024 bytes, as file managers show it)."""
    amount = float(byte_count)
    for unit in ("B", "KB", "MB", "GB"):
        if amount < 1024 or unit == "GB":
            return f"{byte_count} B" if unit == "B" else f"{number(amount, 1)} {unit}"
        amount /= 1024
    raise AssertionError("unreachable")


Zone = Literal["WIB", "WITA", "WIT"]
_ZONES: dict[str, timezone] = {
    name: timezone(timedelta(hours=hours), name) for name, hours in (("WIB", 7), ("WITA", 8), ("WIT", 9))
}
"""Indonesia's three zones; none keeps daylight saving, so a fixed offset is exact (and needs no tzdata)."""


def when(moment: datetime | None, zone: Zone = "WIB") -> str:
    """A stored time (UTC; SQLite gives it back naive) in the reader's zone: "07-12-2026 21:05 WIB"."""
    if moment is None:
        return "–"
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(_ZONES[zone]).strftime("%d-%m-%Y %H:%M ") + zone


_MONTHS = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)  # fmt: skip


def date_long(moment: datetime, zone: Zone = "WIB") -> str:
    """A date as a letter writes it: "7 Desember 2026" (the day in the reader's zone)."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    local = aware.astimezone(_ZONES[zone])
    return f"{local.day} {_MONTHS[local.month - 1]} {local.year}"


_ACTORS = {"system:screening": "Netra (pemeriksaan ulang otomatis)"}


def actor(name: str | None) -> str:
    """An audit actor as people say it: "user:siti" -> "siti", "key:ab12" -> "kunci API ab12…",
    "cli:demo" -> "baris perintah (demo)"."""
    if not name:
        return "–"
    if name in _ACTORS:
        return _ACTORS[name]
    kind, _, who = name.partition(":")
    if kind == "user":
        return who
    if kind == "key":
        return f"kunci API {who}…"
    if kind == "cli":
        return f"baris perintah ({who})" if who else "baris perintah"
    if kind == "public":
        return "warga (Cek NIK)"
    if kind == "system":
        return f"Netra ({who})"
    return name


def _date(match: re.Match[str], first: int) -> str:
    year, month, day = match.group(first), match.group(first + 1), match.group(first + 2)
    return f"{day}-{month}-{year}"


def _why(text: str) -> str:
    return _WHY.get(text, text.replace("_", " "))


def _rule(label: str) -> str:
    return _RULES.get(label, label.replace("->", "→"))


_Render = Callable[[re.Match[str]], str]

_DETAILS: tuple[tuple[re.Pattern[str], _Render], ...] = tuple(
    (re.compile(pattern), render)
    for pattern, render in (
        (r"identical NIK (\S+)", lambda m: f"NIK sama persis ({m[1]})"),
        (
            r"first 15 digits agree; the (roster|list) NIK "
            r"(came from a numeric cell and ends in 0|ends in 0), so its last digit may have been lost "
            r"\(Excel keeps 15 significant digits\)",
            lambda m: (
                f"15 digit pertama sama; NIK di {_SIDES[m[1]]} "
                + ("berasal dari sel angka dan berakhir 0" if m[2].startswith("came") else "berakhir 0")
                + ", jadi digit terakhirnya mungkin hilang (Excel hanya menyimpan 15 digit)"
            ),
        ),
        (
            r"one substitution at position (\d+) \((\S+) on the roster\)",
            lambda m: f"satu digit berbeda pada posisi {m[1]} ({m[2]} di daftar ASN)",
        ),
        (
            r"adjacent digits swapped at positions (\d+)-(\d+) \((\S+)\)",
            lambda m: f"dua digit bersebelahan bertukar tempat pada posisi {m[1]}–{m[2]} ({m[3]})",
        ),
        (
            r"list entry has no usable NIK \((.+)\)",
            lambda m: f"baris daftar pembanding tidak memuat NIK yang dapat dipakai ({_why(m[1])})",
        ),
        (
            r"roster NIK is unusable \((.+)\); found through the NIP",
            lambda m: f"NIK di daftar ASN tidak dapat dipakai ({_why(m[1])}); ditemukan melalui NIP",
        ),
        (r"birth date: not available on both sides", lambda _: "tidak tersedia di kedua daftar"),
        (
            rf"{_DATE} on the list and in the (NIP|roster NIK)",
            lambda m: f"{_date(m, 1)} di daftar pembanding dan pada {_SOURCES[m[4]]}",
        ),
        (
            rf"list {_DATE}, (NIP|roster NIK) {_DATE}",
            lambda m: f"daftar pembanding {_date(m, 1)}, {_SOURCES[m[4]]} {_date(m, 5)}",
        ),
        (
            rf"{_DATE} in the NIP and in the list NIK",
            lambda m: f"{_date(m, 1)} pada NIP dan pada NIK daftar pembanding",
        ),
        (r"not available on both sides", lambda _: "tidak tersedia di kedua daftar"),
        (r"(M|F) on both sides", lambda m: f"{_GENDERS[m[1]]} di kedua daftar"),
        (
            r"list (M|F), roster (M|F)",
            lambda m: f"daftar pembanding {_GENDERS[m[1]]}, daftar ASN {_GENDERS[m[2]]}",
        ),
        (
            r"(M|F) in the NIP and in the list NIK",
            lambda m: f"{_GENDERS[m[1]]} pada NIP dan pada NIK daftar pembanding",
        ),
        (
            r"list NIK in scientific notation \((\S+)\): Excel kept only its first digits, the district "
            r"(\S+), which the roster NIK (\S+) shares",
            lambda m: (
                f"NIK di daftar pembanding dalam notasi ilmiah ({m[1]}): Excel hanya menyisakan angka "
                f"depannya, kecamatan {m[2]}, yang sama dengan NIK daftar ASN {m[3]}"
            ),
        ),
        (
            r"district (\S+) shown by the (roster|list) NIK in scientific notation \((\S+)\) "
            r"and in the (roster|list) NIK",
            lambda m: (
                f"kecamatan {m[1]} terbaca pada NIK {_SIDES[m[2]]} yang dalam notasi ilmiah ({m[3]}) "
                f"dan pada NIK {_SIDES[m[4]]}"
            ),
        ),
        (
            r"regency (\d{4}) on the list and in the roster NIK",
            lambda m: f"kabupaten/kota {m[1]} di daftar pembanding dan pada NIK daftar ASN",
        ),
        (
            r"(PNS|PPPK|None) NIP birth date and gender agree with the list NIK",
            lambda m: (
                "tanggal lahir dan jenis kelamin pada NIP"
                + ("" if m[1] == "None" else f" {m[1]}")
                + " sesuai dengan NIK daftar pembanding"
            ),
        ),
    )
)

_NAME_NOTES: tuple[tuple[re.Pattern[str], _Render], ...] = tuple(
    (re.compile(pattern), render)
    for pattern, render in (
        (r"similarity ([\d.]+)", lambda m: f"kemiripan {number(float(m[1]))}"),
        (r"titles removed: (.+)", lambda m: f"gelar diabaikan: {m[1]}"),
        (
            r"spellings unified: (.+)",
            lambda m: "ejaan disamakan: " + ", ".join(_rule(r) for r in m[1].split(", ")),
        ),
        (
            r"variants: (.+)",
            lambda m: "variasi nama: " + ", ".join(v.replace("=", " = ") for v in m[1].split(", ")),
        ),
        (r"bin/binti suffix dropped: (.+)", lambda m: f"bin/binti dan nama ayah hanya di satu nama: {m[1]}"),
        (r"written as one word: (.+)", lambda m: f"ditulis sebagai satu kata: {m[1]}"),
        (r"initial (\S+) = (.+)", lambda m: f"inisial {m[1]} = {m[2]}"),
        (r"only in one name: (.+)", lambda m: f"hanya ada di satu nama: {m[1]}"),
        (r"only an initial agrees", lambda _: "hanya inisial yang sama, bukan kata nama"),
        (r"tokens that disagree: (.+)", lambda m: f"kata yang berbeda: {m[1]}"),
        (r"(\S+)~(\S+) ([\d.]+)", lambda m: f"{m[1]} ≈ {m[2]} (kemiripan {number(float(m[3]))})"),
    )
)


def _render(text: str, table: Iterable[tuple[re.Pattern[str], _Render]]) -> str | None:
    for pattern, render in table:
        found = pattern.fullmatch(text)
        if found:
            return render(found)
    return None


def detail_or_none(name: str, detail: str) -> str | None:
    """``detail`` of feature ``name`` in Indonesian, or ``None`` when the wording is not known here."""
    if name != "name":
        return _render(detail, _DETAILS)
    parts = [_render(part, _NAME_NOTES) for part in detail.split("; ")]
    if any(part is None for part in parts):
        return None
    return "; ".join(part for part in parts if part is not None)


def detail(name: str, text: str) -> str:
    """``text`` in Indonesian where known, else as the matcher wrote it."""
    return detail_or_none(name, text) or text


def feature(item: Mapping[str, Any]) -> str:
    """One stored feature (``{"name", "outcome", "detail"}``) as "Nama: mirip — kemiripan 0,97"."""
    name, outcome = str(item["name"]), str(item["outcome"])
    return (
        f"{FEATURES.get(name, name)}: {OUTCOMES.get(outcome, outcome)} — {detail(name, str(item['detail']))}"
    )


def explanation(kind: str, match_class: str, score: float, features: Sequence[Mapping[str, Any]]) -> str:
    """A finding's explanation in one line, as the web's exports carry it."""
    head = f"{KINDS.get(kind, kind)} ({CLASSES.get(match_class, match_class)}, skor {number(score)})"
    return head + ": " + "; ".join(feature(item) for item in features)
