"""What one crawl worker process is asked to do, as JSON (it runs in a child process)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from migrate.config import Config, CrawlSettings, Township
from migrate.crawl.warc import ROTATE_BYTES

DEFAULT_SPIDER = "generic"


@dataclass
class CrawlJob:
    town: str
    town_name: str
    start_urls: list[str]
    hosts: list[str]
    workdir: str
    ledger_path: str
    archive_dir: str
    encoding: str | None = None
    spider: str = DEFAULT_SPIDER
    obey_robots: bool = True
    proxy: str | None = None
    resume: bool = False
    recrawl: bool = False              # fetch again only what changed (migrate.crawl.recrawl)
    run_id: int | None = None          # the ledger's `runs` row of this crawl
    settings: CrawlSettings = field(default_factory=CrawlSettings)
    rotate_bytes: int = ROTATE_BYTES

    @classmethod
    def for_town(cls, config: Config, town: Township, resume: bool = False,
                 proxy: str | None = None, recrawl: bool = False) -> "CrawlJob":
        site = town.old_site
        obey = config.crawl.obey_robots if site.obey_robots is None else site.obey_robots
        return cls(
            town=town.slug, town_name=town.name, start_urls=list(site.start_urls),
            hosts=list(site.hosts), workdir=str(Path(config.workdir).resolve()),
            ledger_path=str(Path(config.ledger_path).resolve()),
            archive_dir=str(Path(config.archive_dir(town.slug)).resolve()), encoding=site.encoding,
            spider=site.spider or DEFAULT_SPIDER, obey_robots=obey,
            proxy=proxy or config.crawl.proxy, resume=resume, recrawl=recrawl, settings=config.crawl,
        )

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> "CrawlJob":
        data = json.loads(text)
        data["settings"] = CrawlSettings(**data.get("settings", {}))
        return cls(**data)
