"""Rebuilding a projection from its topics into fresh tables, swapped in atomically."""
