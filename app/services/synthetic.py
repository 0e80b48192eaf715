"""Labelled synthetic rosters and lists: fake people, never real people's data — the uniform generator.

It lives with the service, not in :mod:`matching` (the library a user imports), because ``netra demo``
builds its data set from it; the tests and ``bench.quality`` use it for planted cases of every kind and
planted decoys. Its people come from all over Indonesia, so near-NIK neighbours with other names are rare:
data shaped like real files, where they are common, comes from :mod:`bench.realistic`.

Names are drawn from pools of common Indonesian name words (Javanese, Sundanese, Arabic-origin, Balinese,
Batak, Chinese-Indonesian) so that collisions are frequent, as in real lists. NIKs use real Kemendagri
district codes and birth dates (+40 for women); NIPs agree with them.

:func:`generate` plants every finding kind and every decoy the matcher must not report, plus noise (titles,
old spellings, Arabic variants, initials, dropped middle names, bin/binti, case, Excel-damaged NIKs, NIK
formatting). Its :class:`Synthetic` result carries the ground truth.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache

from matching.records import ListEntry, RosterPerson
from matching.regions import _table

__all__ = [
    "DECOYS",
    "KINDS_PLANTED",
    "Person",
    "Synthetic",
    "generate",
    "name_variant",
    "nik_noise",
    "one_digit_error",
    "random_person",
    "scientific",
]

KINDS_PLANTED = (
    "nik_exact",
    "nik_match_name_mismatch",
    "nik_one_digit",
    "nik_truncated",
    "name_birth_region",
    "nip_birth_name",
    "nik_district_name",
)
DECOYS = (
    "common_name_other_person",
    "near_nik_other_name",
    "no_nik_same_name_other_birth",
    "twin_near_nik",
    "twin_no_nik_same_region",
    "sibling_near_nik",
    "same_birth_common_name_other_region",
    "placeholder_nik_same_name",
    "damaged_nik_common_name_same_district",
)

# fmt: off
_MALE = (
    "Muhammad", "Ahmad", "Abdul", "Agus", "Budi", "Bambang", "Slamet", "Sutrisno", "Joko", "Eko", "Hendra",
    "Rizki", "Fajar", "Dedi", "Heru", "Wahyu", "Wahyudi", "Hadi", "Yusuf", "Ibrahim", "Ismail", "Hasan",
    "Umar", "Arif", "Ridwan", "Rahmat", "Hidayat", "Iwan", "Irwan", "Andi", "Rudi", "Rizal", "Taufik",
    "Syamsul", "Zainal", "Fauzi", "Iskandar", "Kurniawan", "Setiawan", "Nugroho", "Santoso", "Wibowo",
    "Prasetyo", "Susilo", "Sugiarto", "Suparman", "Supriyadi", "Supriyanto", "Suyanto", "Haryanto",
    "Hartono", "Widodo", "Gunawan", "Firmansyah", "Ramadhan", "Hakim", "Ilham", "Maulana", "Saputra",
    "Pratama", "Syahputra", "Darmawan", "Kusnadi", "Sukardi", "Suherman", "Sutarno", "Mulyadi", "Yanto",
    "Dimas", "Andika", "Cahyo", "Teguh", "Purnomo", "Sudarsono", "Suryadi", "Wijaya", "Kusuma", "Halim",
    "Jaya", "Sujono", "Subagyo", "Hermawan", "Aditya", "Bayu", "Dani", "Galih", "Yoga", "Reza", "Fikri",
)
_FEMALE = (
    "Siti", "Nur", "Sri", "Dewi", "Nurhayati", "Sulastri", "Wahyuni", "Rahayu", "Lestari", "Rina", "Yuni",
    "Yanti", "Sari", "Susanti", "Handayani", "Kurniasih", "Rahmawati", "Hasanah", "Aminah", "Khadijah",
    "Aisyah", "Maryam", "Fitri", "Fitria", "Indah", "Kartika", "Pratiwi", "Wulandari", "Anggraini",
    "Yulianti", "Yuliana", "Sumarni", "Suryani", "Mulyani", "Nurjanah", "Anisa", "Novita", "Oktaviani",
    "Puspita", "Ratna", "Rini", "Sinta", "Tuti", "Endang", "Sumiati", "Suharti", "Ningsih", "Astuti",
    "Utami", "Safitri", "Nurlela", "Halimah", "Fatimah", "Putri", "Ayu", "Permata", "Purnamasari",
    "Kusumawati", "Setyaningsih", "Marlina", "Herlina", "Yusnita", "Juwita", "Cahyani", "Rosita", "Melati",
    "Eka", "Dwi", "Tri", "Wati", "Suciati", "Martini", "Sukarsih", "Widyastuti", "Damayanti", "Ratnasari",
)
_RARE = (
    "Kusumaningrum", "Hadiwijaya", "Tjokroaminoto", "Wirjosoedarmo", "Sastrowardoyo", "Mangunkusumo",
    "Prawirodirdjo", "Notonegoro", "Suryaatmadja", "Djojohadikusumo", "Partowidjojo", "Kartasasmita",
    "Sumantri", "Brotodiningrat", "Wiraatmadja", "Tanjung", "Simatupang", "Hutagalung", "Panjaitan",
    "Pangaribuan", "Nainggolan", "Rangkuti", "Daulay", "Batubara", "Matondang", "Lumbantobing",
    "Tampubolon", "Silalahi", "Sitompul", "Napitupulu", "Purba", "Saragih", "Damanik", "Girsang",
    "Wiradinata", "Natadiningrat", "Soemawinata", "Rachmatullah", "Nasrullah", "Fathurrahman", "Zulkifli",
    "Baharuddin", "Hasanuddin", "Syamsuddin", "Nuruddin", "Jamaluddin", "Kamaluddin", "Tirtayasa",
    "Gondokusumo", "Sosrodiharjo", "Adiwinata", "Handoyo", "Gunadi", "Liem", "Tanoto", "Halim", "Wongso",
    "Santika", "Anggoro", "Wicaksono", "Prabowo", "Laksono", "Budiman", "Sasongko", "Nirmala", "Kinanti",
    "Larasati", "Anindya", "Pramesti", "Ayuningtyas", "Rahmadani", "Saraswati", "Paramitha", "Anjani",
    "Ma'ruf", "Nu'man", "Mu'arif", "Abdurrahman", "Abdurrahim", "Nurhidayah", "Nurjannah", "Sjahrir",
    "Tjokrodiningrat", "Chaeruddin", "Rizky", "Yudhistira",
)
_BATAK = ("Siregar", "Nasution", "Lubis", "Harahap", "Simanjuntak", "Sihombing", "Hutapea", "Sinaga",
          "Situmorang", "Tambunan", "Manurung", "Ginting", "Tarigan", "Sembiring")
_BALI_ORDER = ("Wayan", "Putu", "Gede", "Made", "Kadek", "Nyoman", "Komang", "Ketut")
_BALI_NAMES = ("Sudarma", "Suarta", "Wirawan", "Astawa", "Sukadana", "Mertayasa", "Adnyana", "Widiantara",
               "Sumerta", "Yasa", "Artini", "Sukarini", "Suastini", "Wulandari", "Dharmayanti", "Ariani")
_PREFIX_TITLES = ("Drs.", "Dra.", "Dr.", "Ir.", "H.", "Hj.", "Prof. Dr.", "dr.", "drg.", "Ns.", "KH.")
_DEGREES = ("S.Pd.", "S.E.", "S.H.", "S.Kom.", "S.Sos.", "S.IP.", "S.T.", "S.Kep.", "M.Si.", "M.M.",
            "M.Pd.", "M.Kes.", "M.H.", "A.Md.", "A.Md.Kep.", "S.Pd.I.", "Lc.", "MBA", "Ph.D", "SE", "S.Ag.")
# fmt: on

# New spelling -> old spelling (1947 and 1972 reforms), applied to produce records typed the old way.
_OLD_SPELLING = (("u", "oe"), ("j", "dj"), ("c", "tj"), ("y", "j"), ("ny", "nj"), ("sy", "sj"), ("kh", "ch"))
_ARABIC = {
    "Muhammad": ("Mohammad", "Muhamad", "Mochamad", "Moch.", "Moh.", "Muh.", "M.", "Mochammad", "Mohd."),
    "Siti": ("St.", "Sitti"),
    "Ahmad": ("Achmad", "Akhmad"),
    "Abdul": ("Abd.",),
    "Nur": ("Noor",),
    "Aisyah": ("Aisah", "Aisha"),
}


_VARIANT_OPS = (
    "titles",
    "spelling",
    "arabic",
    "case",
    "initial",
    "drop",
    "bin",
    "typo",
    "join",
    "degree",
    "swap",
    "spaces",
    "split",
    "address",
    "free_spelling",
    "hyphen",
    "bali_abbrev",
)
# Joined and split forms of the same name ("Abdurrahman" / "Abdul Rahman", "Nurhidayah" / "Nur Hidayah").
_SPLITS = {
    "Abdurrahman": "Abdul Rahman",
    "Abdurrahim": "Abdul Rahim",
    "Nurhidayah": "Nur Hidayah",
    "Nurjannah": "Nur Jannah",
    "Nurhayati": "Nur Hayati",
    "Nurlela": "Nur Lela",
    "Nurjanah": "Nur Janah",
}
# Free variations that no reform explains but records are full of.
_FREE_SPELLING = (("i", "y"), ("ai", "ae"), ("f", "ph"), ("u", "o"), ("s", "ss"), ("ti", "thi"))
_BALI_ABBREV = {
    "Gusti": "Gst.",
    "Ngurah": "Ngr.",
    "Ketut": "Kt.",
    "Wayan": "Wyn.",
    "Nyoman": "Nym.",
    "Putu": "Pt.",
    "Gede": "Gd.",
    "Ida Bagus": "IB",
    "Anak Agung": "A.A.",
}
_ADDRESS = ("Bapak", "Bpk.", "Ibu", "Sdr.", "Ny.")


@dataclass(frozen=True, slots=True)
class Person:
    """A synthetic person: the truth behind roster and list records."""

    name: str
    gender: str
    birth_date: date
    district: str
    serial: int

    @property
    def nik(self) -> str:
        """The NIK Dukcapil would issue (day + 40 for women)."""
        day = self.birth_date.day + (40 if self.gender == "F" else 0)
        return (
            f"{self.district}{day:02d}{self.birth_date.month:02d}{self.birth_date.year % 100:02d}"
            f"{self.serial:04d}"
        )

    def nip(self, rng: random.Random) -> str:
        """A PNS or PPPK NIP consistent with the birth date and gender."""
        g = "1" if self.gender == "M" else "2"
        year = self.birth_date.year + rng.randint(22, 35)
        if rng.random() < 0.25:
            return f"{self.birth_date:%Y%m%d}{min(year, 2024)}2{rng.randint(1, 3)}{g}{rng.randint(1, 9):03d}"
        return f"{self.birth_date:%Y%m%d}{min(year, 2023)}{rng.randint(1, 12):02d}{g}{rng.randint(1, 5):03d}"


@dataclass(frozen=True)
class Synthetic:
    """Generated data and its ground truth.

    Attributes
    ----------
    roster : tuple of RosterPerson
    entries : tuple of ListEntry
    labels : dict
        ``(roster_ref, list_ref) -> kind`` for every planted finding.
    decoys : dict
        ``(roster_ref, list_ref) -> decoy type`` for pairs that must not be reported.
    """

    roster: tuple[RosterPerson, ...]
    entries: tuple[ListEntry, ...]
    labels: dict[tuple[int | str, int | str], str] = field(default_factory=dict)
    decoys: dict[tuple[int | str, int | str], str] = field(default_factory=dict)


@cache
def _districts() -> tuple[str, ...]:
    return tuple(sorted(c for c, r in _table().items() if r.level == 3))


def random_person(rng: random.Random, *, gender: str | None = None, common: bool = False) -> Person:
    """Draw a synthetic person.

    Parameters
    ----------
    rng : random.Random
    gender : str or None, keyword-only
    common : bool, keyword-only
        Use only very common name words (to provoke collisions).

    Examples
    --------
    >>> p = random_person(random.Random(1))
    >>> len(p.nik), p.nik[:6] == p.district
    (16, True)
    """
    g = gender or rng.choice("MF")
    district = rng.choice(_districts())
    birth = date(1960, 1, 1) + timedelta(days=rng.randrange(0, 365 * 42))
    serial = rng.choice((1, 1, 1, 2, 2, 3, 4, 5)) if rng.random() < 0.7 else rng.randint(1, 2500)
    return Person(_random_name(rng, g, district, common), g, birth, district, serial)


def _random_name(rng: random.Random, gender: str, district: str, common: bool) -> str:
    pool = _MALE if gender == "M" else _FEMALE
    if district.startswith("51") and not common:
        prefix = "I" if gender == "M" else "Ni"
        middle = rng.choice(_BALI_ORDER)
        if gender == "F" and rng.random() < 0.5:
            middle = "Luh " + middle
        return f"{prefix} {middle} {rng.choice(_BALI_NAMES)}"
    if common:
        return " ".join(rng.sample(pool[:20], rng.choice((1, 2, 2))))
    if district.startswith("12") and rng.random() < 0.6:
        return f"{rng.choice(pool)} {rng.choice(pool + _RARE)} {rng.choice(_BATAK)}"
    n = rng.choice((1, 2, 2, 2, 3, 3))
    words = [rng.choice(pool)]
    for _ in range(n - 1):
        words.append(rng.choice(pool + _RARE if rng.random() < 0.5 else pool))
    return " ".join(dict.fromkeys(words))


def _old_spelling(word: str, rng: random.Random) -> str:
    lower = word.lower()
    # One pass over the word, so a new spelling is never respelled twice ("y" -> "j" -> "dj").
    out, i = [], 0
    table = dict(_OLD_SPELLING)
    while i < len(lower):
        two, one = lower[i : i + 2], lower[i]
        if two in table and rng.random() < 0.7:
            out.append(table[two])
            i += 2
        elif one in table and rng.random() < 0.7:
            out.append(table[one])
            i += 1
        else:
            out.append(one)
            i += 1
    lower = "".join(out)
    return lower.capitalize() if word[:1].isupper() else lower


def name_variant(
    name: str, rng: random.Random, *, strength: int = 2, ops: tuple[str, ...] = _VARIANT_OPS
) -> str:
    """Write the same person's name as another source would.

    Parameters
    ----------
    name : str
    rng : random.Random
    strength : int, keyword-only
        How many variations to apply (titles, old spelling, Arabic variant, initial, dropped middle name,
        bin/binti, case, a typo, joined words).
    ops : tuple of str, keyword-only
        The variations to choose from (default: all).

    Examples
    --------
    >>> name_variant("Muhammad Rizki Saputra", random.Random(3)) != "Muhammad Rizki Saputra"
    True
    """
    words = name.split()
    chosen = rng.sample(ops, min(strength, len(ops)))
    for op in chosen:
        if op == "spelling":
            i = rng.randrange(len(words))
            words[i] = _old_spelling(words[i], rng)
        elif op == "arabic":
            for i, w in enumerate(words):
                if w in _ARABIC:
                    words[i] = rng.choice(_ARABIC[w])
                    break
        elif op == "initial" and len(words) >= 2:
            i = rng.randrange(1, len(words)) if words[0] not in ("I", "Ni") else len(words) - 1
            if words[0] in ("Muhammad",) and rng.random() < 0.5:
                i = 0
            words[i] = words[i][0].upper() + "."
        elif op == "drop" and len(words) >= 3:
            del words[rng.randrange(1, len(words) - 1)]
        elif op == "typo":
            i = max(range(len(words)), key=lambda k: len(words[k]))
            w = words[i]
            if len(w) >= 7:
                p = rng.randrange(2, len(w) - 1)
                words[i] = w[:p] + rng.choice("aiueo") + w[p + 1 :]
        elif op == "join" and len(words) >= 2 and words[0] in ("Nur", "Sri", "Siti", "Abdul"):
            words[0:2] = [words[0] + words[1].lower()]
        elif op == "split":
            words = " ".join(_SPLITS.get(w, w) for w in words).split()
        elif op == "swap" and len(words) >= 2:
            # Surname first ("Siregar Budi"), as some registers sort them.
            words = [words[-1], *words[:-1]]
        elif op == "free_spelling":
            i = rng.randrange(len(words))
            for old, new in rng.sample(_FREE_SPELLING, len(_FREE_SPELLING)):
                if old in words[i][1:-1] and len(words[i]) >= 5:
                    k = words[i].index(old, 1)
                    words[i] = words[i][:k] + new + words[i][k + len(old) :]
                    break
        elif op == "bali_abbrev":
            text = " ".join(words)
            for full, short in _BALI_ABBREV.items():
                if full in text:
                    text = text.replace(full, short, 1)
                    break
            words = text.split()
    text = " ".join(words)
    if "hyphen" in chosen and len(words) >= 2:
        text = "-".join(words[:2]) + (" " + " ".join(words[2:]) if len(words) > 2 else "")
    if "spaces" in chosen:
        text = "  " + text.replace(" ", rng.choice(("  ", " ", "   "))) + " "
    if "address" in chosen:
        text = f"{rng.choice(_ADDRESS)} {text}"
    if "titles" in chosen:
        text = f"{rng.choice(_PREFIX_TITLES)} {text}"
    if "degree" in chosen or ("titles" in chosen and rng.random() < 0.5):
        text = text + ", " + ", ".join(rng.sample(_DEGREES, rng.choice((1, 1, 2))))
    if "bin" in chosen:
        text += f" {'bin' if rng.random() < 0.5 else 'binti'} {rng.choice(_MALE)}"
    if "case" in chosen:
        text = rng.choice((text.upper(), text.lower(), text.title()))
    return text


def scientific(nik: str) -> str:
    """A NIK as Excel's General format shows a number cell: six significant digits, rounded, trailing
    zeros dropped ("3.20426E+15", "3.2041E+15")."""
    return f"{float(nik):.6G}"


def nik_noise(nik: str, rng: random.Random) -> str:
    """A NIK as one in seven records writes it: spaced, quoted, dotted, with ".0"."""
    kind = rng.random()
    if kind < 0.05:
        return f"{nik[:4]} {nik[4:8]} {nik[8:12]} {nik[12:]}"
    if kind < 0.08:
        return f"'{nik}"
    if kind < 0.10:
        return f"{nik}.0"
    if kind < 0.12:
        return f"{nik[:6]}-{nik[6:12]}-{nik[12:]}"
    if kind < 0.13:
        return f'"{nik}"'
    if kind < 0.14:
        return f" {nik} "
    if kind < 0.15:
        return f"{nik[:4]}.{nik[4:8]}.{nik[8:12]}.{nik[12:]}"
    return nik


def one_digit_error(nik: str, rng: random.Random) -> str:
    """The NIK with one digit mistyped or two adjacent ones swapped (never reading as Excel's truncation)."""
    while True:
        if rng.random() < 0.6:
            p = rng.randrange(16)
            digit = rng.choice([d for d in "0123456789" if d != nik[p]])
            out = nik[:p] + digit + nik[p + 1 :]
        else:
            p = rng.randrange(15)
            if nik[p] == nik[p + 1]:
                continue
            out = nik[:p] + nik[p + 1] + nik[p] + nik[p + 2 :]
        # Planted errors must not collide with the Excel-truncation kind: a last digit that differs where one
        # side ends in 0 reads as truncation (matching.matcher), with or without a numeric-cell flag.
        if out[-1] == nik[-1] or (out[-1] != "0" and nik[-1] != "0"):
            return out


def _different_name(person: Person, rng: random.Random) -> str:
    while True:
        other = _random_name(rng, rng.choice("MF"), person.district, False)
        if not set(other.lower().split()) & set(person.name.lower().split()):
            return other


def _iter_ids(start: int) -> Iterator[int]:
    n = start
    while True:
        yield n
        n += 1


def generate(
    seed: int = 0,
    *,
    roster_size: int = 2000,
    list_size: int = 20000,
    plant_per_kind: int = 120,
    decoys_per_type: int = 150,
    no_nik_rate: float = 0.03,
    excel_damage_rate: float = 0.01,
) -> Synthetic:
    """Generate a roster, a list and the ground truth.

    Parameters
    ----------
    seed : int
    roster_size, list_size : int, keyword-only
        Background sizes (planted rows are added on top).
    plant_per_kind : int, keyword-only
        Planted true findings per kind.
    decoys_per_type : int, keyword-only
        Planted decoys per decoy type.
    no_nik_rate, excel_damage_rate : float, keyword-only
        Share of background list rows without NIK / with an Excel-damaged NIK.

    Returns
    -------
    Synthetic

    Examples
    --------
    >>> data = generate(1, roster_size=50, list_size=100, plant_per_kind=2, decoys_per_type=2)
    >>> sorted(set(data.labels.values())) == sorted(KINDS_PLANTED)
    True
    """
    rng = random.Random(seed)
    roster: list[RosterPerson] = []
    entries: list[ListEntry] = []
    labels: dict[tuple[int | str, int | str], str] = {}
    decoys: dict[tuple[int | str, int | str], str] = {}
    rid = _iter_ids(1)
    lid = _iter_ids(1)
    used_niks: set[str] = set()

    def person(common: bool = False) -> Person:
        while True:
            p = random_person(rng, common=common)
            if p.nik not in used_niks:
                used_niks.add(p.nik)
                return p

    def add_roster(
        p: Person, *, nik: str | None = None, numeric: bool = False, name: str | None = None
    ) -> int:
        ref = next(rid)
        nip = p.nip(rng) if rng.random() < 0.9 else None
        roster.append(
            RosterPerson(ref, p.nik if nik is None else nik, name or _roster_name(p, rng), nip, numeric)
        )
        return ref

    def add_entry(
        p: Person, name: str, *, nik: str | None, numeric: bool = False, stated: bool = True
    ) -> int:
        ref = next(lid)
        birth = p.birth_date if stated and rng.random() < 0.8 else None
        regency = p.district[:4] if stated and rng.random() < 0.8 else None
        gender = p.gender if rng.random() < 0.8 else None
        entries.append(ListEntry(ref, nik, name, birth, regency, gender, numeric))
        return ref

    # Background roster and list: mostly unrelated people with many common names.
    for _ in range(roster_size):
        add_roster(person(common=rng.random() < 0.3))
    for _ in range(list_size):
        p = person(common=rng.random() < 0.3)
        r = rng.random()
        if r < no_nik_rate:
            add_entry(p, _list_name(p, rng), nik=rng.choice((None, "", scientific(p.nik), p.nik[:15])))
        elif r < no_nik_rate + excel_damage_rate:
            add_entry(p, _list_name(p, rng), nik=p.nik[:15] + "0", numeric=True)
        else:
            add_entry(p, _list_name(p, rng), nik=nik_noise(p.nik, rng))

    for _ in range(plant_per_kind):
        # Same NIK, variant name.
        p = person(common=rng.random() < 0.4)
        r = add_roster(p)
        labels[(r, add_entry(p, name_variant(p.name, rng, strength=rng.randint(1, 3)), nik=p.nik))] = (
            "nik_exact"
        )
        # Same NIK, someone else's name ("NIK dicatut").
        p = person()
        r = add_roster(p)
        other = _different_name(p, rng)
        labels[(r, add_entry(p, other, nik=nik_noise(p.nik, rng), stated=False))] = "nik_match_name_mismatch"
        # One digit wrong.
        p = person(common=rng.random() < 0.3)
        r = add_roster(p)
        labels[(r, add_entry(p, name_variant(p.name, rng, strength=1), nik=one_digit_error(p.nik, rng)))] = (
            "nik_one_digit"
        )
        # Excel truncation on either side.
        p = person()
        while p.nik.endswith("0"):
            p = person()
        damaged = p.nik[:15] + "0"
        if rng.random() < 0.5:
            r = add_roster(p)
            e = add_entry(p, name_variant(p.name, rng, strength=1), nik=damaged, numeric=True)
        else:
            r = add_roster(p, nik=damaged, numeric=True)
            e = add_entry(p, name_variant(p.name, rng, strength=1), nik=p.nik)
        labels[(r, e)] = "nik_truncated"
        # List entry without a usable NIK: name + birth date + regency.
        p = person(common=rng.random() < 0.3)
        r = add_roster(p)
        ref = next(lid)
        bad = rng.choice((None, "", scientific(p.nik), p.nik[:14], p.nik + "1", "-"))
        entries.append(
            ListEntry(ref, bad, name_variant(p.name, rng, strength=1), p.birth_date, p.district[:4], p.gender)
        )
        labels[(r, ref)] = "name_birth_region"
        # Roster NIK unusable: found through the NIP.
        p = person(common=rng.random() < 0.3)
        ref = next(rid)
        bad = rng.choice(("", scientific(p.nik), p.nik[:15], "2222222222222222"))
        roster.append(RosterPerson(ref, bad, _roster_name(p, rng), p.nip(rng)))
        labels[(ref, add_entry(p, name_variant(p.name, rng, strength=1), nik=p.nik))] = "nip_birth_name"
        # List NIK in scientific notation, no birth date: the district it shows and a full name with a rare
        # word (a common one the district holds many times: see the decoy below).
        p = person()
        p = Person(f"{p.name.split()[0]} {rng.choice(_RARE)}", p.gender, p.birth_date, p.district, p.serial)
        r = add_roster(p)
        ref = next(lid)
        gender = p.gender if rng.random() < 0.5 else None
        entries.append(ListEntry(ref, scientific(p.nik), _list_name(p, rng), None, None, gender))
        labels[(r, ref)] = "nik_district_name"

    for _ in range(decoys_per_type):
        # Same common name, different person: different NIK and birth date, maybe the same regency.
        p = person(common=True)
        r = add_roster(p, name=p.name)
        q = person(common=True)
        q = Person(p.name, p.gender, q.birth_date, rng.choice((p.district, q.district)), q.serial)
        if q.nik != p.nik and q.birth_date != p.birth_date:
            used_niks.add(q.nik)
            decoys[(r, add_entry(q, p.name, nik=q.nik))] = "common_name_other_person"
        # NIK one digit away, clearly different name (a neighbour with the next serial, a typo onto someone).
        p = person()
        r = add_roster(p)
        near = one_digit_error(p.nik, rng)
        if near not in used_niks:
            used_niks.add(near)
            q = Person(_different_name(p, rng), rng.choice("MF"), p.birth_date, p.district, p.serial)
            decoys[(r, add_entry(q, q.name, nik=near, stated=False))] = "near_nik_other_name"
        # No NIK on the list, same common name and regency, different birth date.
        p = person(common=True)
        r = add_roster(p, name=p.name)
        other_birth = p.birth_date + timedelta(days=rng.choice((-1, 1)) * rng.randint(1, 4000))
        ref = next(lid)
        entries.append(ListEntry(ref, None, p.name, other_birth, p.district[:4], p.gender))
        decoys[(r, ref)] = "no_nik_same_name_other_birth"

    for _ in range(decoys_per_type):
        # Twins: same birth date and district, the next serial (a NIK one digit away), the family name shared,
        # another given name. The list states nothing that tells them apart.
        p = person()
        surname = rng.choice(_BATAK + _RARE[:20])
        p = Person(f"{p.name.split()[0]} {surname}", p.gender, p.birth_date, p.district, p.serial % 9 + 1)
        if p.nik in used_niks:
            continue
        used_niks.add(p.nik)
        r = add_roster(p, name=p.name)
        twin_gender = rng.choice("MF")
        pool = _MALE if twin_gender == "M" else _FEMALE
        given = rng.choice([w for w in pool if w != p.name.split()[0]])
        twin = Person(f"{given} {surname}", twin_gender, p.birth_date, p.district, p.serial + 1)
        if twin.nik not in used_niks:
            used_niks.add(twin.nik)
            decoys[(r, add_entry(twin, twin.name, nik=twin.nik, stated=False))] = "twin_near_nik"
        # A sibling born a few years later in the same district with the same serial: the NIK differs in one
        # year digit, the family name is shared, the given name is not.
        year = p.birth_date.year + rng.choice((1, 2, 3, 4, 5, 6))
        if year // 10 == p.birth_date.year // 10 and not (p.birth_date.month == 2 and p.birth_date.day == 29):
            sib = Person(
                f"{given} {surname}", twin_gender, p.birth_date.replace(year=year), p.district, p.serial
            )
            if sib.nik not in used_niks:
                used_niks.add(sib.nik)
                decoys[(r, add_entry(sib, sib.name, nik=sib.nik, stated=False))] = "sibling_near_nik"
        # ... and a twin listed without NIK: same birth date and regency, family name shared.
        ref = next(lid)
        entries.append(ListEntry(ref, None, twin.name, p.birth_date, p.district[:4], None))
        decoys[(r, ref)] = "twin_no_nik_same_region"
        # Same birth date and the same common name, listed without NIK in another regency.
        p = person(common=True)
        r = add_roster(p, name=p.name)
        q = person(common=True)
        if q.district[:4] != p.district[:4]:
            ref = next(lid)
            entries.append(ListEntry(ref, "", p.name, p.birth_date, q.district[:4], p.gender))
            decoys[(r, ref)] = "same_birth_common_name_other_region"
        # A placeholder NIK with the roster person's name: nobody's NIK, no evidence.
        p = person()
        r = add_roster(p, name=p.name)
        bad = rng.choice(("2222222222222222", "0000000000000000", "1234567890123456", "9999999999999999"))
        ref = next(lid)
        entries.append(ListEntry(ref, bad, p.name, None, None, p.gender))
        decoys[(r, ref)] = "placeholder_nik_same_name"
        # A namesake with a common name in the same district, listed with a NIK in scientific notation.
        p = person(common=True)
        r = add_roster(p, name=p.name)
        q = person(common=True)
        q = Person(p.name, p.gender, q.birth_date, p.district, q.serial)
        if q.nik not in used_niks:
            used_niks.add(q.nik)
            ref = next(lid)
            entries.append(ListEntry(ref, scientific(q.nik), p.name, None, None, None))
            decoys[(r, ref)] = "damaged_nik_common_name_same_district"

    rng.shuffle(entries)
    rng.shuffle(roster)
    return Synthetic(tuple(roster), tuple(entries), labels, decoys)


def _roster_name(p: Person, rng: random.Random) -> str:
    # HR data carries degrees and titles more often than party lists do.
    if rng.random() < 0.4:
        return name_variant(p.name, rng, strength=1, ops=("titles", "degree", "spelling", "arabic", "case"))
    return p.name


def _list_name(p: Person, rng: random.Random) -> str:
    return p.name.upper() if rng.random() < 0.3 else p.name
