"""The three sample township sites, built once per process, and lookup by Host header."""

from __future__ import annotations

from functools import cache

from migrate.samples.liuhe import Liuhe
from migrate.samples.model import SampleSite
from migrate.samples.qingshi import Qingshi
from migrate.samples.taoyuan import Taoyuan

SITE_CLASSES = (Taoyuan, Qingshi, Liuhe)


@cache
def sample_sites() -> dict[str, SampleSite]:
    """Town slug → built site (deterministic: the same bytes on every run)."""
    return {cls.slug: cls() for cls in SITE_CLASSES}


@cache
def _host_index() -> dict[str, str]:
    return {host: cls.slug for cls in SITE_CLASSES for host in cls.hosts}


def site_for_host(host: str | None) -> SampleSite | None:
    """The site answering `host` (`name` or `name:port`); an exact `name:port` entry wins, else
    the port is ignored, as name-based virtual hosting does."""
    if not host:
        return None
    host = host.strip().lower().rstrip(".")
    index = _host_index()
    slug = index.get(host)
    if slug is None and ":" in host:
        slug = index.get(host.rsplit(":", 1)[0])
    return sample_sites()[slug] if slug else None
