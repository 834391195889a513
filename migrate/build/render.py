"""Running Pelican on the site model: settings built in code, theme checks, stale-file cleanup."""

from __future__ import annotations

import contextlib
import locale
import os
import tempfile
from pathlib import Path

import jinja2
from pelican import Pelican, signals
from pelican.log import console
from pelican.settings import read_settings

from migrate.build import pelican_plugin
from migrate.build.model import PER_PAGE, Site
from migrate.errors import UserError
from migrate.newurls import quote_path

THEME_STATIC_DIR = "theme"
REQUIRED_TEMPLATES = ("base", "column_base", "county_home", "channel", "sitemap", "town", "column", "group",
                      "single", "article")
KEEP_IN_OUTPUT = {".git"}          # never removed by the stale-file cleanup


def check_theme(theme: Path):
    missing = [name for name in REQUIRED_TEMPLATES if not (theme / "templates" / f"{name}.html").is_file()]
    if missing:
        raise UserError(f"主题目录缺少模板：{'、'.join(name + '.html' for name in missing)}。",
                        path=theme / "templates",
                        hint="sitemigrate.yaml 的 theme 应指向随工具附带的 templates/ 目录（或其副本）。")


def pelican_settings(site: Site, content_dir: Path, progress=None) -> dict:
    """Pelican settings for our generator only: no articles, feeds, tags, authors or archives."""
    config = site.config
    override = {
        "PATH": str(content_dir),
        "OUTPUT_PATH": str(config.site_dir),
        "THEME": str(config.theme),
        "THEME_STATIC_DIR": THEME_STATIC_DIR,
        "THEME_STATIC_PATHS": ["static"],
        "CACHE_PATH": str(content_dir / ".cache"),
        "SITENAME": config.county.site_name,
        "SITEURL": "",
        "TIMEZONE": "Asia/Shanghai",
        "DEFAULT_LANG": "zh-CN",
        "LOCALE": ["C.UTF-8", "C"],
        "PLUGINS": [pelican_plugin],
        "DELETE_OUTPUT_DIRECTORY": False,   # our own cleanup keeps unchanged attachments
        "ARTICLE_PATHS": [], "PAGE_PATHS": [], "STATIC_PATHS": [],
        "DIRECT_TEMPLATES": [],
        "FEED_ALL_ATOM": None, "CATEGORY_FEED_ATOM": None, "AUTHOR_FEED_ATOM": None,
        "AUTHOR_FEED_RSS": None, "TRANSLATION_FEED_ATOM": None,
        "CATEGORY_SAVE_AS": "", "TAG_SAVE_AS": "", "AUTHOR_SAVE_AS": "",
        "ARCHIVES_SAVE_AS": "", "CATEGORIES_SAVE_AS": "", "TAGS_SAVE_AS": "", "AUTHORS_SAVE_AS": "",
        "PAGINATED_TEMPLATES": {"column": PER_PAGE, "group": PER_PAGE},
        "DEFAULT_PAGINATION": PER_PAGE,
        "PAGINATION_PATTERNS": [(1, "{url}", "{save_as}"),
                                (2, "{base_name}/index_{number}.html", "{base_name}/index_{number}.html")],
        "JINJA_ENVIRONMENT": {"trim_blocks": True, "lstrip_blocks": True, "autoescape": True},
        "JINJA_FILTERS": {"href": quote_path},
        pelican_plugin.SITE_SETTING: site,
        pelican_plugin.PROGRESS_SETTING: progress,
    }
    return read_settings(path=None, override=override)


@contextlib.contextmanager
def _pelican_quiet():
    """Pelican prints a summary line and sets the process locale; keep both to this build."""
    saved_locale = locale.setlocale(locale.LC_ALL)
    quiet = console.quiet
    console.quiet = True
    try:
        yield
    finally:
        console.quiet = quiet
        locale.setlocale(locale.LC_ALL, saved_locale)


def _template_error(config_theme: Path, exc: jinja2.TemplateError) -> UserError:
    where = getattr(exc, "filename", None) or getattr(exc, "name", None) or ""
    line = getattr(exc, "lineno", None)
    return UserError(f"主题模板出错：{exc}", path=where or config_theme, line=line,
                     hint="请检查对主题模板的修改，或换回随工具附带的 templates/ 目录。")


def run_pelican(site: Site, progress=None) -> set[str]:
    """Render every page into `config.site_dir`; returns the pages Pelican wrote (the theme's
    static files it copies are `theme_static_outputs`)."""
    config = site.config
    written: set[str] = set()

    def on_written(path, context=None):
        written.add(os.path.abspath(path))

    signals.content_written.connect(on_written)
    try:
        with tempfile.TemporaryDirectory(prefix="sitemigrate-pelican-") as content_dir, _pelican_quiet():
            settings = pelican_settings(site, Path(content_dir), progress)
            Pelican(settings).run()
    except jinja2.TemplateError as exc:
        raise _template_error(config.theme, exc) from exc
    finally:
        signals.content_written.disconnect(on_written)
    return written


def theme_static_outputs(theme: Path, site_dir: Path) -> set[str]:
    """Where Pelican's static generator copies the theme's static files."""
    static = theme / "static"
    target = Path(os.path.abspath(site_dir)) / THEME_STATIC_DIR
    return {str(target / path.relative_to(static)) for path in static.rglob("*") if path.is_file()}


def remove_stale(site_dir: Path, keep: set) -> int:
    """Delete files an earlier build left behind (and folders left empty); returns the count.
    `keep` holds the absolute paths (str or Path) this build wrote."""
    site_dir = os.path.abspath(site_dir)
    keep = {os.path.abspath(p) for p in keep}
    removed = 0
    for root, _dirs, files in os.walk(site_dir, topdown=False):
        if any(part in KEEP_IN_OUTPUT for part in Path(os.path.relpath(root, site_dir)).parts):
            continue
        for name in files:
            path = os.path.join(root, name)
            if path not in keep:
                os.unlink(path)
                removed += 1
        if root != site_dir and not os.listdir(root):
            os.rmdir(root)
    return removed
