"""Refuse request bodies larger than a bound, before anything reads them."""

import json
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

TOO_LARGE = "La requête est trop volumineuse."
TOO_LARGE_FILE = "Le fichier dépasse la taille maximale."


class BodySizeLimit:
    """ASGI middleware: 413 when Content-Length, or the streamed body, exceeds `max_bytes`."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_bytes: int,
        upload_pattern: str | None = None,
        upload_max_bytes: int = 0,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        # File uploads (paths matching `upload_pattern`) have their own, larger bound.
        self._uploads = re.compile(upload_pattern) if upload_pattern else None
        self._upload_max = upload_max_bytes

    def _is_upload(self, path: str) -> bool:
        return self._uploads is not None and self._uploads.fullmatch(path) is not None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        upload = self._is_upload(scope["path"])
        limit = self._upload_max if upload else self.max_bytes
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(send, limit, upload)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _BodyTooLarge
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _BodyTooLarge:
            await self._refuse(send, limit, upload)

    async def _refuse(self, send: Send, limit: int, upload: bool) -> None:
        body = json.dumps(
            {
                "detail": f"request body is larger than {limit} bytes",
                "message": TOO_LARGE_FILE if upload else TOO_LARGE,
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class _BodyTooLarge(Exception):
    """The streamed body went past the limit."""
