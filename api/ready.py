"""Wait until every process answers, then print the URL to open (and stay up until stopped)."""

import asyncio
import signal
import sys
import time

import httpx

from api.core.config import get_settings

POLL_SECONDS = 1.0
PATIENCE_SECONDS = 300.0


async def _wait_healthy(url: str) -> bool:
    deadline = time.monotonic() + PATIENCE_SECONDS
    async with httpx.AsyncClient(timeout=2.0) as client:
        while time.monotonic() < deadline:
            try:
                if (await client.get(url)).status_code == 200:
                    return True
            except httpx.HTTPError:
                pass
            await asyncio.sleep(POLL_SECONDS)
    return False


async def main() -> int:
    """Print the URL once healthy; then wait until stopped."""
    settings = get_settings()
    if await _wait_healthy(f"{settings.public_url}/api/v1/health"):
        print(f"Assistant ready: open {settings.public_url}/", flush=True)
    else:
        print(f"Not healthy after {PATIENCE_SECONDS:.0f} s: see the logs above", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
