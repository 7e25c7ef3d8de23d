"""Courses as instructors publish them, and the roles that allow it."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field

from schemas.base import ContractModel
from schemas.money import Currency
from schemas.topic import TopicSpec, command, event

Level = Literal["beginner", "intermediate", "advanced"]
Title = Annotated[str, Field(min_length=1, max_length=200)]


class UserRoleGranted(ContractModel):
    """Fact: an operator gave a user a role (`azora grant-role`)."""

    user_id: uuid.UUID
    role: Literal["instructor", "admin"]
    granted_by: str = Field(min_length=1, max_length=200)
    granted_at: AwareDatetime


class Lesson(ContractModel):
    """One lesson: its id is assigned when the course is requested."""

    lesson_id: uuid.UUID
    title: Title
    content: str = Field(min_length=1, max_length=100_000)


class Module(ContractModel):
    """A group of lessons, in order."""

    module_id: uuid.UUID
    title: Title
    lessons: tuple[Lesson, ...] = Field(min_length=1, max_length=200)


class CoursePublishRequested(ContractModel):
    """Command: an instructor publishes a course (free when `price_minor` is 0)."""

    course_id: uuid.UUID
    instructor_id: uuid.UUID
    title: Title
    description: str = Field(min_length=1, max_length=10_000)
    category: str = Field(min_length=1, max_length=100)
    level: Level
    price_minor: int = Field(ge=0, le=100_000_000)
    currency: Currency
    modules: tuple[Module, ...] = Field(min_length=1, max_length=100)


class CoursePublished(CoursePublishRequested):
    """Fact: a course is published and open for enrolment (the request, and when)."""

    published_at: AwareDatetime


class EnrollmentRequested(ContractModel):
    """Command: enrol a user in a course, paying from the wallet or by card if it costs."""

    enrollment_id: uuid.UUID
    user_id: uuid.UUID
    course_id: uuid.UUID
    pay_with: Literal["wallet", "card"]


class EnrollmentConfirmed(ContractModel):
    """Fact: the user is enrolled (free, or paid)."""

    enrollment_id: uuid.UUID
    user_id: uuid.UUID
    course_id: uuid.UUID
    total_lessons: int = Field(ge=1)
    confirmed_at: AwareDatetime


class EnrollmentRejected(ContractModel):
    """Fact: the enrolment did not happen, with the reason (insufficient funds, ...)."""

    enrollment_id: uuid.UUID
    user_id: uuid.UUID
    course_id: uuid.UUID
    reason: str = Field(min_length=1, max_length=500)


class EnrollmentRevoked(ContractModel):
    """Fact: an enrolment ended (its card payment was refunded)."""

    enrollment_id: uuid.UUID
    user_id: uuid.UUID
    course_id: uuid.UUID
    reason: str = Field(min_length=1, max_length=500)


class LessonCompletionRequested(ContractModel):
    """Command: a user finished a lesson of a course they are enrolled in."""

    user_id: uuid.UUID
    course_id: uuid.UUID
    lesson_id: uuid.UUID
    completed_at: AwareDatetime


class EnrollmentProgressed(ContractModel):
    """Fact: an enrolment's progress moved (completed lessons out of the course's total)."""

    enrollment_id: uuid.UUID
    user_id: uuid.UUID
    course_id: uuid.UUID
    completed_lessons: int = Field(ge=0)
    total_lessons: int = Field(ge=1)
    progress_percent: int = Field(ge=0, le=100)


class LessonCompletionRejected(ContractModel):
    """Fact: a completion was refused (not enrolled, not a lesson of the course)."""

    user_id: uuid.UUID
    course_id: uuid.UUID
    lesson_id: uuid.UUID
    reason: str = Field(min_length=1, max_length=500)


def enrollment_payment_id(enrollment_id: uuid.UUID) -> uuid.UUID:
    """The id of the card payment for an enrolment: the ingress and learning both derive it."""
    return uuid.uuid5(enrollment_id, "payment")


# The topics these models travel on, in the order the catalogue lists them.

USER_ROLE_GRANTED = event(
    "user.role_granted",
    UserRoleGranted,
    key="user_id",
    description="An operator gave a user a role (instructor, admin).",
)
COURSE_PUBLISH_REQUESTED = command(
    "course.publish_requested",
    CoursePublishRequested,
    key="course_id",
    description="An instructor asked to publish a course.",
)
COURSE_PUBLISHED = event(
    "course.published",
    CoursePublished,
    key="course_id",
    description="A course is published with its modules and lessons.",
    settles="succeeded",
)
ENROLLMENT_REQUESTED = command(
    "enrollment.requested",
    EnrollmentRequested,
    key="user_id",
    description="A user asked to enrol in a course.",
)
ENROLLMENT_CONFIRMED = event(
    "enrollment.confirmed",
    EnrollmentConfirmed,
    key="user_id",
    description="A user is enrolled in a course.",
    settles="succeeded",
)
ENROLLMENT_REJECTED = event(
    "enrollment.rejected",
    EnrollmentRejected,
    key="user_id",
    description="An enrolment did not happen, with the reason.",
    settles="rejected",
)
ENROLLMENT_REVOKED = event(
    "enrollment.revoked",
    EnrollmentRevoked,
    key="user_id",
    description="An enrolment ended (its payment was refunded).",
)
LESSON_COMPLETION_REQUESTED = command(
    "lesson.completion_requested",
    LessonCompletionRequested,
    key="user_id",
    description="A user finished a lesson.",
)
ENROLLMENT_PROGRESSED = event(
    "enrollment.progressed",
    EnrollmentProgressed,
    key="user_id",
    description="An enrolment's progress moved.",
    settles="succeeded",
)
LESSON_COMPLETION_REJECTED = event(
    "lesson.completion_rejected",
    LessonCompletionRejected,
    key="user_id",
    description="A lesson completion was refused, with the reason.",
    settles="rejected",
)

TOPICS: tuple[TopicSpec, ...] = (
    USER_ROLE_GRANTED,
    COURSE_PUBLISH_REQUESTED,
    COURSE_PUBLISHED,
    ENROLLMENT_REQUESTED,
    ENROLLMENT_CONFIRMED,
    ENROLLMENT_REJECTED,
    ENROLLMENT_REVOKED,
    LESSON_COMPLETION_REQUESTED,
    ENROLLMENT_PROGRESSED,
    LESSON_COMPLETION_REJECTED,
)
