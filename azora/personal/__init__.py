"""Personal data on an append-only log: per-user keys, sealed fields, crypto-shredding.

`sealing` seals and opens one field with one user's data key; `keys` wraps data keys with
the deployment's master key (`AZORA_PERSONAL_DATA_KEY`); `vault` keeps each user's key
versions (create, rotate, destroy) in a `KeyStore`, and `store` is the Postgres one.
"""
