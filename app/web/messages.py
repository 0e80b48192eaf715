"""Indonesian wording for the web UI: labels for codes, and errors as sentences an operator understands.

Services raise :class:`~app.errors.NetraError` with an English ``message`` meant for API clients (some
already speak Indonesian, e.g. the self-check and the ingest readers' ``message_id``). A web page must
never show English or a stack trace, so :func:`explain` picks, in order: the Indonesian sentence the error
carries (``extra["message_id"]``), a message that is already Indonesian, a known English message
translated, and finally a plain sentence for the HTTP status.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from limits import parse_many

from app import wording
from app.errors import NetraError
from app.ingest.errors import IngestError
from app.ingest.rules import REASONS

ROLE_LABELS = {
    "steward": "Pengelola daftar",
    "operator": "Operator instansi",
    "auditor": "Auditor",
    "admin": "Administrator",
}
LIST_TYPE_LABELS = {"party_member": "Anggota partai politik", "supporter": "Pendukung calon"}
OWNER_LABELS = {"party_member": "Partai", "supporter": "Calon"}
CLASS_LABELS = {
    "confirmed": "Pasti (NIK dan nama sama)",
    "conflict": "Konflik (NIK sama, nama berbeda)",
    "probable": "Kemungkinan besar",
    "possible": "Mungkin",
}
CLASS_SHORT = wording.CLASSES
KIND_LABELS = wording.KINDS
REVIEW_LABELS = {
    "pending": "Belum ditinjau",
    "confirmed": "Dikonfirmasi",
    "misused": "NIK dicatut",
    "dismissed": "Ditolak",
}
CHANGE_LABELS = {"new": "Baru", "unchanged": "Tetap", "resolved": "Selesai (hilang dari daftar)"}
VERSION_STATUS_LABELS = {
    "pending": "Menunggu diproses",
    "processing": "Sedang diproses",
    "interrupted": "Terputus",
    "held": "Menunggu konfirmasi",
    "active": "Aktif",
    "superseded": "Digantikan versi baru",
    "failed": "Gagal",
}
RUN_STATUS_LABELS = {
    "queued": "Dalam antrean",
    "running": "Sedang berjalan",
    "succeeded": "Selesai",
    "failed": "Gagal",
}
MISUSE_STATUS_LABELS = {
    "open": "Baru",
    "in_review": "Sedang ditinjau",
    "resolved": "Selesai",
    "rejected": "Ditolak",
}
FEATURE_LABELS = wording.FEATURES
OUTCOME_LABELS = wording.OUTCOMES
FLAG_LABELS = {
    "possibly_truncated": "NIK mungkin terpotong Excel",
    "unknown_region": "kode wilayah NIK tidak dikenal",
    "impossible_birth_date": "tanggal lahir di NIK tidak mungkin",
    "serial_zero": "nomor urut NIK 0000",
    "placeholder": "NIK isian sementara",
    "possible_duplicate": "kemungkinan duplikat",
    "gender_unknown": "jenis kelamin tidak dikenali",
    "gender_differs_from_nik": "jenis kelamin berbeda dengan NIK",
    "birth_date_unparseable": "tanggal lahir tidak terbaca",
    "birth_date_month_first": "tanggal lahir ditulis bulan lebih dulu",
    "birth_date_century_guessed": "tahun lahir dua digit; abadnya ditebak",
    "undecodable_text": "ada karakter yang tidak terbaca",
}

# A word or two that only Indonesian sentences contain: such messages are shown as they are.
_INDONESIAN_WORDS = re.compile(
    r"\b(tidak|yang|dan|atau|berkas|sudah|belum|wajib|harus|silakan|coba|kolom|baris|daftar|tanpa|"
    r"ini|itu|untuk|dengan|tersebut|hanya|dapat|muat|ulang|kedaluwarsa|sah)\b",
    re.IGNORECASE,
)

# Known English service messages → Indonesian. Matched with re.search against the message.
_TRANSLATIONS: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    (re.compile(r"dismissing a finding needs a reason", re.I), "Tuliskan alasan mengapa temuan ini ditolak."),
    (
        re.compile(r"review_status must be", re.I),
        "Pilih salah satu: konfirmasi atau tolak temuan.",
    ),
    (
        re.compile(r"only an operator of the owning agency or an auditor reviews", re.I),
        "Hanya operator instansi pemilik data atau auditor yang dapat meninjau temuan.",
    ),
    (
        re.compile(r"resolved by a later list version", re.I),
        "Temuan ini sudah selesai karena daftar diperbarui; tinjau pada pemeriksaan yang menemukannya.",
    ),
    (
        re.compile(r"has no active version yet", re.I),
        "Daftar ASN ini belum selesai diunggah. Tunggu sampai statusnya Aktif, lalu mulai pemeriksaan.",
    ),
    (
        re.compile(r"no active list matches", re.I),
        "Belum ada daftar partai atau pendukung yang aktif untuk pilihan ini. Hubungi pengelola daftar.",
    ),
    (
        re.compile(r"lists not found or without an active version", re.I),
        "Sebagian daftar yang dipilih tidak ada atau belum aktif.",
    ),
    (
        re.compile(r"only an agency operator or an admin starts checks", re.I),
        "Hanya operator instansi yang dapat memulai pemeriksaan.",
    ),
    (re.compile(r"cursor", re.I), "Tautan halaman sudah tidak berlaku. Mulai lagi dari halaman pertama."),
    (re.compile(r"unknown sort", re.I), "Urutan yang diminta tidak dikenal."),
    (
        re.compile(r"the upload exceeds the limit of ([\d,]+) bytes", re.I),
        lambda m: f"Berkas terlalu besar. Batas ukuran unggahan adalah {m.group(1).replace(',', '.')} byte.",
    ),
    (
        re.compile(r"cannot go from '?(\w+)'? to '?(\w+)'?", re.I),
        lambda m: (
            f"Status laporan tidak dapat diubah dari “{MISUSE_STATUS_LABELS.get(m.group(1), m.group(1))}” "
            f"menjadi “{MISUSE_STATUS_LABELS.get(m.group(2), m.group(2))}”."
        ),
    ),
    (re.compile(r"wrong username or password", re.I), "Nama pengguna atau kata sandi salah."),
    (re.compile(r"still (running|queued)", re.I), "Proses masih berjalan. Tunggu sampai selesai."),
    (
        re.compile(r"uploaded file is no longer available", re.I),
        "Berkas unggahan sudah tidak tersedia. Unggah ulang berkasnya.",
    ),
    (
        re.compile(r"no row of the file was accepted \(([\d,]+) rejected", re.I),
        lambda m: (
            f"Tidak ada satu baris pun yang diterima ({m.group(1).replace(',', '.')} baris ditolak); versi "
            "sebelumnya tetap berlaku. Unduh daftar baris yang ditolak untuk melihat alasannya."
        ),
    ),
    (
        re.compile(r"file name has ([\d,]+) characters|multipart body cannot be read", re.I),
        "Nama berkas terlalu panjang (paling banyak 255 karakter) atau unggahan rusak. Ganti nama berkas "
        "lalu unggah ulang.",
    ),
    (re.compile(r"processing stopped", re.I), "Pemrosesan berkas terhenti. Unggah ulang berkasnya."),
    (re.compile(r"processing was interrupted", re.I), "Pemrosesan berkas terputus. Unggah ulang berkasnya."),
)

STATUS_SENTENCES = {
    400: "Permintaan tidak dapat diproses. Muat ulang halaman lalu coba lagi.",
    401: "Silakan masuk terlebih dahulu.",
    403: "Anda tidak memiliki hak akses untuk halaman atau tindakan ini.",
    404: "Data yang Anda cari tidak ditemukan, atau Anda tidak berhak melihatnya.",
    405: "Alamat ini tidak dapat dibuka dengan cara tersebut. Kembali ke beranda lalu coba lagi.",
    409: "Tindakan ini tidak dapat dilakukan pada keadaan data saat ini. Muat ulang halaman lalu coba lagi.",
    413: "Berkas terlalu besar untuk diunggah.",
    415: "Jenis berkas tidak didukung. Unggah berkas CSV atau Excel (.xlsx).",
    422: "Isian formulir belum lengkap atau tidak sesuai. Periksa kembali lalu kirim ulang.",
    429: "Terlalu banyak permintaan. Tunggu sebentar lalu coba lagi.",
    503: "Layanan sedang tidak tersedia. Coba lagi beberapa saat lagi.",
}
GENERIC_SENTENCE = "Terjadi kesalahan. Silakan coba lagi; jika masih gagal, hubungi administrator."


def is_indonesian(text: str) -> bool:
    return bool(_INDONESIAN_WORDS.search(text))


def explain(status: int, message: str, extra: Mapping[str, object] | None = None) -> str:
    """An Indonesian sentence for an error with this status and (English or Indonesian) message."""
    if status >= 500:
        return "Terjadi kesalahan pada server. Silakan coba lagi nanti."
    message_id = (extra or {}).get("message_id")
    if isinstance(message_id, str) and message_id:
        return message_id
    if message and is_indonesian(message):
        return message
    for pattern, replacement in _TRANSLATIONS:
        match = pattern.search(message or "")
        if match:
            return replacement if isinstance(replacement, str) else replacement(match)
    return STATUS_SENTENCES.get(status, GENERIC_SENTENCE)


def explain_error(exc: NetraError | IngestError) -> str:
    """The Indonesian sentence for an error a web form caught."""
    if isinstance(exc, IngestError):
        return exc.message_id
    return explain(exc.status, exc.message, exc.extra)


_FIRST_LINE = re.compile(r"line (\d+)")


def rejection_text(reason: str, message: str) -> str:
    """An Indonesian reason for a rejected row (the stored message is English)."""
    templates = REASONS.get(reason)
    if templates is None:
        return message if is_indonesian(message) else f"Baris ditolak ({reason})."
    indonesian = templates[1]
    first = _FIRST_LINE.search(message)
    try:
        return indonesian.format(detail="", first_line=first.group(1) if first else "?").replace(" ''", "")
    except (KeyError, IndexError, ValueError):
        return indonesian


def version_error_text(error: str | None) -> str | None:
    """Why a version failed, in Indonesian (versions store the service's English reason)."""
    if not error:
        return None
    if is_indonesian(error):
        return error
    for pattern, replacement in _TRANSLATIONS:
        match = pattern.search(error)
        if match:
            return replacement if isinstance(replacement, str) else replacement(match)
    return (
        "Berkas tidak dapat diproses. Pastikan berkas berformat CSV atau Excel (.xlsx) dengan baris judul "
        "berisi kolom NIK dan Nama, lalu unggah ulang."
    )


def flag_text(flags: str) -> str:
    """Comma-separated row flags as Indonesian words."""
    names = [flag for flag in flags.split(",") if flag]
    return ", ".join(FLAG_LABELS.get(name, name.replace("_", " ")) for name in names)


_PERIODS = {
    "second": "detik",
    "minute": "menit",
    "hour": "jam",
    "day": "hari",
    "month": "bulan",
    "year": "tahun",
}


def allowance_text(limits: str) -> str:
    """A rate-limit setting in words: "5/day;20/month" -> "5 kali per hari, 20 kali per bulan"."""
    parts = []
    for item in parse_many(limits):
        period = _PERIODS.get(item.GRANULARITY.name, item.GRANULARITY.name)
        every = f"{item.multiples} {period}" if item.multiples > 1 else period
        parts.append(f"{item.amount} kali per {every}")
    return ", ".join(parts)
