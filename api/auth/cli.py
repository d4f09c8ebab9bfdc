"""Create support staff accounts, with one or more roles:

    python -m api.auth.cli create-user NAME --role advisor --role admin

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


async def create_user(username: str, password: str, roles: list[Role]) -> None:
    """Create the account in the configured database."""
    engine = create_engine(get_settings().database_url)
    async with create_session_factory(engine)() as session:
        await service.create_user(
            db_session=session, username=username, password=password, roles=roles
        )
        await session.commit()
    await engine.dispose()


def main() -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create-user", help="create a staff account")
    create.add_argument("username")
    create.add_argument(
        "--role",
        choices=[r.value for r in Role],
        action="append",
        required=True,
        help="repeat for several roles (at most one of cca, sn1, sn2)",
    )
    args = parser.parse_args()
    password = os.environ.get("ASSISTANT_PASSWORD") or getpass.getpass("Mot de passe : ")
    try:
        asyncio.run(create_user(args.username, password, [Role(r) for r in args.role]))
    except (ValueError, ConflictError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"created {args.username} ({', '.join(args.role)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
