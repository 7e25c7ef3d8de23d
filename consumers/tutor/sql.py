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
