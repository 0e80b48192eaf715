"""The matching library stays free of web and database libraries (the service only adapts it)."""

import subprocess
import sys


def test_importing_matching_loads_no_web_or_db_library() -> None:
    code = (
        "import sys, matching, matching.engine, matching.scoring, matching.name_filter\n"
        "print(','.join(m for m in ('fastapi', 'sqlalchemy', 'sqlmodel', 'app') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""
