"""Who may open which page: role gates for the browser UI, and shared rendering helpers.

Services enforce permissions and tenancy themselves (another agency's run is a 404 there); these gates only
keep people out of pages that are not meant for their role, with an Indonesian 403 page.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse

from app import wording
from app.config import get_settings
from app.errors import Forbidden
from app.services import findings
from app.services.principals import Principal
from app.web import SESSION_PENDING_FORM, WebUserDep, templates
from app.web import messages as msg

# Labels and helpers every page template may use.
templates.env.globals.update(
    ROLE_LABELS=msg.ROLE_LABELS,
    LIST_TYPE_LABELS=msg.LIST_TYPE_LABELS,
    OWNER_LABELS=msg.OWNER_LABELS,
    CLASS_LABELS=msg.CLASS_LABELS,
    CLASS_SHORT=msg.CLASS_SHORT,
    KIND_LABELS=msg.KIND_LABELS,
    REVIEW_LABELS=msg.REVIEW_LABELS,
    CHANGE_LABELS=msg.CHANGE_LABELS,
    VERSION_STATUS_LABELS=msg.VERSION_STATUS_LABELS,
    RUN_STATUS_LABELS=msg.RUN_STATUS_LABELS,
    MISUSE_STATUS_LABELS=msg.MISUSE_STATUS_LABELS,
    FEATURE_LABELS=msg.FEATURE_LABELS,
    OUTCOME_LABELS=msg.OUTCOME_LABELS,
)


def _thousands(value: int | float | None) -> str:
    """Indonesian digit grouping: 12.345."""
    if value is None:
        return "–"
    return f"{value:,.0f}".replace(",", ".")


def local_time(value: Any) -> str:
    """A stored (UTC) time in the deployment's zone, as every page writes it: "07-12-2026 21:05 WIB"."""
    return wording.when(value, get_settings().display_timezone)


templates.env.filters["ribuan"] = _thousands
templates.env.filters["waktu"] = local_time
templates.env.filters["desimal"] = wording.number
templates.env.filters["tanggal"] = lambda moment: wording.date_long(moment, get_settings().display_timezone)
templates.env.filters["ukuran"] = wording.size
templates.env.filters["pelaku"] = wording.actor
templates.env.filters["rincian"] = lambda feat: wording.detail(str(feat["name"]), str(feat["detail"]))
templates.env.filters["alasan_tolak"] = lambda row: msg.rejection_text(row.reason, row.message)
templates.env.filters["penanda"] = msg.flag_text
templates.env.filters["galat_versi"] = msg.version_error_text
templates.env.filters["nik_samar"] = lambda nik: findings.mask_nik(nik) or "–"

ROLE_NAMES = {
    "steward": "pengelola daftar",
    "operator": "operator instansi",
    "auditor": "auditor",
    "admin": "administrator",
}


def require_web_role(*roles: str) -> Callable[[Principal], Principal]:
    """A page dependency admitting logged-in users of the given roles; others get a 403 page."""

    def check(user: WebUserDep) -> Principal:
        if user.role not in roles:
            allowed = ", ".join(ROLE_NAMES[role] for role in roles)
            raise Forbidden(f"Halaman ini hanya untuk {allowed}. Anda masuk sebagai {ROLE_NAMES[user.role]}.")
        return user

    return check


OperatorUser = Annotated[Principal, Depends(require_web_role("operator", "admin"))]
StewardUser = Annotated[Principal, Depends(require_web_role("steward", "admin"))]
ReaderUser = Annotated[Principal, Depends(require_web_role("operator", "auditor", "admin"))]
MisuseReader = Annotated[Principal, Depends(require_web_role("steward", "auditor", "admin"))]


FLASH = "flash"


def flash(request: Request, text: str, kind: str = "success") -> None:
    """A one-time message shown on the next page (after a redirect): ``success``, ``error`` or ``info``."""
    request.session[FLASH] = {"kind": kind, "text": text}


def render(
    request: Request,
    name: str,
    context: Mapping[str, Any],
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """A page; pages with personal data are never cached by the browser or a proxy."""
    all_headers = {"Cache-Control": "no-store", **dict(headers or {})}
    page = dict(context)
    if not name.split("/")[-1].startswith("_"):  # fragments leave the message for the full page
        page.setdefault("flash", request.session.pop(FLASH, None))
        page.setdefault("pending_form", request.session.pop(SESSION_PENDING_FORM, None))
    return templates.TemplateResponse(request, name, page, status_code=status_code, headers=all_headers)


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"
