"""Projections: each owns its read-model tables and can be rebuilt from the topics.

They run as one consumer group, `projections`, so one commit makes a command's status
and the read model it links to visible together.
"""

from azora.consume.service import Service, combine
from azora.personal.vault import Vault
from consumers.projections.command_status import COMMAND_STATUS
from consumers.projections.courses import COURSES
from consumers.projections.dead_letters import DEAD_LETTERS
from consumers.projections.enrollments import ENROLLMENT_VIEWS
from consumers.projections.payments import PAYMENT_VIEWS
from consumers.projections.sessions import SESSIONS
from consumers.projections.tutor import tutor_views
from consumers.projections.users import make_users
from consumers.projections.wallet import WALLET_VIEWS


def projections(vault: Vault) -> tuple[Service, ...]:
    """Every projection; those that open users' personal sections take keys from `vault`."""
    return (
        make_users(vault),
        SESSIONS,
        COURSES,
        ENROLLMENT_VIEWS,
        WALLET_VIEWS,
        PAYMENT_VIEWS,
        tutor_views(vault),
        DEAD_LETTERS,
        COMMAND_STATUS,
    )


def projections_service(vault: Vault) -> Service:
    """Every projection in one consumer group."""
    return combine("projections", projections(vault))


__all__ = ["projections", "projections_service"]
