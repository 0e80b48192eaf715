"""Pure parsing layer for uploaded lists and rosters: read (``readers``), then validate row by row (``rows``).

No database, no FastAPI: the service stores what this yields, the CLI and ``netra match`` use it offline.
"""
