"""The wallet's statements on its own `wallet` schema."""

ENSURE = """
INSERT INTO wallet.balances (user_id, currency)
SELECT * FROM unnest($1::uuid[], $2::text[]) ON CONFLICT DO NOTHING
"""
LOCK = """
SELECT b.user_id, b.currency, b.balance_minor, b.version
FROM wallet.balances b JOIN unnest($1::uuid[], $2::text[]) AS t(user_id, currency)
  ON b.user_id = t.user_id AND b.currency = t.currency
ORDER BY b.user_id, b.currency
FOR UPDATE OF b
"""
POST_ENTRIES = """
INSERT INTO wallet.ledger
    (entry_id, user_id, currency, amount_minor, reason, reference, balance_after_minor, created_at)
SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::bigint[], $5::text[], $6::uuid[],
                     $7::bigint[], $8::timestamptz[])
"""
SAVE_BALANCES = """
UPDATE wallet.balances b SET balance_minor = t.minor, version = t.version
FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::bigint[])
     AS t(user_id, currency, minor, version)
WHERE b.user_id = t.user_id AND b.currency = t.currency
"""
# The users the wallet knows of, learnt from user.registered (it never reads identity's
# tables): a transfer goes to one of them only.
KNOW_USERS = """
INSERT INTO wallet.users (user_id, registered_at)
SELECT * FROM unnest($1::uuid[], $2::timestamptz[]) ON CONFLICT DO NOTHING
"""
KNOWN_USERS = """
SELECT user_id FROM wallet.users WHERE user_id = ANY($1::uuid[])
"""
