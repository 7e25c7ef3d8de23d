"""Identity's statements on its own `identity` schema."""

# ON CONFLICT DO NOTHING covers the email's unique index: across partitions, racing
# registrations of one address still produce exactly one account.
CREATE_ACCOUNTS = """
INSERT INTO identity.accounts (user_id, email, display_name, created_at)
SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[])
ON CONFLICT DO NOTHING
RETURNING user_id
"""

# The hashes of the accounts just created (only the winners: a losing registration's hash
# is dropped with its command). Identity is the only keeper of password hashes.
STORE_PASSWORD_HASHES = """
INSERT INTO identity.credentials (user_id, password_hash)
SELECT * FROM unnest($1::uuid[], $2::text[])
ON CONFLICT (user_id) DO NOTHING
"""

# Accounts registered before hashes left the log (`user.registered`, legacy): their account
# and hash are imported once, from that topic; ones identity knows already stay as they are.
IMPORT_LEGACY_ACCOUNTS = """
WITH t AS (
    SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[], $5::text[])
        AS t(user_id, email, display_name, created_at, password_hash)
), accounts AS (
    INSERT INTO identity.accounts (user_id, email, display_name, created_at)
    SELECT user_id, email, display_name, created_at FROM t
    ON CONFLICT DO NOTHING
)
INSERT INTO identity.credentials (user_id, password_hash)
SELECT user_id, password_hash FROM t
ON CONFLICT (user_id) DO NOTHING
"""

# What a login checks, as identity keeps it now (in the batch's transaction, so after its
# writes): published sealed for the ingress on `user.credentials_set`. The version is the
# MFA state's, which orders the values the read model keeps.
LOGIN_SECRETS = """
SELECT a.user_id, c.password_hash, m.active_secret, COALESCE(m.version, 0) AS version
FROM identity.accounts a
LEFT JOIN identity.credentials c USING (user_id)
LEFT JOIN identity.mfa m USING (user_id)
WHERE a.user_id = ANY($1::uuid[])
"""

SET_PENDING_SECRETS = """
INSERT INTO identity.mfa (user_id, pending_secret)
SELECT * FROM unnest($1::uuid[], $2::text[])
ON CONFLICT (user_id) DO UPDATE SET pending_secret = EXCLUDED.pending_secret, updated_at = now()
"""

PENDING_SECRETS = """
SELECT user_id, pending_secret, active_secret IS NOT NULL AS active, version
FROM identity.mfa WHERE user_id = ANY($1::uuid[])
"""

# Each change of a user's MFA raises its version: the facts carry it, so the read model
# applies enable and disable (two topics, no order between them) in the order they happened.
ACTIVATE = """
UPDATE identity.mfa
SET active_secret = t.secret, pending_secret = NULL, version = t.version, updated_at = now()
FROM unnest($1::uuid[], $2::text[], $3::int[]) AS t(user_id, secret, version)
WHERE identity.mfa.user_id = t.user_id
"""

DEACTIVATE = """
INSERT INTO identity.mfa (user_id, version)
SELECT * FROM unnest($1::uuid[], $2::int[])
ON CONFLICT (user_id) DO UPDATE
SET active_secret = NULL, pending_secret = NULL, version = identity.mfa.version + EXCLUDED.version,
    updated_at = now()
RETURNING user_id, version
"""

# Provider sign-ins: what a batch's decisions read, then write.
LINKED_IDENTITIES = """
SELECT issuer, subject, user_id FROM identity.oidc_identities
WHERE (issuer, subject) IN (SELECT * FROM unnest($1::text[], $2::text[]))
"""

EXISTING_ACCOUNTS = """
SELECT user_id FROM identity.accounts WHERE user_id = ANY($1::uuid[])
"""

TAKEN_EMAILS = """
SELECT email FROM identity.accounts WHERE email = ANY($1::text[])
"""

LINK_IDENTITIES = """
INSERT INTO identity.oidc_identities (issuer, subject, user_id, provider, linked_at)
SELECT * FROM unnest($1::text[], $2::text[], $3::uuid[], $4::text[], $5::timestamptz[])
ON CONFLICT DO NOTHING
"""

# Forget a user: credentials, MFA, provider links and the account (its email is free again).
ERASE_ACCOUNTS = """
WITH t AS (SELECT unnest($1::uuid[]) AS user_id),
credentials AS (DELETE FROM identity.credentials WHERE user_id IN (SELECT user_id FROM t)),
mfa AS (DELETE FROM identity.mfa WHERE user_id IN (SELECT user_id FROM t)),
links AS (DELETE FROM identity.oidc_identities WHERE user_id IN (SELECT user_id FROM t))
DELETE FROM identity.accounts WHERE user_id IN (SELECT user_id FROM t)
"""
