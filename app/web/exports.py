"""The web's finding exports, for the people who open them in Excel.

Same rows as the API's export (:data:`app.services.findings.MACHINE_EXPORT`), but Indonesian headers,
labels instead of codes and explanations in Indonesian; the CSV is written for Excel in Indonesian regional
settings: ``;`` between fields (the list separator where the comma is the decimal mark), decimals with a
comma, a UTF-8 byte-order mark (added by the route), and NIKs and NIPs as ``="…"`` so Excel shows all
digits as text instead of ``3,27E+15``.
"""

from __future__ import annotations

from app import wording
from app.services.findings import (
    EXPORT_COLUMNS,
    TEXT_COLUMNS,
    ExportLayout,
    ExportValue,
    FindingView,
    export_values,
    finding_text_id,
)
from app.web import messages as msg

# (code, header, width in characters)
_COLUMNS = (
    ("finding_id", "No. temuan", 10),
    ("class", "Kelas", 16),
    ("kind", "Jenis kecocokan", 34),
    ("score", "Skor", 7),
    ("change", "Perubahan", 14),
    ("review_status", "Status tinjauan", 15),
    ("review_reason", "Alasan tinjauan", 30),
    ("roster_file", "Berkas daftar ASN", 24),
    ("roster_line", "Baris daftar ASN", 10),
    ("roster_nik", "NIK (daftar ASN)", 19),
    ("roster_name", "Nama (daftar ASN)", 28),
    ("nip", "NIP", 21),
    ("unit", "Unit kerja", 24),
    ("list_type", "Jenis daftar", 22),
    ("owner", "Partai / calon", 24),
    ("election", "Pemilihan", 16),
    ("list_file", "Berkas daftar pembanding", 24),
    ("list_line", "Baris daftar pembanding", 10),
    ("list_nik", "NIK (daftar pembanding)", 19),
    ("list_name", "Nama (daftar pembanding)", 28),
    ("explanation", "Penjelasan", 80),
)
assert tuple(code for code, _, _ in _COLUMNS) == EXPORT_COLUMNS, "a column of the export has no header"

_LABELS = {
    "class": msg.CLASS_SHORT,
    "kind": msg.KIND_LABELS,
    "change": msg.CHANGE_LABELS,
    "review_status": msg.REVIEW_LABELS,
    "list_type": msg.LIST_TYPE_LABELS,
}


def _row(view: FindingView) -> list[ExportValue]:
    values = export_values(view, finding_text_id)
    for code, labels in _LABELS.items():
        value = values[code]
        if isinstance(value, str):
            values[code] = labels.get(value, value)
    return list(values.values())


PEOPLE_EXPORT = ExportLayout(
    headers=tuple(header for _, header, _ in _COLUMNS),
    row=_row,
    text_columns=frozenset(i for i, (code, _, _) in enumerate(_COLUMNS) if code in TEXT_COLUMNS),
    delimiter=";",
    csv_text=lambda digits: f'="{digits}"',
    csv_decimal=wording.number,
    widths=tuple(width for _, _, width in _COLUMNS),
)
