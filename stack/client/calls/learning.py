"""Calls of courses, enrolments, progress, the tutor and learning paths."""

from __future__ import annotations

import uuid
from typing import Any

from schemas import api
from stack.client.calls.base import Call, body_of, clean


# Learning
def publish_course(
    course: api.CourseRequest | dict[str, Any], key: str | None
) -> Call[api.CourseAccepted]:
    """POST /v1/courses (instructors)."""
    body = body_of(api.CourseRequest.model_validate(course))
    return Call("POST", "/v1/courses", api.CourseAccepted, body, idempotency_key=key)


def courses(
    category: str | None, level: str | None, q: str | None, limit: int, offset: int
) -> Call[api.CoursePage]:
    """GET /v1/courses."""
    params = clean({"category": category, "level": level, "q": q, "limit": limit, "offset": offset})
    return Call("GET", "/v1/courses", api.CoursePage, params=params)


def course(course_id: uuid.UUID | str) -> Call[api.Course]:
    """GET /v1/courses/{id}."""
    return Call("GET", f"/v1/courses/{course_id}", api.Course)


def enrol(
    course_id: uuid.UUID | str, pay_with: str, key: str | None
) -> Call[api.EnrollmentAccepted]:
    """POST /v1/enrollments."""
    body = body_of(api.EnrollmentRequest(course_id=course_id, pay_with=pay_with))
    return Call("POST", "/v1/enrollments", api.EnrollmentAccepted, body, idempotency_key=key)


def enrollments() -> Call[api.Enrollments]:
    """GET /v1/enrollments."""
    return Call("GET", "/v1/enrollments", api.Enrollments)


def complete_lesson(
    course_id: uuid.UUID | str, lesson_id: uuid.UUID | str, key: str | None
) -> Call[api.Accepted]:
    """POST /v1/progress."""
    body = body_of(api.ProgressRequest(course_id=course_id, lesson_id=lesson_id))
    return Call("POST", "/v1/progress", api.Accepted, body, idempotency_key=key)


# Tutor
def ask_tutor(
    question: str,
    course_id: uuid.UUID | str | None,
    lesson_id: uuid.UUID | str | None,
    conversation_id: uuid.UUID | str | None,
    key: str | None,
) -> Call[api.QuestionAccepted]:
    """POST /v1/tutor/questions."""
    body = body_of(
        api.QuestionRequest(
            question=question,
            course_id=course_id,
            lesson_id=lesson_id,
            conversation_id=conversation_id,
        )
    )
    return Call("POST", "/v1/tutor/questions", api.QuestionAccepted, body, idempotency_key=key)


def tutor_question(question_id: uuid.UUID | str) -> Call[api.Question]:
    """GET /v1/tutor/questions/{id}."""
    return Call("GET", f"/v1/tutor/questions/{question_id}", api.Question)


def request_learning_path(
    subject: str, level: str, goals: list[str], key: str | None
) -> Call[api.PathAccepted]:
    """POST /v1/learning-paths."""
    body = body_of(api.PathRequest(subject=subject, level=level, goals=goals))
    return Call("POST", "/v1/learning-paths", api.PathAccepted, body, idempotency_key=key)


def learning_path(path_id: uuid.UUID | str) -> Call[api.LearningPath]:
    """GET /v1/learning-paths/{id}."""
    return Call("GET", f"/v1/learning-paths/{path_id}", api.LearningPath)
