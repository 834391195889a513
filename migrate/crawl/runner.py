"""`crawl_towns`: archive each township's old site, one child process per township.

Scrapy runs on Twisted, whose reactor cannot restart within a process; running every crawl in
`python -m migrate.crawl.worker` lets tests and the pipeline call `crawl_towns` as often as they
like. The child reports progress as JSON lines; its log goes to `work/logs/crawl-<town>.log`.
Ctrl-C is passed on as one SIGINT: the child stops gracefully (ledger flushed, WARC files
closed) and `resume=True` continues later.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

from migrate.config import Config, Township
from migrate.crawl import changes, events
from migrate.crawl.job import CrawlJob
from migrate.crawl.towns import crawl_at_once
from migrate.crawl.verdicts import mark_redirect_loops
from migrate.errors import UserError
from migrate.ledger import Ledger
from migrate.urls import canonical_url

# How long a stopping crawl may take to close its files before it is killed.
STOP_GRACE_SECONDS = 30.0
PACKAGE_ROOT = Path(__file__).resolve().parents[2]   # holds `migrate/` and `spiders/`


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


if os.name == "nt":
    # A process group of its own; Scrapy stops gracefully on CTRL_BREAK (SIGBREAK) there.
    DETACH = {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
    STOP_SIGNAL = signal.CTRL_BREAK_EVENT
else:
    DETACH = {"start_new_session": True}
    STOP_SIGNAL = signal.SIGINT


def child_env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PACKAGE_ROOT), env.get("PYTHONPATH")) if p)
    env["PYTHONIOENCODING"] = "utf-8"
    return env


class Stopper:
    """Stops every running township crawl at once. With several townships crawling, Ctrl-C
    reaches only the main thread; it asks each child to stop, as one crawl's thread would."""

    def __init__(self):
        self.lock = threading.Lock()
        self.children: set[subprocess.Popen] = set()
        self.stopping = False

    def add(self, child: subprocess.Popen):
        with self.lock:
            self.children.add(child)
            if self.stopping:
                _ask_to_stop(child)

    def discard(self, child: subprocess.Popen):
        with self.lock:
            self.children.discard(child)

    def stop_all(self):
        with self.lock:
            self.stopping = True
            for child in self.children:
                _ask_to_stop(child)

    def kill_all(self):
        """A second Ctrl-C: stop now."""
        with self.lock:
            for child in self.children:
                if child.poll() is None:
                    child.kill()


def _ask_to_stop(child: subprocess.Popen) -> threading.Timer | None:
    """One stop signal, and a kill if the child has not closed its files in time (the timer,
    to cancel once it has)."""
    if child.poll() is not None:
        return None
    killer = threading.Timer(STOP_GRACE_SECONDS, lambda: child.poll() is None and child.kill())
    killer.daemon = True
    killer.start()
    child.send_signal(STOP_SIGNAL)
    return killer


class WorkerProcess:
    """One `migrate.crawl.worker` child: start it, relay its progress, stop it cleanly."""

    def __init__(self, job: CrawlJob, log_path: Path, stopper: Stopper | None = None):
        self.job = job
        self.log_path = log_path
        self.stopper = stopper
        self.error: dict | None = None

    def run(self, progress=None, on_start=None):
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            # A session of its own: a terminal's Ctrl-C reaches only us, and we forward exactly
            # one stop signal (a second one would make Scrapy stop without closing its files).
            child = subprocess.Popen(
                [sys.executable, "-m", "migrate.crawl.worker"], stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=log, env=child_env(), **DETACH)
            if self.stopper is not None:
                self.stopper.add(child)
            try:
                child.stdin.write(self.job.to_json().encode("utf-8"))
                child.stdin.close()
                if on_start is not None:
                    on_start()
                self._relay(child, progress)
                code = child.wait()
            except BaseException:
                self.stop(child)
                raise
            finally:
                if self.stopper is not None:
                    self.stopper.discard(child)
        if self.stopper is not None and self.stopper.stopping:
            raise KeyboardInterrupt      # stopped with the others: its files are closed
        if code != 0:
            raise self.failure(code)

    def failure(self, code: int) -> UserError:
        error = self.error or {}
        if error.get("user"):      # bad input the user can fix: pass it on as it was raised
            return UserError(error["message"], path=error.get("path"), line=error.get("line"),
                             hint=error.get("hint"))
        message = error.get("message") or f"归档 {self.job.town_name} 的抓取进程意外退出（退出码 {code}）。"
        return UserError(message, hint=f"详细日志见 {self.log_path}。")

    def _relay(self, child, progress):
        for line in child.stdout:
            event = events.parse(line.decode("utf-8", "replace"))
            if event is None:
                continue
            if event["event"] == "progress" and progress:
                progress(int(event.get("done", 0)), event.get("total"), event.get("label", ""))
            elif event["event"] == "error":
                self.error = event

    def stop(self, child):
        """Ask the crawl to stop, wait for it to close its files, kill it if it will not."""
        killer = _ask_to_stop(child)
        if killer is None:
            return
        try:
            for _ in child.stdout:      # drain, so a full pipe cannot block its shutdown
                pass
            child.wait()
        except BaseException:           # a second Ctrl-C: stop now
            child.kill()
            child.wait()
            raise
        finally:
            killer.cancel()


# ---------------------------------------------------------------------- ledger side

def town_stats(ledger: Ledger, town: str) -> dict:
    """Counts of one township's crawl as the ledger has it."""
    stats = {"pages": 0, "attachments": 0, "images": 0, "assets": 0, "other": 0, "redirects": 0,
             "errors": 0, "excluded": 0, "failed": 0, "queued": 0, "fetched": 0, "revisits": 0,
             "bytes": 0}
    plural = {"page": "pages", "attachment": "attachments", "image": "images", "asset": "assets"}
    rows = ledger.db.execute(
        "SELECT state, kind, status, COUNT(*), COALESCE(SUM(length), 0), COUNT(revisit_of) "
        "FROM urls WHERE town=? GROUP BY state, kind, status", (town,))
    for state, kind, status, count, length, revisits in rows:
        if state != "fetched":
            stats[state] = stats.get(state, 0) + count
            continue
        stats["fetched"] += count
        stats["bytes"] += length
        stats["revisits"] += revisits
        status = status or 0
        if 300 <= status < 400:
            stats["redirects"] += count
        elif status >= 400:
            stats["errors"] += count
        else:
            stats[plural.get(kind, "other")] += count
    return stats


def begin_run(ledger: Ledger, town: str) -> int:
    cursor = ledger.db.execute("INSERT INTO runs (town, stage, started_at) VALUES (?, 'crawl', ?)",
                               (town, _now()))
    return cursor.lastrowid


def end_run(ledger: Ledger, run_id: int, outcome: str, stats: dict):
    ledger.db.execute("UPDATE runs SET ended_at=?, outcome=?, stats=? WHERE id=?",
                      (_now(), outcome, json.dumps(stats, ensure_ascii=False), run_id))


def after_crawl(config: Config, ledger: Ledger, town: str) -> dict:
    """What every crawl of a township ends with, however it ran (one process or distributed):
    redirect loops marked, then the crawl report written; returns the report's summary."""
    from migrate.crawl.report import write_crawl_report

    mark_redirect_loops(ledger, town)
    return write_crawl_report(config, ledger, town)


def prepare_report():
    """Load the report's code and compile its template in the background while the crawl
    process starts (a core is idle then), not after the crawl, when the user waits for it."""
    def prepare():
        from migrate.crawl.report import _template

        _template()

    threading.Thread(target=prepare, name="prepare-report", daemon=True).start()


def unreachable_start(ledger: Ledger, town: Township) -> str | None:
    """A Chinese explanation when none of the township's start URLs could be archived."""
    problems = []
    for url in town.old_site.start_urls:
        row = ledger.get(town.slug, canonical_url(url))
        if row and row["state"] == "fetched" and (row["status"] or 0) < 400:
            return None
        if row is None:
            problems.append(f"{url}（未抓取）")
        elif row["state"] == "excluded" and row["rule"] == "robots":
            problems.append(f"{url}（旧站 robots.txt 禁止抓取；确属本县网站时可在配置中设 old_site.obey_robots: false）")
        elif row["state"] == "fetched":
            problems.append(f"{url}（HTTP {row['status']}）")
        else:
            problems.append(f"{url}（{row['rule'] or row['state']}）")
    return f"{town.name}（{town.slug}）的旧站首页无法归档：" + "；".join(problems) + "。"


# ---------------------------------------------------------------------- entry point

def crawl_town(config: Config, town: Township, resume: bool = False, progress=None,
               proxy: str | None = None, recrawl: bool = False, stopper: Stopper | None = None) -> dict:
    job = CrawlJob.for_town(config, town, resume=resume, proxy=proxy, recrawl=recrawl)
    log_path = Path(job.workdir) / "logs" / f"crawl-{town.slug}.log"
    with Ledger(job.ledger_path) as ledger:
        run_id = job.run_id = begin_run(ledger, town.slug)
    started, outcome = time.monotonic(), "failed"
    try:
        WorkerProcess(job, log_path, stopper).run(progress, on_start=prepare_report)
        outcome = "done"
    except KeyboardInterrupt:
        outcome = "interrupted"
        raise
    finally:
        with Ledger(job.ledger_path) as ledger:
            stats = town_stats(ledger, town.slug)
            stats["seconds"] = round(time.monotonic() - started, 2)
            if recrawl:
                stats["changes"] = changes.summary(ledger, town.slug, run_id)
            end_run(ledger, run_id, outcome, stats)
    return stats


def crawl_and_report(config: Config, town: Township, **options) -> tuple[dict, str | None]:
    """One township start to end: its crawl, then its report. Returns (stats, a Chinese
    explanation if its homepage could not be archived, else None)."""
    stats = crawl_town(config, town, **options)
    with Ledger(config.ledger_path) as ledger:
        stats["report"] = after_crawl(config, ledger, town.slug)
        return stats, unreachable_start(ledger, town)


def crawl_towns(config: Config, towns: list[Township], resume: bool = False, progress=None,
                proxy: str | None = None, recrawl: bool = False, jobs: int | None = None) -> dict[str, dict]:
    """Archive each township's old site (WARC + ledger); returns per-township counts:
    pages, attachments, images, assets, other, redirects, errors (4xx), excluded, failed,
    queued (left for a resume), fetched, revisits, bytes, seconds; with `recrawl` (fetch again
    only what is new or changed, see `migrate.crawl.recrawl`) also `changes`: counts of new,
    changed, unchanged and gone URLs; and `report`: the summary of the crawl report written to
    `output/reports/crawl-<town>.html` and `.json` (see `migrate.crawl.report`).

    `jobs` townships (default `crawl.towns_at_once`) are crawled at once, never two that share
    a host: politeness is per server (see `migrate.crawl.towns`)."""
    if resume and recrawl:
        raise UserError("不能同时续抓（--resume）和增量重抓（--recrawl）。",
                        hint="中断的增量重抓请直接再运行一次增量重抓；中断的首次抓取请用 --resume 续抓。")
    jobs = jobs or config.crawl.towns_at_once
    options = dict(resume=resume, proxy=proxy, recrawl=recrawl)
    if jobs > 1 and len(towns) > 1:
        stopper = Stopper()

        def crawl_one(town: Township, report) -> tuple[dict, str | None]:
            return crawl_and_report(config, town, progress=report, stopper=stopper, **options)

        outcomes = crawl_at_once(towns, jobs, crawl_one, stopper, progress)
    else:
        outcomes = {town.slug: crawl_and_report(config, town, progress=progress, **options) for town in towns}
    results = {slug: stats for slug, (stats, _) in outcomes.items()}
    unreachable = [problem for _, problem in outcomes.values() if problem]
    if unreachable:
        raise UserError(" ".join(unreachable),
                        hint="请检查 sitemigrate.yaml 中的 start_urls、网络连接或代理设置（--proxy），然后重新运行 `sitemigrate crawl`。")
    return results
