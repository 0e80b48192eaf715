"""The pages of the web UI beyond login: one router that ``app.main`` includes.

Each area has its own module; all are server-rendered Jinja2 in Bahasa Indonesia, work without JavaScript,
and use htmx (served from ``/static/vendor``) only to refresh progress and upload with a progress bar:

- ``/daftar-asn``              operator: rosters, upload, row report, rejections, start a check
- ``/pemeriksaan``             operator/auditor: runs, live progress, findings, chart, exports, print summary
- ``/temuan/{id}``             one finding side by side, confirm / dismiss, audit history
- ``/daftar-pembanding``       steward: list catalogue, upload, versions, rejections, delete
- ``/laporan-penyalahgunaan``  steward/auditor: misuse-report queue
"""

from __future__ import annotations

from fastapi import APIRouter

from app.web import finding_pages, list_pages, misuse_pages, roster_pages, runs

router = APIRouter(include_in_schema=False)
for _area in (roster_pages, runs, finding_pages, list_pages, misuse_pages):
    router.include_router(_area.router)
