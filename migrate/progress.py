"""Progress lines on stderr: a live counter on a terminal, a line every few seconds elsewhere."""

from __future__ import annotations

import sys
import time


class Progress:
    def __init__(self, stream=None, interval: float = 5.0):
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty()
        self.interval = interval
        self.last_label = None
        self.last_time = 0.0

    def __call__(self, done: int, total: int | None, label: str):
        now = time.monotonic()
        finished = total is not None and done >= total
        if not self.live and not finished and label == self.last_label and now - self.last_time < self.interval:
            return
        text = f"{label}：{done}/{total}" if total else f"{label}：{done}"
        if self.live:
            end = "\n" if finished else ""
            self.stream.write(f"\r\x1b[K{text}{end}")
        else:
            self.stream.write(text + "\n")
        self.stream.flush()
        self.last_label, self.last_time = label, now

    def close(self):
        if self.live:
            self.stream.write("\n")
            self.stream.flush()
