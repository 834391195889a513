"""Several townships crawled at once (`crawl.towns_at_once`, `sitemigrate crawl --jobs`).

A township crawl spends nearly all its time waiting on a weak, distant server, paced by
`concurrency_per_host` and `delay`; crawling other townships meanwhile costs that server
nothing. So up to `jobs` townships run side by side, each in its own child process as ever,
each relayed by a thread here. Two townships whose old sites share a server (a county host with
a folder per township, www and bare domain) never run together: that would double what the
server sees.

A failed township does not stop the others already running; no new one starts after it, and its
error is raised once they end, as a one-at-a-time crawl would have raised it. Ctrl-C stops
every running crawl cleanly (files closed, ledger flushed), so `--resume` carries on.
"""

from __future__ import annotations

import threading
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

from migrate.config import Township
from migrate.urls import host_of

# How often the main thread wakes to notice Ctrl-C while the crawls run.
WAIT_SECONDS = 0.5


def servers_of(town: Township) -> set[str]:
    """The servers a township's crawl talks to: its hosts, www and bare domain as one."""
    names = set()
    for host in town.old_site.hosts + [host_of(url) for url in town.old_site.start_urls]:
        name = host.lower().rsplit(":", 1)[0] if host.count(":") == 1 else host.lower()
        names.add(name[4:] if name.startswith("www.") else name)
    return names


def next_startable(waiting: list[Township], running: list[Township]) -> Township | None:
    """The first waiting township sharing no server with a running one (in the given order)."""
    busy = set().union(*(servers_of(town) for town in running)) if running else set()
    return next((town for town in waiting if not servers_of(town) & busy), None)


class CombinedProgress:
    """One progress line for the townships running at once: their URLs summed, their names in
    the label (which changes only when one starts or ends, so a log is not flooded)."""

    def __init__(self, progress):
        self.progress = progress
        self.lock = threading.Lock()
        self.counts: dict[str, tuple[int, int | None]] = {}     # by slug, in the order started
        self.names: dict[str, str] = {}

    def for_town(self, town: Township):
        """The progress callback of one township's crawl, which is running from now on."""
        with self.lock:
            self.counts[town.slug] = (0, None)
            self.names[town.slug] = town.name

        def report(done: int, total: int | None, label: str):
            with self.lock:
                self.counts[town.slug] = (done, total)
                self._show()
        return report

    def finished(self, town: Township):
        with self.lock:
            self.counts.pop(town.slug, None)

    def _show(self):
        done = sum(d for d, _ in self.counts.values())
        totals = [t for _, t in self.counts.values()]
        # no total until every running township has one: a sum that happened to equal `done`
        # would read as the end
        total = None if None in totals else sum(totals)
        names = "、".join(self.names[slug] for slug in self.counts)
        self.progress(done, total, f"同时归档 {len(self.counts)} 个乡镇（{names}）")


def crawl_at_once(towns: list[Township], jobs: int, crawl_one, stopper, progress=None) -> dict:
    """{slug: what `crawl_one(town, progress)` returned} for every township, `jobs` at a time.
    `stopper` (`migrate.crawl.runner.Stopper`) reaches the crawls' child processes."""
    combined = CombinedProgress(progress) if progress else None
    waiting, running, outcomes = list(towns), {}, {}
    failure: BaseException | None = None

    def start(pool: ThreadPoolExecutor, town: Township) -> Future:
        return pool.submit(crawl_one, town, combined.for_town(town) if combined else None)

    with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="township") as pool:
        try:
            while waiting or running:
                while failure is None and len(running) < jobs:
                    town = next_startable(waiting, list(running.values()))
                    if town is None:
                        break
                    waiting.remove(town)
                    running[start(pool, town)] = town
                if not running:
                    break
                ended, _ = wait(running, timeout=WAIT_SECONDS, return_when=FIRST_COMPLETED)
                for future in ended:
                    town = running.pop(future)
                    if combined:
                        combined.finished(town)
                    if future.exception() is not None:
                        failure = failure or future.exception()
                    else:
                        outcomes[town.slug] = future.result()
        except BaseException:           # Ctrl-C (or anything else): every crawl closes its files
            stopper.stop_all()
            try:
                wait(running)
            except BaseException:       # a second Ctrl-C: stop now
                stopper.kill_all()
                raise
            raise
    if failure is not None:
        raise failure
    return outcomes
