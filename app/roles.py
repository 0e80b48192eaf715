"""The roles a key or a user holds: a module of its own, so the CLI names them without the models."""

ROLES = ("steward", "operator", "auditor", "admin")
