"""`sitemigrate`: one thin command per stage over the library API."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from migrate import __version__
from migrate.config import CONFIG_NAME, Config, load_config
from migrate.errors import UserError
from migrate.progress import Progress


class Context:
    def __init__(self, config_path: str | None):
        self.config_path = config_path
        self._config: Config | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.config_path)
        return self._config


pass_ctx = click.make_pass_decorator(Context)


@click.group(context_settings={"help_option_names": ["-h", "--help"]},
             help="乡镇政府网站关停上移迁移工具：归档 → 抽取 → 筛查 → 栏目映射 → 重建 → 重定向 → 核验 → 发布。")
@click.option("--config", "config_path", envvar="SITEMIGRATE_CONFIG", type=click.Path(dir_okay=False),
              help=f"工作区配置文件（默认为当前目录下的 {CONFIG_NAME}）。")
@click.version_option(__version__, prog_name="sitemigrate", help="显示版本并退出。")
@click.pass_context
def cli(ctx, config_path):
    ctx.obj = Context(config_path)


# ---------------------------------------------------------------- crawl

@cli.command()
@click.argument("towns", nargs=-1)
@click.option("--resume", is_flag=True, help="接着上次中断的归档继续，不重复抓取已归档的地址。")
@click.option("--recrawl", is_flag=True, help="再次归档已归档过的乡镇：只下载新增或有变化的内容，并记录变化。")
@click.option("--fresh", is_flag=True, help="从头重新归档（旧 WARC 文件移入 superseded/ 保留，台账重建）。")
@click.option("--proxy", help="经由 HTTP 代理访问旧站（如 http://127.0.0.1:3128）。")
@click.option("--redis", "redis_url", help="分布式归档：多个抓取进程共用这个 Redis（如 redis://127.0.0.1:6379/0）。")
@click.option("--workers", default=2, show_default=True, help="与 --redis 一起使用的抓取进程数。")
@click.option("--jobs", type=int, default=None,
              help="同时归档的乡镇数（默认取配置 crawl.towns_at_once，未设置时为 4）；旧站在同一服务器上的乡镇不会同时抓取。")
@pass_ctx
def crawl(ctx, towns, resume, recrawl, fresh, proxy, redis_url, workers, jobs):
    """归档旧站：抓取每个页面、附件和图片，写入 WARC 与台账，并生成归档报告。"""
    from migrate.crawl.report import summary_line
    from migrate.pipeline import run_crawl

    if jobs is not None and jobs < 1:
        raise UserError(f"--jobs 应至少为 1，实际是 {jobs}。", hint="1 表示逐个乡镇归档；不写则按配置 crawl.towns_at_once。")
    if resume + recrawl + fresh > 1:
        raise UserError("--resume、--recrawl、--fresh 只能选一个。",
                        hint="中断的再次归档请直接重新运行 `sitemigrate crawl --recrawl`。")
    config = ctx.config
    selected = config.select(towns)
    stats = run_crawl(config, selected, resume=resume, recrawl=recrawl, fresh=fresh, proxy=proxy,
                      progress=Progress(), redis_url=redis_url, workers=workers, jobs=jobs)
    names = {"new": "新增", "changed": "有变化", "unchanged": "未变", "gone": "已消失"}
    for town in selected:
        town_stats = stats.get(town.slug, {})
        if town_stats.get("report"):
            click.echo(summary_line(town.name, town_stats["report"]))
        if town_stats.get("changes"):
            click.echo("  本次变化：" + "，".join(f"{names.get(k, k)} {v}" for k, v in town_stats["changes"].items()))


# ---------------------------------------------------------------- extract

def _read_input(source: str, encoding_hint):
    """A local file, an archived URL, or (last) a live URL → (bytes, url, headers)."""
    path = Path(source)
    if path.exists():
        return path.read_bytes(), None, None
    if not source.startswith(("http://", "https://")):
        raise UserError(f"找不到文件 “{source}”。", hint="请给出 HTML 文件路径，或以 http(s):// 开头的网址。")
    archived = _from_archive(source)
    if archived:
        return archived
    import urllib.request
    try:
        with urllib.request.urlopen(source, timeout=30) as resp:
            return resp.read(), resp.geturl(), list(resp.headers.items())
    except Exception as exc:
        raise UserError(f"无法获取 {source}：{exc}。", hint="请检查网址，或先把页面保存为文件再抽取。")


def _from_archive(url: str):
    try:
        config = load_config(os.environ.get("SITEMIGRATE_CONFIG"))
    except UserError:
        return None
    from migrate.archive import read_record
    from migrate.ledger import Ledger
    from migrate.urls import canonical_url

    if not config.ledger_path.exists():
        return None
    with Ledger(config.ledger_path) as ledger:
        rows = ledger.rows(where="url=? AND warc_file IS NOT NULL", params=(canonical_url(url),))
    if not rows:
        return None
    response = read_record(config.workdir, rows[0]["warc_file"], rows[0]["warc_offset"])
    return response.body, url, response.headers


@cli.command()
@click.argument("source", metavar="FILE_OR_URL")
@click.option("--url", "original_url", help="页面原网址（用于还原相对链接和从网址中取日期）。")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON 记录。")
@click.option("--encoding", help="强制使用的字符编码（一般不需要）。")
def extract(source, original_url, as_json, encoding):
    """从一个页面（文件或网址）抽取标题、日期、发布机构、索引号、文号、正文和附件。"""
    from migrate.extract import extract as extract_page

    body, url, headers = _read_input(source, encoding)
    record = extract_page(body, original_url or url, headers=headers, encoding=encoding)
    if as_json:
        keys = ["url", "title", "date", "time", "org", "source", "index_no", "doc_no", "column_path",
                "body_text", "body_html", "attachments", "images"]
        click.echo(json.dumps({k: record.get(k) for k in keys}, ensure_ascii=False, indent=2))
        return
    labels = [("标题", "title"), ("发布日期", "date"), ("时间", "time"), ("发布机构", "org"), ("来源", "source"),
              ("索引号", "index_no"), ("文号", "doc_no")]
    for label, key in labels:
        click.echo(f"{label}：{record.get(key) or '（无）'}")
    click.echo(f"栏目：{' > '.join(record.get('column_path') or []) or '（无）'}")
    click.echo(f"附件：{len(record.get('attachments') or [])} 个；图片：{len(record.get('images') or [])} 张")
    text = record.get("body_text") or ""
    click.echo(f"正文（{len(text)} 字）：{text[:200]}{'…' if len(text) > 200 else ''}")


@cli.command("extract-all")
@click.argument("towns", nargs=-1)
@pass_ctx
def extract_all(ctx, towns):
    """对已归档的全部页面做抽取，结果写入 work/records/<乡镇>.jsonl。"""
    from migrate.pipeline import run_extract

    config = ctx.config
    stats = run_extract(config, config.select(towns), progress=Progress())
    for slug, s in stats.items():
        click.echo(f"{slug}：文章 {s.get('article', 0)}，列表页 {s.get('list', 0)}，其他 {s.get('other', 0)}，"
                   f"出错 {s.get('error', 0)}，无日期待核 {s.get('undated', 0)}，转载重复 {s.get('duplicates', 0)}，"
                   f"分页并入 {s.get('part', 0)}")


@cli.command()
@click.argument("towns", nargs=-1)
@pass_ctx
def screen(ctx, towns):
    """筛查：植入的博彩色情链接、未脱敏的个人信息、空白或仅扫描图片的页面；命中的页面隔离待审。"""
    from migrate.pipeline import run_screen

    config = ctx.config
    reports = run_screen(config, config.select(towns), progress=Progress())
    for report in reports:
        c = report.counts
        click.echo(f"{report.town}：筛查 {c.get('screened', 0)} 篇，隔离待审 {c.get('flagged', 0)} 篇"
                   f"（植入链接 {c.get('spam', 0)}，个人信息 {c.get('pii', 0)}，空白页 {c.get('empty', 0)}）")
    click.echo(f"审核清单：{config.reports_dir / 'screen.html'}；审核结论请登记在 {config.root / 'reviews.yaml'}。")


# ---------------------------------------------------------------- map

@cli.group("map")
def map_group():
    """栏目映射：旧栏目 → 县级平台标准栏目。"""


@map_group.command("suggest")
@click.argument("town")
@click.option("--force", is_flag=True, help="覆盖已有的映射文件。")
@click.option("--stdout", "to_stdout", is_flag=True, help="只打印草稿，不写文件。")
@pass_ctx
def map_suggest(ctx, town, force, to_stdout):
    """根据已归档的旧栏目起草 mappings/<乡镇>.yaml。"""
    from migrate.mapping import load_standard, mapping_path, standard_path, suggest_mapping

    config = ctx.config
    config.township(town)
    text = suggest_mapping(config, town, load_standard(standard_path(config)))
    if to_stdout:
        click.echo(text, nl=False)
        return
    path = mapping_path(config, town)
    if path.exists() and not force:
        raise UserError("映射文件已存在，未覆盖。", path=path,
                        hint="如要重新生成请加 --force，或用 --stdout 只看草稿。")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    click.echo(f"已写入 {path}：请逐条核对后运行 `sitemigrate map check {town}`。")


@map_group.command("check")
@click.argument("towns", nargs=-1)
@pass_ctx
def map_check(ctx, towns):
    """列出没有着落的旧栏目和页面、会成为空白栏目的标准栏目；有页面没着落时返回非零。"""
    from migrate.pipeline import run_map_check

    config = ctx.config
    report = run_map_check(config, config.select(towns))
    for plan in report.plans:
        issues = report.issues[plan.slug]
        click.echo(f"【{plan.name}（{plan.slug}）】文章 {len(plan.articles)}，列表页 {len(plan.list_pages)}，"
                   f"附件与图片 {len(plan.assets)}，别名 {len(plan.aliases)}，撤销 {len(plan.drops)}")
        for key, count in issues.unmapped_columns.most_common():
            click.echo(f"  未映射的旧栏目：{key}（{count} 个页面）")
        for url in issues.unmapped_pages[:20]:
            click.echo(f"    {url}")
        if len(issues.unmapped_pages) > 20:
            click.echo(f"    ……共 {len(issues.unmapped_pages)} 个")
        for key in issues.unused_entries:
            click.echo(f"  映射文件中的旧栏目在归档里没有页面：{key}")
        if issues.empty_columns:
            click.echo("  将为空的标准栏目（不会生成页面）：" + "、".join(c.name for c in issues.empty_columns))
        if issues.undated:
            click.echo(f"  无法确定发布日期、需人工核对的文章：{len(issues.undated)} 篇")
    if report.unaccounted:
        click.echo(f"有 {report.unaccounted} 个页面没有着落：请在映射文件中补上对应的旧栏目。", err=True)
        sys.exit(1)
    click.echo("映射检查通过：每个已归档的页面都有去处。")


# ---------------------------------------------------------------- build, verify, preview, publish

@cli.command()
@pass_ctx
def build(ctx):
    """用 Pelican 生成县级统一站点（output/site），并写出重定向表（output/redirects）。"""
    from migrate.pipeline import run_build

    summary = run_build(ctx.config, progress=Progress())
    click.echo(f"已生成站点：文章 {summary.articles} 篇，附件 {summary.attachments} 个，"
               f"重定向 {summary.redirects} 条，撤销（410）{summary.drops} 条，无日期待核 {summary.undated} 篇。")


@cli.command()
@pass_ctx
def verify(ctx):
    """核验：每个旧地址都有去处、目标页存在、站内无断链。"""
    from migrate.pipeline import run_verify

    report = run_verify(ctx.config, progress=Progress())
    click.echo(report.summary() if hasattr(report, "summary") else str(report))
    if not report.ok:
        sys.exit(1)


@cli.command()
@click.option("--port", default=8000, show_default=True, help="本地预览端口。")
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址。")
@pass_ctx
def preview(ctx, port, host):
    """在本机预览新站；带旧站 Host 头或 /_old/<旧域名>/<路径> 的请求按重定向表跳转。"""
    from migrate.preview import make_server

    config = ctx.config
    if not config.site_dir.exists():
        raise UserError("还没有生成站点。", path=config.site_dir, hint="请先运行 `sitemigrate build`。")
    server = make_server(config, host=host, port=port)
    actual = server.server_address[1]
    click.echo(f"预览地址：http://{host}:{actual}/  （旧地址示例：http://{host}:{actual}/_old/<旧域名>/<路径>）")
    click.echo("按 Ctrl-C 停止。")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


@cli.command()
@click.option("--dry-run", is_flag=True, help="只列出将要变更的文件，不提交。")
@click.option("--push", is_flag=True, help="提交后推送到远程仓库。")
@pass_ctx
def publish(ctx, dry_run, push):
    """把 output/site 与重定向配置提交到托管仓库（GitPython）。"""
    from migrate.publish import publish as do_publish

    result = do_publish(ctx.config, dry_run=dry_run, push=push)
    click.echo(result.summary() if hasattr(result, "summary") else str(result))


# ---------------------------------------------------------------- status, demo

@cli.command()
@pass_ctx
def status(ctx):
    """各乡镇的归档、抽取和去向统计。"""
    from migrate.ledger import Ledger
    from migrate.pipeline import town_status

    config = ctx.config
    if not config.ledger_path.exists():
        click.echo("还没有归档任何乡镇：请先运行 `sitemigrate crawl`。")
        return
    with Ledger(config.ledger_path) as ledger:
        for town in config.townships:
            for line in _status_lines(town, town_status(ledger, town.slug)):
                click.echo(line)


FATE_NAMES = {"page": "新站页面", "redirect": "跳转", "drop": "撤销(410)", None: "尚未构建"}
UNFINISHED_CRAWL = {"interrupted": "被中断", "failed": "失败", None: "尚未结束（正在进行，或进程被强行终止）"}


def _status_lines(town, status: dict) -> list[str]:
    counts, last = status["counts"], status["last_crawl"]
    head = f"{town.name}（{town.slug}）："
    if not counts and last is None:
        return [head + f"尚未归档（运行 `sitemigrate crawl {town.slug}`）。"]
    fates = {FATE_NAMES.get(fate, fate): n for fate, n in status["fates"].items()}
    line = (head + f"已归档 {counts.get('fetched', 0)}，排除 {counts.get('excluded', 0)}，失败 {counts.get('failed', 0)}"
            + (f"，待抓取 {counts['queued']}" if counts.get("queued") else "")
            + ("；去向 " + "，".join(f"{k} {v}" for k, v in sorted(fates.items())) if fates else ""))
    lines = [line]
    if last is not None and last["outcome"] != "done":
        lines.append(f"  上次归档（开始于 {last['started_at']}）{UNFINISHED_CRAWL.get(last['outcome'], last['outcome'])}："
                     f"运行 `sitemigrate crawl --resume {town.slug}` 接着抓完。")
    return lines


@cli.command()
@click.option("--serve", is_flag=True, help="完成后留在前台提供预览。")
@click.option("--port", default=8000, show_default=True, help="与 --serve 一起使用的预览端口。")
@pass_ctx
def demo(ctx, serve, port):
    """用随附的三个示例乡镇网站跑通全流程：归档、抽取、映射、构建、重定向、核验。"""
    from migrate.demo import run_demo

    summary = run_demo(ctx.config, progress=Progress(), echo=click.echo)
    if not summary.ok:
        sys.exit(1)
    if serve:
        ctx.invoke(preview, port=port, host="127.0.0.1")


def _register_groups():
    from migrate.cli_archive import archive_group

    cli.add_command(archive_group)


_register_groups()


def main():
    try:
        cli.main(prog_name="sitemigrate", standalone_mode=False)
    except UserError as exc:
        click.echo(f"错误：{exc.render()}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("已中断。", err=True)
        sys.exit(130)
    except KeyboardInterrupt:
        click.echo("已中断：已完成的结果保留，可重新运行继续。", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
