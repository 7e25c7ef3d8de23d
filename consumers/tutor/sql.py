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
# Never for a user the tutor was told is erased (their erasure may have been applied by
# another instance while this question was with the model).
SAVE_MESSAGES = """
INSERT INTO tutor.messages (conversation_id, question_id, role, content, at, user_id)
SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::timestamptz[],
                     $6::uuid[]) AS t(conversation_id, question_id, role, content, at, user_id)
WHERE NOT EXISTS (SELECT 1 FROM tutor.erased_users e WHERE e.user_id = t.user_id)
ON CONFLICT DO NOTHING
"""
# One statement: the erasure remembered, and everything of the users' deleted. Rows written
# before messages named their user (revision 0026) go with any conversation of theirs that
# has a named row; a conversation is one user's.
FORGET_USERS = """
WITH erased AS (SELECT DISTINCT unnest($1::uuid[]) AS user_id),
remembered AS (
    INSERT INTO tutor.erased_users SELECT user_id FROM erased ON CONFLICT DO NOTHING
),
uses AS (DELETE FROM tutor.usage WHERE user_id IN (SELECT user_id FROM erased)),
enrollments AS (DELETE FROM tutor.enrollments WHERE user_id IN (SELECT user_id FROM erased)),
admins AS (DELETE FROM tutor.admins WHERE user_id IN (SELECT user_id FROM erased))
DELETE FROM tutor.messages
WHERE user_id IN (SELECT user_id FROM erased)
   OR conversation_id IN (SELECT conversation_id FROM tutor.messages
                          WHERE user_id IN (SELECT user_id FROM erased))
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
