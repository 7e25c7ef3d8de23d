"""Identity's handler for provider sign-ins: link, create or refuse, in request order."""

from __future__ import annotations

from collections.abc import Sequence

from azora.consume.errors import TransientError
from azora.consume.unit_of_work import UnitOfWork
from azora.messages import Event
from azora.personal.vault import Vault
from consumers.identity import sql
from consumers.identity.handlers import create_keys
from consumers.identity.provider_rules import SignInState, decide, identity_of
from schemas.oidc import UserOidcSignInRequested


async def on_sign_in_requested(
    vault: Vault, events: Sequence[Event[UserOidcSignInRequested]], uow: UnitOfWork
) -> None:
    """Settle each request with the account its provider identity signs in (a new one with
    its personal-data key), or a refusal."""
    requests = [event.payload for event in events]
    state = await _known(uow, requests)
    outcomes = [decide(event.payload, state, event.envelope.occurred_at) for event in events]
    created = state.new_accounts
    if created:
        rows = await uow.conn.fetch(
            sql.CREATE_ACCOUNTS,
            [a.user_id for a in created],
            [a.email for a in created],
            [a.display_name for a in created],
            [a.registered_at for a in created],
        )
        if len(rows) < len(created):
            # A registration in another partition took one of these emails after it was
            # read: retried, the batch sees the account and refuses that sign-in instead.
            raise TransientError("an email was taken while the batch was decided")
        await create_keys(vault, [a.user_id for a in created])
    if state.new_links:
        links = list(state.new_links.items())
        await uow.conn.execute(
            sql.LINK_IDENTITIES,
            [issuer for (issuer, _), _ in links],
            [subject for (_, subject), _ in links],
            [user_id for _, (user_id, _, _) in links],
            [provider for _, (_, provider, _) in links],
            [at for _, (_, _, at) in links],
        )
    for event, facts in zip(events, outcomes, strict=True):
        for fact in facts:
            uow.emit(fact, cause=event)


async def _known(uow: UnitOfWork, requests: list[UserOidcSignInRequested]) -> SignInState:
    identities = list({identity_of(r) for r in requests})
    linked = await uow.conn.fetch(
        sql.LINKED_IDENTITIES, [i for i, _ in identities], [s for _, s in identities]
    )
    targets = list({r.link_to for r in requests if r.link_to is not None})
    accounts = await uow.conn.fetch(sql.EXISTING_ACCOUNTS, targets) if targets else []
    emails = await uow.conn.fetch(sql.TAKEN_EMAILS, list({r.email for r in requests}))
    return SignInState(
        linked={(row["issuer"], row["subject"]): row["user_id"] for row in linked},
        accounts={row["user_id"] for row in accounts},
        taken_emails={row["email"] for row in emails},
    )
