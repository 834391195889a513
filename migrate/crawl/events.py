"""The worker → parent channel: one JSON object per line on the worker's stdout.

Events: `{"event": "progress", "done": n, "total": n, "label": "..."}`,
`{"event": "error", "message": "...", "hint": ..., "user": true}` (Chinese, for the user; `user`
when it is bad input rather than a fault), `{"event": "closed", "reason": ...}` (Scrapy closed the
spider), `{"event": "done"}`.
Scrapy logs go to stderr (a log file), so stdout carries nothing else.
"""

from __future__ import annotations

import json
import sys

_stream = sys.stdout


def emit(event: str, **fields):
    _stream.write(json.dumps({"event": event, **fields}, ensure_ascii=False) + "\n")
    _stream.flush()


def parse(line: str) -> dict | None:
    """An event from one line of worker output (None for anything that is not one)."""
    line = line.strip()
    if not line.startswith("{"):
        return None
    try:
        event = json.loads(line)
    except ValueError:
        return None
    return event if isinstance(event, dict) and "event" in event else None
