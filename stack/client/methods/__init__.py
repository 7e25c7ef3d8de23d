"""The blocking client's methods by area, one per operation of the API (`@operation` says which)."""
