"""The demo's sample users, one per role, with passwords made up on every start.

Only a hash of a password is kept, so a password printed once cannot be printed
again: each start of the demo gives the sample users new ones and prints them
(`ccengine users passwd LOGIN` sets one by hand)."""

from __future__ import annotations

import secrets
import sys

from ccengine.db import Database
from ccengine.users.models import Role
from ccengine.users.service import UserError, create_user, set_password

# (login, name, role, SIP interface): the agents match the simulator's queue members,
# by interface and by name (display names are unique, and a ticket assigned at the end
# of a call goes by Asterisk's MemberName, which the simulator sets to these names).
SAMPLE_USERS = (
    ("admin", "Administrator", Role.ADMIN, None),
    ("agnieszka", "Agnieszka Wójcik", Role.AGENT, "PJSIP/agent3"),
    ("tomasz", "Tomasz Kamiński", Role.PRIVILEGED_AGENT, "PJSIP/agent4"),
    ("qa", "Ewa QA", Role.QA_LEAD, None),
)


async def create_sample_users(database: Database) -> None:
    """Create the missing sample users, give every one a new password, print them."""
    lines = []
    for login, name, role, interface in SAMPLE_USERS:
        password = secrets.token_urlsafe(9)
        try:
            await _sample_user(database, login, name, role, interface, password)
        except UserError as exc:
            lines.append(f"  {login:<10} {role.value:<17} (not available: {exc})")
            continue
        lines.append(f"  {login:<10} {role.value:<17} password {password}")
    print("ccengine demo: sample users (log in at /api/v1/login):", file=sys.stderr)
    print("\n".join(lines), file=sys.stderr, flush=True)


async def _sample_user(database: Database, login: str, name: str, role: Role,
                       interface: str | None, password: str) -> None:
    try:
        await create_user(database, login, password, role, display_name=name,
                          sip_interface=interface)
    except UserError:  # from an earlier run (else set_password says what is wrong)
        await set_password(database, login, password)
