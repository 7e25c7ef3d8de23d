"""Payments' statements on its own `payments` schema."""

RECORD = """
INSERT INTO payments.payments (payment_id, user_id, stripe_payment_intent_id, amount_minor,
                               currency, purpose, course_id, status)
SELECT *, 'requires_payment_method' FROM unnest($1::uuid[], $2::uuid[], $3::text[],
    $4::bigint[], $5::text[], $6::text[], $7::uuid[])
ON CONFLICT DO NOTHING
"""
BY_INTENT = """
SELECT payment_id, user_id, stripe_payment_intent_id, amount_minor, currency, purpose,
       course_id, status, refunded_minor
FROM payments.payments WHERE stripe_payment_intent_id = ANY($1::text[])
FOR UPDATE
"""
LOCK = """
SELECT payment_id, user_id, stripe_payment_intent_id, amount_minor, currency, purpose, status,
       refunded_minor
FROM payments.payments WHERE payment_id = ANY($1::uuid[]) FOR UPDATE
"""
# Sets payments' statuses (a webhook settling them, a refund moving them) and, where
# given, how much of them is refunded.
MOVE = """
UPDATE payments.payments p SET status = t.status,
       refunded_minor = COALESCE(t.refunded_minor, p.refunded_minor), updated_at = now()
FROM unnest($1::uuid[], $2::text[], $3::bigint[]) AS t(payment_id, status, refunded_minor)
WHERE p.payment_id = t.payment_id
"""
COURSE_PURCHASES = """
SELECT payment_id, stripe_payment_intent_id FROM payments.payments
WHERE payment_id = ANY($1::uuid[]) AND status = 'succeeded' AND purpose = 'course_purchase'
"""
INTENTS = """
SELECT payment_id, stripe_payment_intent_id FROM payments.payments
WHERE payment_id = ANY($1::uuid[]) AND status = 'refund_pending'
"""
OPEN_INTENTS = """
SELECT payment_id, stripe_payment_intent_id FROM payments.payments
WHERE payment_id = ANY($1::uuid[]) AND status = 'requires_payment_method'
"""
# A checkout to cancel is remembered even before its payment exists: the cancel request
# and the payment's own request travel on two topics, in no set order.
REMEMBER_CANCELLATIONS = """
INSERT INTO payments.cancellations (payment_id, reason)
SELECT * FROM unnest($1::uuid[], $2::text[]) ON CONFLICT DO NOTHING
"""
CANCELLED = """
SELECT payment_id, reason FROM payments.cancellations WHERE payment_id = ANY($1::uuid[])
"""
