"""The benchmark corpus: files shaped like real exports (``../shared/bench-data``), unpacked once.

Speed figures count only on these (dense regions, sequential NIK serials, quoted titled names, Excel
damage); the uniform generators elsewhere in ``bench/`` are for quick runs and say so in their output.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

CORPUS = "realistic-50k-2m"
_SHARED = Path(__file__).resolve().parents[2] / "shared" / "bench-data"


@dataclass(frozen=True)
class ListFile:
    path: Path
    list_type: str
    owner: str
    election: str
    rows: int


@dataclass(frozen=True)
class Corpus:
    folder: Path
    roster: Path
    roster_xlsx: Path
    lists: tuple[ListFile, ...]
    list_xlsx: Path
    manifest: Path

    @property
    def list_rows(self) -> int:
        return sum(item.rows for item in self.lists)


def locate(folder: Path | None = None) -> Corpus:
    """The unpacked corpus: ``folder``, else ``$NETRA_BENCH_CORPUS``, else the cache folder that
    ``shared/bench-data/unpack.sh`` fills (run here when it is missing)."""
    if folder is None and os.environ.get("NETRA_BENCH_CORPUS"):
        folder = Path(os.environ["NETRA_BENCH_CORPUS"])
    if folder is None:
        cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
        folder = cache / "netra-bench" / CORPUS
    manifest = folder / "manifest.json"
    if not manifest.exists():
        unpack = _SHARED / "unpack.sh"
        if not unpack.exists():
            raise SystemExit(
                f"no corpus in {folder}: unpack it with shared/bench-data/unpack.sh, "
                "or name its folder with --corpus / NETRA_BENCH_CORPUS"
            )
        subprocess.run([str(unpack), CORPUS, str(folder)], check=True, stdout=subprocess.DEVNULL)
    items = json.loads(manifest.read_text(encoding="utf-8"))
    lists = tuple(
        ListFile(folder / item["file"], item["list_type"], item["owner"], item["election"], int(item["rows"]))
        for item in items
    )
    return Corpus(
        folder=folder,
        roster=folder / "roster.csv",
        roster_xlsx=folder / "roster.xlsx",
        lists=lists,
        list_xlsx=folder / "silon_dukungan_2_joko_setyawan.xlsx",
        manifest=manifest,
    )
