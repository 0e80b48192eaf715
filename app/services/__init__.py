"""Use cases. Each public function takes a session first, does the work, and commits; routes and the CLI
only parse input and shape output. Services raise :mod:`app.errors`, never ``HTTPException``."""
