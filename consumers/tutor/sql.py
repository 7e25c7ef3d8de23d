"""The tutor's statements on its own `tutor` schema."""

LESSON = """
SELECT course_title, title, content FROM tutor.lessons WHERE lesson_id = $1
"""
HISTORY = """
SELECT role, content FROM tutor.messages WHERE conversation_id = $1 ORDER BY at, role DESC
"""
CATALOG = """
SELECT course_id, title, level, category FROM tutor.courses
ORDER BY (level = $1) DESC, title LIMIT 50
"""
SAVE_MESSAGES = """
INSERT INTO tutor.messages (conversation_id, question_id, role, content, at)
SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::timestamptz[])
ON CONFLICT DO NOTHING
"""
KEEP_COURSES = """
INSERT INTO tutor.courses (course_id, title, description, category, level)
SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[])
ON CONFLICT DO NOTHING
"""
KEEP_LESSONS = """
INSERT INTO tutor.lessons (lesson_id, course_id, course_title, title, content)
SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[])
ON CONFLICT DO NOTHING
"""

# The lesson, only if `$2` may read it: an admin, the course's instructor, or a learner
# with a confirmed enrolment (the tutor learns all three from events, never from another
# service's tables).
READABLE_LESSON = """
SELECT l.course_title, l.title, l.content FROM tutor.lessons l
WHERE l.lesson_id = $1
  AND (EXISTS (SELECT 1 FROM tutor.admins a WHERE a.user_id = $2)
       OR EXISTS (SELECT 1 FROM tutor.courses c
                  WHERE c.course_id = l.course_id AND c.instructor_id = $2)
       OR EXISTS (SELECT 1 FROM tutor.enrollments e
                  WHERE e.course_id = l.course_id AND e.user_id = $2 AND e.status = 'confirmed'))
"""
KEEP_INSTRUCTORS = """
UPDATE tutor.courses c SET instructor_id = t.instructor_id
FROM unnest($1::uuid[], $2::uuid[]) AS t(course_id, instructor_id)
WHERE c.course_id = t.course_id AND c.instructor_id IS NULL
"""
# A status only moves forward by rank (confirmed 1, revoked 2): the two facts travel on two
# topics, so a revocation read before its confirmation still wins.
KEEP_ENROLLMENTS = """
INSERT INTO tutor.enrollments (enrollment_id, user_id, course_id, status, rank)
SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::smallint[])
ON CONFLICT (enrollment_id) DO UPDATE
SET status = EXCLUDED.status, rank = EXCLUDED.rank
WHERE tutor.enrollments.rank < EXCLUDED.rank
"""
KEEP_ADMINS = """
INSERT INTO tutor.admins (user_id) SELECT * FROM unnest($1::uuid[]) ON CONFLICT DO NOTHING
"""
# Held to the transaction's end: two consumers that both hold a user's commands (during a
# rebalance, or while old records keyed otherwise drain) decide that user's quota in turn.
LOCK_QUOTAS = """
SELECT pg_advisory_xact_lock(hashtextextended('tutor.quota:' || kind || ':' || u, 0))
FROM unnest($1::text[]) AS u, (SELECT $2::text AS kind) AS k ORDER BY u
"""
USED = """
SELECT command_id, user_id, at FROM tutor.usage
WHERE user_id = ANY($1::uuid[]) AND kind = $2 AND at > $3
"""
RECORD_USE = """
INSERT INTO tutor.usage (command_id, user_id, kind, at)
SELECT c, u, $3, a FROM unnest($1::uuid[], $2::uuid[], $4::timestamptz[]) AS t(c, u, a)
ON CONFLICT DO NOTHING
"""
