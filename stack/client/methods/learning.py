"""Courses, enrolments, progress, the tutor and learning paths."""

from __future__ import annotations

import uuid
from typing import Any

import stack.client.calls as calls
from schemas import api
from stack.client.base import Blocking, operation


class LearningMethods(Blocking):
    @operation("listCourses")
    def courses(
        self,
        *,
        category: str | None = None,
        level: str | None = None,
        q: str | None = None,
        limit: int = 20,
        offset: int = 0,
    ) -> api.CoursePage:
        """Published courses."""
        return self.run(calls.courses(category, level, q, limit, offset))

    @operation("getCourse")
    def course(self, course_id: uuid.UUID | str) -> api.Course:
        """One course with its modules and lessons."""
        return self.run(calls.course(course_id))

    @operation("publishCourse")
    def publish_course(
        self, course: api.CourseRequest | dict[str, Any], *, idempotency_key: str | None = None
    ) -> api.CourseAccepted:
        """Publish a course (instructors)."""
        return self.run(calls.publish_course(course, idempotency_key))

    @operation("enrol")
    def enrol(
        self,
        course_id: uuid.UUID | str,
        *,
        pay_with: str = "wallet",
        idempotency_key: str | None = None,
    ) -> api.EnrollmentAccepted:
        """Enrol in a course."""
        return self.run(calls.enrol(course_id, pay_with, idempotency_key))

    @operation("listEnrollments")
    def enrollments(self) -> api.Enrollments:
        """The caller's enrolments."""
        return self.run(calls.enrollments())

    @operation("completeLesson")
    def complete_lesson(
        self,
        course_id: uuid.UUID | str,
        lesson_id: uuid.UUID | str,
        *,
        idempotency_key: str | None = None,
    ) -> api.Accepted:
        """Record a finished lesson."""
        return self.run(calls.complete_lesson(course_id, lesson_id, idempotency_key))

    @operation("askTutor")
    def ask_tutor(
        self,
        question: str,
        *,
        course_id: uuid.UUID | str | None = None,
        lesson_id: uuid.UUID | str | None = None,
        conversation_id: uuid.UUID | str | None = None,
        idempotency_key: str | None = None,
    ) -> api.QuestionAccepted:
        """Ask the tutor, about a lesson or not, in a conversation or a new one."""
        return self.run(
            calls.ask_tutor(question, course_id, lesson_id, conversation_id, idempotency_key)
        )

    @operation("getTutorQuestion")
    def tutor_question(self, question_id: uuid.UUID | str) -> api.Question:
        """A question's status and answer."""
        return self.run(calls.tutor_question(question_id))

    @operation("requestLearningPath")
    def request_learning_path(
        self, subject: str, level: str, goals: list[str], *, idempotency_key: str | None = None
    ) -> api.PathAccepted:
        """Ask for a learning path."""
        return self.run(calls.request_learning_path(subject, level, goals, idempotency_key))

    @operation("getLearningPath")
    def learning_path(self, path_id: uuid.UUID | str) -> api.LearningPath:
        """A learning path's status and steps."""
        return self.run(calls.learning_path(path_id))
