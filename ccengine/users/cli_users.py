"""`ccengine users add`, `users passwd` and `ccengine users tokens add`.

Passwords come from stdin (``--password-stdin``) or a getpass prompt; they are
never echoed, printed or logged.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from typing import Any

from ccengine.config import Config
from ccengine.users.models import HUMAN_ROLES, Role


def add_parsers(commands: Any) -> None:
    users = commands.add_parser("users", help="users of the web UI/API and API tokens")
    sub = users.add_subparsers(dest="users_command", required=True)
    add = sub.add_parser("add", help="create a user (e.g. the first admin)")
    add.add_argument("login")
    add.add_argument("--role", required=True, choices=sorted(r.value for r in HUMAN_ROLES))
    add.add_argument("--name", help=(
        "display name, unique among users (default: the login); for an agent it must "
        "equal the agent's member name in the route graph (Asterisk's MemberName): "
        "tickets of calls the console did not see are assigned by that name"))
    add.add_argument("--sip", help="the agent's SIP interface, e.g. PJSIP/101")
    add.add_argument("--locale", default="pl")
    add.add_argument("--password-stdin", action="store_true",
                     help="read the password from the first line of stdin")
    add.set_defaults(run=run_add_user)
    passwd = sub.add_parser("passwd", help="set a user's password (e.g. a forgotten one)")
    passwd.add_argument("login")
    passwd.add_argument("--password-stdin", action="store_true",
                        help="read the password from the first line of stdin")
    passwd.set_defaults(run=run_passwd)
    tokens = sub.add_parser("tokens", help="API tokens for integrations")
    token_sub = tokens.add_subparsers(dest="tokens_command", required=True)
    token_add = token_sub.add_parser("add", help="create an API token and print it once")
    token_add.add_argument("name")
    token_add.add_argument("--role", default=Role.INTEGRATION.value,
                           choices=[Role.INTEGRATION.value])
    token_add.set_defaults(run=run_add_token)


def read_password(from_stdin: bool) -> str | None:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Repeat password: ") != first:
        print("ccengine: passwords differ", file=sys.stderr)
        return None
    return first


def _new_password(args: argparse.Namespace) -> str | None:
    """The password from stdin or the terminal; None (said why) when there is none."""
    password = read_password(args.password_stdin)
    if password == "":
        print("ccengine: no password given", file=sys.stderr)
    return password or None


def run_add_user(args: argparse.Namespace, config: Config) -> int:
    password = _new_password(args)
    if password is None:
        return 2
    return asyncio.run(_add_user(config, args, password))


async def _add_user(config: Config, args: argparse.Namespace, password: str) -> int:
    from ccengine.db import Database
    from ccengine.users.service import UserError, create_user

    database = Database.open(config.database)
    try:
        await database.migrate()  # the first admin is often made on a fresh database
        user = await create_user(database, args.login, password, Role(args.role),
                                 display_name=args.name, sip_interface=args.sip,
                                 locale=args.locale)
    except UserError as exc:
        print(f"ccengine: {exc}", file=sys.stderr)
        return 1
    finally:
        await database.close()
    print(f"created user {user.login} ({user.role})")
    return 0


def run_passwd(args: argparse.Namespace, config: Config) -> int:
    password = _new_password(args)
    if password is None:
        return 2
    return asyncio.run(_passwd(config, args.login, password))


async def _passwd(config: Config, login: str, password: str) -> int:
    from ccengine.db import Database
    from ccengine.users.service import UserError, set_password

    database = Database.open(config.database)
    try:
        await database.migrate()
        await set_password(database, login, password)
    except UserError as exc:
        print(f"ccengine: {exc}", file=sys.stderr)
        return 1
    finally:
        await database.close()
    print(f"password of {login} changed")
    return 0


def run_add_token(args: argparse.Namespace, config: Config) -> int:
    return asyncio.run(_add_token(config, args.name, Role(args.role)))


async def _add_token(config: Config, name: str, role: Role) -> int:
    from ccengine.db import Database
    from ccengine.users.service import create_api_token

    database = Database.open(config.database)
    try:
        await database.migrate()
        token = await create_api_token(database, name, role)
    finally:
        await database.close()
    print(token)
    print("store it now: it is shown only once", file=sys.stderr)
    return 0
