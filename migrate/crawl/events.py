"""The worker → parent channel: one JSON object per line on the worker's stdout.

Events: `{"event": "progress", "done": n, "total": n, "label": "..."}`,
`{"event": "error", "message": "...", "hint": ..., "user": true}` (Chinese, for the user; `user`
when it is bad input rather than a fault), `{"event": "closed", "reason": ...}` (Scrapy closed the
spider), `{"event": "done"}`.
Scrapy logs go to stderr (a log file), so stdout carries nothing else.
"""

from __future__ import annotations

import json
import logging
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


def run_reporting(work, internal_error: str, logger: logging.Logger) -> int:
    """A worker process's main: run `work()` and tell the parent how it ended. Bad input the
    user can fix goes up as it was raised; anything else as `internal_error` (Chinese) with the
    traceback in the log. Returns the exit code; `work` may return fields for the `done` event."""
    from migrate.errors import UserError

    try:
        fields = work() or {}
    except UserError as exc:
        emit("error", message=exc.message, hint=exc.hint, path=exc.path, line=exc.line, user=True)
        return 2
    except Exception as exc:  # noqa: BLE001 - reported to the parent, traceback in the log
        logger.exception("crawl worker failed")
        emit("error", message=f"{internal_error}：{type(exc).__name__}: {exc}")
        return 1
    emit("done", **fields)
    return 0
