"""How much a name token says about who someone is.

*Judgement* (``docs/domain.md``): collisions are massive (Dukcapil: 254,922 people named Nurhayati, 192,979
Sulastri, 163,189 Sri Wahyuni), so a name alone never makes a finding and common tokens weigh less than rare
ones. These tiers are a hand-made approximation of token frequency in Indonesian population data, not a
measured table:

* 0.15 — particles and prefixes carried by huge groups (Balinese I/Ni and birth-order names, caste titles,
  Siti, Nur, Muhammad, Sri, Dewi, ...);
* 0.40 — very common given names (Nurhayati, Sulastri, Wahyuni, Sutrisno, Slamet, Agus, Budi, ...);
* 1.00 — everything else.

Tokens are stored in their canonical spelling (see :func:`matching.names.canonical_token`), so "Moehammad"
and "Muhammad" share a weight.
"""

from __future__ import annotations

__all__ = ["COMMON_TOKENS", "VERY_COMMON_TOKENS", "WEIGHT_COMMON", "WEIGHT_RARE", "WEIGHT_VERY_COMMON"]

WEIGHT_VERY_COMMON = 0.15
WEIGHT_COMMON = 0.40
WEIGHT_RARE = 1.0

# fmt: off
VERY_COMMON_TOKENS: tuple[str, ...] = (
    # Balinese prefixes, birth-order names and caste titles: shared by a large part of Bali.
    "i", "ni", "luh", "wayan", "putu", "gede", "made", "kadek", "nyoman", "komang", "ketut", "nengah",
    "ida", "bagus", "ayu", "anak", "agung", "cokorda", "gusti", "dewa", "desak", "ngurah", "gde",
    # Arabic-origin and Javanese particles.
    "siti", "sitti", "nur", "nurul", "muhammad", "ahmad", "abdul", "abdur", "sri", "dewi", "putri",
    "putra", "bin", "binti", "al", "el", "ibnu", "fatimah", "nurhayati", "nining", "tri", "dwi", "eka",
    "ria", "ade", "andi", "la", "wa", "teuku", "cut", "tengku", "daeng", "raden", "mas",
    "ayu", "ratu", "sultan", "puang", "baiq", "lalu", "ina", "ama",
    # Batak: "br"/"boru" before a woman's clan name ("Rosmawati Br Sitepu"), often left out elsewhere.
    "br", "boru",
)

COMMON_TOKENS: tuple[str, ...] = (
    "sulastri", "rahayu", "wahyuni", "sutrisno", "slamet", "agus", "budi", "bambang", "hendra", "rina",
    "yuni", "yanti", "sari",
    "lestari", "wati", "susanti", "handayani", "kurniawan", "kurniasih", "setiawan", "hidayat", "hidayah",
    "rahmat", "rahman", "rahmawati", "hasanah", "aminah", "khadijah", "aisyah", "maryam", "fitri", "fitria",
    "indah", "kartika", "pratiwi", "purnama", "wulandari", "anggraini", "permata", "yulianti", "yuliana",
    "susilo", "sugiarto", "suparman", "supriyadi", "supriyanto", "sutrisna", "sumarni", "suryani", "suyanto",
    "haryanto", "hartono", "joko", "wahyu", "wahyudi", "dedi", "deni", "dian", "eko", "fajar", "hadi",
    "heru", "iwan", "irwan", "yusuf", "ibrahim", "ismail", "hasan", "husin", "ali", "umar", "usman",
    "abdullah", "hamid", "arif", "ridwan", "saputra", "saputri", "syahputra", "pratama", "utama", "nugroho",
    "santoso", "wibowo", "prasetyo", "setiawati", "kusuma", "wijaya", "widodo", "gunawan", "firmansyah",
    "ramadhan", "hakim", "ilham", "lubis", "nasution", "siregar", "harahap", "simanjuntak", "sihombing",
    "hutapea", "pane", "sinaga", "situmorang", "tambunan", "manurung", "ginting", "tarigan", "sembiring",
    "surbakti", "mulyani", "mulyadi", "maulana", "yanto", "yadi", "wahid", "zainal", "nurjanah", "anisa",
    "annisa", "ayu", "novita", "oktaviani", "puspita", "ratna", "rini", "sinta", "tuti", "yati", "endang",
    "sumiati", "suharti", "sukarni", "ningsih", "astuti", "utami", "safitri", "nurlela", "halimah", "salmah",
    "fauzi", "fauzan", "iskandar", "syamsul", "syarif", "taufik", "yusri", "andri", "andika", "dimas",
    "rudi", "rizal", "rizki", "rizky", "ahmadi", "muhamad", "darmawan", "kusnadi", "sukardi", "suherman",
    "sutarno",
    # More frequent given names, so that two of them ("Suryadi"/"Suryani") are told apart, not read as a typo.
    "suryadi", "supriadi", "sugianto", "sugiono", "sumarno", "sudarsono", "sudirman", "subagyo", "purnomo",
    "teguh", "cahyo", "cahyani", "hermawan", "aditya", "bayu", "dani", "yoga", "reza", "fikri", "galih",
    "marlina", "herlina", "yusnita", "juwita", "rosita", "melati", "martini", "damayanti", "ratnasari",
    "purnamasari", "kusumawati", "widyastuti", "suciati", "sukarsih", "setyaningsih", "nurhasanah", "kurnia",
    "rusdi", "hamdani", "junaidi", "syarifuddin", "hasanuddin", "jamaluddin", "lukman", "hakim", "anwar",
    "khairul", "saiful", "mustofa", "sholeh", "maryati", "suparmi", "sumiyati", "rohani", "rohmah", "yulia",
    "yuliani", "lina", "lia", "ani", "ana", "tina", "tini", "ika", "novi", "evi", "eni", "nia", "dewanti",
    "agustina", "agustin", "kristina", "maria", "yohanes", "yosef", "paulus", "petrus", "stefanus", "samuel",
    "daniel", "imam", "amir", "anas", "zulkifli", "hendri", "hendrik", "ferry", "rian", "ryan", "doni",
    "roni", "toni", "edi", "adi", "ari", "dodi", "rendi", "yudi", "hari", "agung", "arief", "aris", "ahmadi",
)
# fmt: on
