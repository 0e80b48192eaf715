"""Data shaped like real files, with the truth behind it, for ``python -m bench.quality``.

The uniform generator (:mod:`app.services.synthetic`) draws people from all over Indonesia with a few
dozen name words: near-NIK neighbours with other names are rare there, so it cannot see the errors real
files provoke. This one draws what the corpus in ``../shared/bench-data`` is shaped like (docs/domain.md):

* regions from the Kemendagri table: the roster concentrated in one kabupaten of 30 districts or more,
  half the list rows from it and most of the rest from its province (on average 0.43 list rows share a
  civil servant's district and birth date, 0.45 in the corpus);
* NIK serials issued in sequence per district and birth date (day + 40 for women), shared by roster and
  lists, so a list row one digit away from a civil servant is usually a neighbour with another name;
* names with Zipf-like frequencies over Javanese, Sundanese, Arabic-origin, Batak and Balinese words, so
  very common names ("Siti Aminah", "Asep", "Nurhayati") collide as they do;
* titles, degrees and initials as HR data writes them on the roster, upper case and old spellings on lists;
* Excel damage on both sides (scientific notation, a zeroed last digit in a numeric cell), NIK noise;
* lists with and without birth date and regency columns.

The truth labels every appearance of a civil servant on a list that some rule could find in principle
(a row with neither a usable NIK nor a birth date nor a district cannot be); everything else found is a
false finding.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import accumulate

from app.services.synthetic import Person, name_variant, nik_noise, one_digit_error, scientific
from matching.records import ListEntry, RosterPerson
from matching.regions import _table

# fmt: off
_MALE = (
    "Muhammad", "Abdul", "Ahmad", "Agus", "Budi", "Eko", "Dedi", "Asep", "Ade", "Endang", "Bambang",
    "Slamet", "Joko", "Hendra", "Rizki", "Fajar", "Heru", "Wahyu", "Hadi", "Yusuf", "Ibrahim", "Ismail",
    "Hasan", "Arif", "Ridwan", "Rahmat", "Iwan", "Rudi", "Rizal", "Taufik", "Dede", "Deden", "Ujang",
    "Cecep", "Yayan", "Jajang", "Dadang", "Suwarno", "Sugeng", "Wawan", "Dodi", "Aep", "Encep", "Iman",
    "Ilham", "Fahmi", "Hamzah", "Kholid", "Yudi", "Tatang", "Ayi", "Usep", "Engkos", "Nanang", "Sutrisno",
    "Mulyono", "Marjuki", "Suparman", "Haryanto", "Hartono", "Triyono", "Gunawan", "Lukman", "Zainal",
)
_FEMALE = (
    "Siti", "Nur", "Sri", "Dewi", "Euis", "Elis", "Neng", "Neneng", "Enok", "Cucu", "Entin", "Iis", "Imas",
    "Yati", "Lilis", "Tati", "Teti", "Nining", "Dedeh", "Ai", "Nurhayati", "Sulastri", "Wahyuni", "Rahayu",
    "Lestari", "Rina", "Yuni", "Yanti", "Sari", "Susanti", "Rahmawati", "Hasanah", "Aminah", "Maryam",
    "Fitri", "Indah", "Kartika", "Wulandari", "Nurjanah", "Mulyati", "Juju", "Popon", "Mustika", "Juli",
    "Rohaeti", "Sartika", "Jubaedah", "Mardiyah", "Muslimah", "Fauziah", "Zulaikha", "Latifah", "Rosita",
)
_SECOND = (
    "Hidayat", "Setiawan", "Kurniawan", "Saputra", "Permana", "Nugraha", "Suryana", "Sopandi", "Sobari",
    "Firmansyah", "Hermawan", "Sumantri", "Suryadi", "Rahman", "Hakim", "Maulana", "Ramdani", "Supriatna",
    "Rahmawati", "Nurjanah", "Hasanah", "Suryani", "Lestari", "Handayani", "Wulandari", "Sartika",
    "Jubaedah", "Aminah", "Sulastri", "Wahyuni", "Susanti", "Nurhasanah", "Maryam", "Mulyani", "Kusmiati",
    "Siregar", "Nasution", "Lubis", "Situmorang", "Simanjuntak", "Tampubolon", "Napitupulu", "Sitorus",
    "Wijaya", "Santoso", "Prabowo", "Wibowo", "Pratama", "Gunadi", "Zulkarnain", "Safrudin", "Ardianto",
    "Kusumaningrum", "Hadiwijaya", "Mangunkusumo", "Wiradinata", "Kartasasmita", "Natadiningrat",
)
_TITLES = ("Drs.", "Dra.", "Dr.", "Ir.", "H.", "Hj.", "dr.", "drg.", "Ns.")
_DEGREES = ("S.Pd.", "S.E.", "S.H.", "S.Kom.", "S.Sos.", "S.IP.", "S.T.", "S.Kep.", "M.Si.", "M.M.",
            "M.Pd.", "M.Kes.", "A.Md.", "A.Md.Kep.", "S.Pd.I.", "S.Ag.", "S.AP.", "S.Ak.", "M.Ak.")
# fmt: on


_COMMON_FULL = (
    ("Siti Aminah", "F"),
    ("Muhammad Rizki", "M"),
    ("Nur Hidayah", "F"),
    ("Sri Wahyuni", "F"),
    ("Agus Setiawan", "M"),
    ("Budi Santoso", "M"),
    ("Siti Fatimah", "F"),
    ("Eko Prasetyo", "M"),
    ("Ahmad Fauzi", "M"),
    ("Sri Rahayu", "F"),
    ("Nurul Fadilah", "F"),
    ("Siti Khadijah", "F"),
    ("Rahmawati", "F"),
    ("Nurhayati", "F"),
    ("Sutrisno", "M"),
    ("Slamet", "M"),
    ("Sulastri", "F"),
    ("Asep Saepudin", "M"),
    ("Dede Kurniawan", "M"),
    ("Euis Sartika", "F"),
    ("Siti Nurhaliza", "F"),
)
"""Full names shared by very many people (Dukcapil counts 254,922 Nurhayati, 163,189 Sri Wahyuni)."""
_PREFIXES = (
    "Su",
    "Sri",
    "Tri",
    "Har",
    "Wi",
    "Mul",
    "Sa",
    "Ra",
    "Pur",
    "Kus",
    "Jo",
    "Ba",
    "Da",
    "Ya",
    "Ri",
    "Na",
    "Hen",
    "Di",
    "Ti",
    "Sut",
    "Mar",
    "War",
    "Yu",
    "En",
    "Ce",
    "Ma",
    "Nu",
    "Fi",
    "Ha",
    "Wa",
)
_ROOTS = (
    "par",
    "gi",
    "mar",
    "yan",
    "kar",
    "wan",
    "di",
    "ris",
    "dar",
    "lis",
    "nar",
    "tin",
    "rah",
    "hen",
    "jat",
    "sum",
    "bag",
    "sen",
    "rat",
    "nin",
)
_SUFFIXES = (
    "no",
    "to",
    "yanto",
    "yati",
    "wati",
    "ni",
    "ah",
    "i",
    "man",
    "di",
    "sih",
    "na",
    "ti",
    "wan",
    "ari",
    "ningsih",
)


def _zipf(count: int, exponent: float = 1.0) -> list[float]:
    return [1 / (rank + 1) ** exponent for rank in range(count)]


def _words(seed: int, real: tuple[str, ...], count: int) -> tuple[str, ...]:
    """``real`` words first (the most frequent), then made-up ones of the same make (Su-mar-no, Har-tin-i)
    to a long tail of ``count`` words: real lists hold some 1,500 distinct first words in 500,000 rows."""
    made = sorted({p + r + s for p in _PREFIXES for r in _ROOTS for s in _SUFFIXES} - set(real))
    random.Random(seed).shuffle(made)
    return (*real, *made[: max(0, count - len(real))])


@dataclass
class _Regions:
    home: list[str]  # the kabupaten's districts
    province: list[str]  # the province's other districts
    country: list[str]


def _regions(rng: random.Random) -> _Regions:
    table = _table()
    districts = [code for code, r in table.items() if r.level == 3 and len(code) == 6]
    by_regency: dict[str, list[str]] = {}
    for code in districts:
        by_regency.setdefault(code[:4], []).append(code)
    kabupaten = sorted(c for c, ds in by_regency.items() if int(c[2:]) < 70 and len(ds) >= 30)
    home = rng.choice(kabupaten)
    province = [d for d in districts if d[:2] == home[:2] and d[:4] != home]
    return _Regions(sorted(by_regency[home]), sorted(province), districts)


@dataclass
class Realistic:
    """Generated data and its truth: ``labels[(roster_ref, list_ref)]`` is the kind expected."""

    roster: tuple[RosterPerson, ...]
    entries: tuple[ListEntry, ...]
    labels: dict[tuple[int | str, int | str], str]
    home: str
    layouts: Counter[str] = field(default_factory=Counter)


class _Population:
    """People drawn with serials issued in sequence per district and birth date, as Dukcapil does."""

    def __init__(self, rng: random.Random, regions: _Regions) -> None:
        self.rng, self.regions = rng, regions
        self.serials: Counter[tuple[str, date, str]] = Counter()
        self.pools = {
            "M": _words(1, _MALE, 800),
            "F": _words(2, _FEMALE, 800),
            "second": _words(3, _SECOND, 2000),
        }
        # Given names are concentrated (Siti, Muhammad, Asep lead), second words less so.
        exponents = {"M": 0.9, "F": 0.9, "second": 0.8}
        self.weights = {
            key: list(accumulate(_zipf(len(words), exponents[key]))) for key, words in self.pools.items()
        }
        self.common = [name for name, _ in _COMMON_FULL], list(accumulate(_zipf(len(_COMMON_FULL), 0.7)))

    def _word(self, key: str) -> str:
        return self.rng.choices(self.pools[key], cum_weights=self.weights[key])[0]

    def name(self, gender: str) -> str:
        rng = self.rng
        if rng.random() < 0.05:
            names, weights = self.common
            common = [n for n, g in _COMMON_FULL if g == gender]
            return rng.choice(common) if rng.random() < 0.5 else rng.choices(names, cum_weights=weights)[0]
        shape = rng.random()
        if shape < 0.11:
            # One-word names are the Javanese and Sundanese kind ("Sutrisno", "Rohaeti"), seldom "Siti" alone.
            return rng.choice(self.pools[gender][20:])
        if shape < 0.88:
            return f"{self._word(gender)} {self._word('second')}"
        return f"{self._word(gender)} {self._word(gender)} {self._word('second')}"

    def person(self, where: str, years: tuple[int, int]) -> Person:
        rng, regions = self.rng, self.regions
        roll = rng.random()
        if where == "roster":
            pool = regions.home if roll < 0.88 else regions.province if roll < 0.97 else regions.country
        else:
            pool = regions.home if roll < 0.5 else regions.province if roll < 0.9 else regions.country
        district = rng.choice(pool)
        gender = rng.choice("MF")
        year = rng.randint(*years)
        birth = date(year, 1, 1) + timedelta(days=rng.randrange(365))
        key = (district, birth, gender)
        self.serials[key] += 1
        return Person(self.name(gender), gender, birth, district, self.serials[key])


def _hr_name(name: str, rng: random.Random) -> str:
    """A name as an HR export writes it: titles, degrees, "M." for Muhammad, upper case now and then."""
    words = name.split()
    if words[0] == "Muhammad" and len(words) > 1 and rng.random() < 0.4:
        words[0] = rng.choice(("M.", "Moh.", "Muh.", "Moch.", "Mochamad"))
    elif words[0] == "Ahmad" and len(words) > 1 and rng.random() < 0.3:
        words[0] = rng.choice(("A.", "Achmad"))
    text = " ".join(words)
    if rng.random() < 0.25:
        text = f"{rng.choice(_TITLES)} {text}"
    if rng.random() < 0.45:
        text = text + ", " + ", ".join(rng.sample(_DEGREES, rng.choice((1, 1, 2))))
    return text.upper() if rng.random() < 0.15 else text


def _list_name(name: str, rng: random.Random) -> str:
    """A name as a list writes it: mostly upper case, an old spelling or a slip now and then."""
    roll = rng.random()
    if roll < 0.1:
        name = name_variant(name, rng, strength=1, ops=("spelling", "arabic", "free_spelling"))
    elif roll < 0.13:
        name = name_variant(name, rng, strength=1, ops=("typo",))
    return name.upper() if rng.random() < 0.6 else name


_LAYOUTS = ("full", "birth_only", "nik_name", "region_only")
"""What a list holds besides NIK and name: birth date and regency, birth date only, nothing, regency only."""


def generate(seed: int, *, roster_size: int, list_size: int, listed_share: float = 0.08) -> Realistic:
    """A roster of one kabupaten and ``list_size`` list rows in four layouts, with the truth.

    >>> data = generate(1, roster_size=200, list_size=2000)
    >>> len(data.roster), len(data.entries) >= 2000, len(data.labels) > 0
    (200, True, True)
    """
    rng = random.Random(seed)
    regions = _regions(rng)
    people = _Population(rng, regions)
    roster: list[RosterPerson] = []
    entries: list[ListEntry] = []
    labels: dict[tuple[int | str, int | str], str] = {}
    layouts: Counter[str] = Counter()
    staff = [people.person("roster", (1964, 2001)) for _ in range(roster_size)]

    def entry(p: Person, nik: str | None, name: str, layout: str, numeric: bool = False) -> int:
        ref = len(entries) + 1
        birth = p.birth_date if layout in ("full", "birth_only") else None
        regency = p.district[:4] if layout in ("full", "region_only") else None
        gender = p.gender if layout != "nik_name" else None
        entries.append(ListEntry(ref, nik, name, birth, regency, gender, numeric))
        layouts[layout] += 1
        return ref

    for ref, p in enumerate(staff, start=1):
        roll = rng.random()
        nip = p.nip(rng) if rng.random() < 0.93 else None
        nik, numeric = p.nik, False
        if roll < 0.015 and nip is not None:
            nik = scientific(p.nik)  # kept through the NIP
        elif roll < 0.025 and not p.nik.endswith("0"):
            nik, numeric = p.nik[:15] + "0", True
        written = nik_noise(nik, rng) if nik == p.nik else nik
        roster.append(RosterPerson(ref, written, _hr_name(p.name, rng), nip, numeric))
        if rng.random() >= listed_share:
            continue
        for _ in range(1 if rng.random() < 0.8 else 2):
            layout = rng.choice(_LAYOUTS)
            name = _list_name(p.name, rng)
            has_birth = layout in ("full", "birth_only")
            if nik != p.nik:  # the roster's NIK is damaged: the list has the whole one
                e = entry(p, p.nik, name, layout)
                labels[(ref, e)] = "nip_birth_name" if not numeric else "nik_truncated"
                continue
            kind = rng.random()
            if kind < 0.78:
                labels[(ref, entry(p, nik_noise(p.nik, rng), name, layout))] = "nik_exact"
            elif kind < 0.80:
                other = people.name(rng.choice("MF"))
                labels[(ref, entry(p, p.nik, other, "nik_name"))] = "nik_match_name_mismatch"
            elif kind < 0.88:
                labels[(ref, entry(p, one_digit_error(p.nik, rng), name, layout))] = "nik_one_digit"
            elif kind < 0.92 and not p.nik.endswith("0"):
                labels[(ref, entry(p, p.nik[:15] + "0", name, layout, numeric=True))] = "nik_truncated"
            elif kind < 0.96:
                e = entry(p, scientific(p.nik), name, layout)
                labels[(ref, e)] = "name_birth_region" if has_birth else "nik_district_name"
            elif has_birth and layout == "full":
                bad = rng.choice(("", p.nik[:14], "2222222222222222"))
                labels[(ref, entry(p, bad, name, layout))] = "name_birth_region"
    # Everybody else on the lists: the same districts, sequential serials, the same names.
    while len(entries) < list_size:
        p = people.person("list", (1945, 2006))
        roll = rng.random()
        # The corpus holds about one scientific-notation NIK per 1,100 list rows, and a few empty cells.
        nik = p.nik if roll < 0.995 else scientific(p.nik) if roll < 0.9959 else ""
        entry(p, nik_noise(nik, rng) if nik == p.nik else nik, _list_name(p.name, rng), rng.choice(_LAYOUTS))
    return Realistic(tuple(roster), tuple(entries), labels, regions.home[0][:4], layouts)
