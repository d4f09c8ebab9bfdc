"""Create support staff accounts: python -m api.auth.cli create-user NAME --role admin.

The password is read from the ASSISTANT_PASSWORD environment variable, or asked for.
"""

import argparse
import asyncio
import getpass
import os
import sys

from api.auth import service
from api.auth.models import Role
from api.core.config import get_settings
from api.core.db import create_engine, create_session_factory
from api.core.errors import ConflictError


async def create_user(username: str, password: str, role: Role) -> None:
    """Create the account in the configured database."""
    engine = create_engine(get_settings().database_url)
    async with create_session_factory(engine)() as session:
        await service.create_user(
            db_session=session, username=username, password=password, role=role
        )
    await engine.dispose()


def main() -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create-user", help="create a staff account")
    create.add_argument("username")
    create.add_argument("--role", choices=[r.value for r in Role], required=True)
    args = parser.parse_args()
    password = os.environ.get("ASSISTANT_PASSWORD") or getpass.getpass("Mot de passe : ")
    try:
        asyncio.run(create_user(args.username, password, Role(args.role)))
    except (ValueError, ConflictError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"created {args.role} {args.username}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
