"""Learning's statements on its own `learning` schema."""

# A course id is published once; a repeated request (same id) publishes nothing new.
RECORD_COURSES = """
INSERT INTO learning.courses (course_id, instructor_id, price_minor, currency, lesson_ids,
                              published_at)
SELECT t.course_id, t.instructor_id, t.price_minor, t.currency,
       ARRAY(SELECT jsonb_array_elements_text(t.lesson_ids::jsonb)::uuid), t.published_at
FROM unnest($1::uuid[], $2::uuid[], $3::bigint[], $4::text[], $5::text[], $6::timestamptz[])
     AS t(course_id, instructor_id, price_minor, currency, lesson_ids, published_at)
ON CONFLICT DO NOTHING
RETURNING course_id
"""
COURSES = """
SELECT course_id, price_minor, currency, lesson_ids FROM learning.courses
WHERE course_id = ANY($1::uuid[])
"""
# An enrolment in flight or confirmed blocks another for the same course; a rejected,
# revoked (refunded) or superseded one does not. Locked: a new request may supersede it.
LIVE = """
SELECT enrollment_id, user_id, course_id, status, payment_id, command_id
FROM learning.enrollments
WHERE status IN ('awaiting_payment', 'confirmed') AND (user_id, course_id) IN
      (SELECT * FROM unnest($1::uuid[], $2::uuid[]))
FOR UPDATE
"""
SUPERSEDE = """
UPDATE learning.enrollments SET status = 'rejected', updated_at = now()
WHERE enrollment_id = ANY($1::uuid[]) AND status = 'awaiting_payment'
"""
OPEN = """
INSERT INTO learning.enrollments
    (enrollment_id, user_id, course_id, status, total_lessons, payment_id, command_id)
SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::int[], $6::uuid[],
                     $7::uuid[])
ON CONFLICT DO NOTHING
"""
SETTLE = """
UPDATE learning.enrollments e SET status = t.status, updated_at = now()
FROM unnest($1::uuid[], $2::text[]) AS t(enrollment_id, status)
WHERE e.enrollment_id = t.enrollment_id AND e.status = 'awaiting_payment'
RETURNING e.enrollment_id, e.user_id, e.course_id, e.total_lessons, e.command_id
"""
BY_PAYMENT = """
SELECT enrollment_id, payment_id, user_id, status FROM learning.enrollments
WHERE payment_id = ANY($1::uuid[])
"""
ENROLLED = """
SELECT e.enrollment_id, e.user_id, e.course_id, e.completed_lesson_ids, c.lesson_ids
FROM learning.enrollments e JOIN learning.courses c USING (course_id)
WHERE e.status = 'confirmed' AND (e.user_id, e.course_id) IN
      (SELECT * FROM unnest($1::uuid[], $2::uuid[]))
FOR UPDATE OF e
"""
COMPLETE = """
UPDATE learning.enrollments e SET completed_lesson_ids = t.done::uuid[], updated_at = now()
FROM unnest($1::uuid[], $2::text[]) AS t(enrollment_id, done)
WHERE e.enrollment_id = t.enrollment_id
"""
REVOKE = """
UPDATE learning.enrollments e SET status = 'revoked', updated_at = now()
WHERE e.payment_id = ANY($1::uuid[]) AND e.status = 'confirmed'
RETURNING e.enrollment_id, e.user_id, e.course_id, e.payment_id
"""
