"""What every provider webhook does first: read the body, but never more than a small cap.

A webhook is reachable from the whole internet before anything is verified, so the body is
read in chunks and refused (413) as soon as it is larger than any real message could be.
"""

from __future__ import annotations

from fastapi import HTTPException, Request

MAX_BODY_BYTES = 64 * 1024  # a 4,096-character WhatsApp or Telegram text, encoded, is ~50 KB


async def read_capped(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The request body, or 413 when it (or its declared length) exceeds `limit` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, f"request body over {limit} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise HTTPException(413, f"request body over {limit} bytes")
    return bytes(body)
