"""Knowledge base commands: `load` the YAML files into the database, `export` the database to YAML.

python -m api.knowledge.cli load
python -m api.knowledge.cli export [--out DIR]
"""

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

import yaml

from api.core.config import get_settings
from api.core.db import create_engine, create_session_factory
from api.knowledge import service
from knowledge_base.loader import ENTRIES_DIR, KnowledgeFileError, load_entries
from knowledge_base.schema import Entry
from knowledge_base.taxonomy import load_domains

DEFAULTS: dict[str, Any] = {
    "error_messages": [],
    "reformulations": [],
    "keywords": [],
    "buttons": [],
    "follow_up": None,
    "proposes_fsd": False,
    "overview": False,
    "kind": "knowledge",
    "incident": None,
}


async def load() -> service.SyncReport:
    """Validate the YAML files and sync them into the configured database."""
    settings = get_settings()
    domains = [d.id for d in load_domains(settings.domains_file)]
    entries = load_entries(known_domains=domains)
    engine = create_engine(settings.database_url)
    async with create_session_factory(engine)() as session:
        report = await service.sync_from_yaml(db_session=session, entries=entries)
        await session.commit()
    await engine.dispose()
    return report


def entry_yaml(entry: Entry) -> dict[str, Any]:
    """Return the entry as a YAML mapping, without fields left at their default."""
    data = entry.model_dump(mode="json", exclude_none=False)
    return {k: v for k, v in data.items() if k not in DEFAULTS or v != DEFAULTS[k]}


async def export(out: Path) -> int:
    """Write the database's active entries as one YAML file per domain; return their number."""
    engine = create_engine(get_settings().database_url)
    async with create_session_factory(engine)() as session:
        rows = await service.list_entries(db_session=session)
        entries = [service.to_entry(row) for row in rows]
    await engine.dispose()
    out.mkdir(parents=True, exist_ok=True)
    by_domain: dict[str, list[Entry]] = {}
    for entry in entries:
        by_domain.setdefault(entry.domain, []).append(entry)
    for domain, items in sorted(by_domain.items()):
        document = {
            "domain": domain,
            "entries": [entry_yaml(e) for e in sorted(items, key=lambda e: e.id)],
        }
        text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100)
        (out / f"{domain}.yml").write_text(text, encoding="utf-8")
    return len(entries)


def main() -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("load", help="load the YAML files into the database")
    export_parser = commands.add_parser("export", help="write the database's entries as YAML")
    export_parser.add_argument("--out", type=Path, default=ENTRIES_DIR)
    args = parser.parse_args()
    if args.command == "load":
        try:
            report = asyncio.run(load())
        except KnowledgeFileError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        print(
            f"==> Knowledge base: {len(report.created)} created, {len(report.updated)} updated, "
            f"{len(report.retired)} retired"
        )
        return 0
    count = asyncio.run(export(args.out))
    print(f"==> Exported {count} entries to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
