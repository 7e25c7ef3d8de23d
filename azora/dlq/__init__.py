"""`azora dlq`: dead letters listed, shown and re-driven (the CLI and the admin API)."""
