"""The demo's sample users, one per role, with passwords made up on first run."""

from __future__ import annotations

import secrets
import sys

from ccengine.db import Database
from ccengine.users.models import Role
from ccengine.users.service import UserError, create_user

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
    """Create the missing sample users and print their logins (passwords only when new)."""
    lines = []
    for login, name, role, interface in SAMPLE_USERS:
        password = secrets.token_urlsafe(9)
        try:
            await create_user(database, login, password, role, display_name=name,
                              sip_interface=interface)
        except UserError as exc:
            # Usually the login exists from an earlier run; say so whatever the cause.
            lines.append(f"  {login:<10} {role.value:<17} (not created: {exc}; "
                         "an existing user keeps the password first printed)")
            continue
        lines.append(f"  {login:<10} {role.value:<17} password {password}")
    print("ccengine demo: sample users (log in at /api/v1/login):", file=sys.stderr)
    print("\n".join(lines), file=sys.stderr, flush=True)
