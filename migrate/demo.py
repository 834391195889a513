"""`sitemigrate demo`: the whole migration on the bundled sample township sites, offline."""

from __future__ import annotations

from dataclasses import dataclass, field

from migrate.config import Config
from migrate.pipeline import (Timer, open_ledger, run_build, run_crawl, run_extract, run_map_check, run_screen,
                              run_verify)
from migrate.urls import canonical_url


@dataclass
class DemoSummary:
    ok: bool = True
    rows: list[dict] = field(default_factory=list)
    seconds: float = 0.0
    verify_ok: bool = False


def _check_sample_config(config: Config):
    from migrate.errors import UserError
    from migrate.samples.truth import SITES

    missing = [slug for slug in SITES if slug not in {t.slug for t in config.townships}]
    if missing:
        raise UserError(f"示例乡镇 {'、'.join(missing)} 不在当前配置中。", path=config.path,
                        hint="请在项目根目录（带示例 sitemigrate.yaml 的目录）运行 `sitemigrate demo`。")


def _built_sample_articles(config: Config) -> dict[str, tuple[int, int, int]]:
    """Per town: (sample articles whose new page exists, held back for review, in the truth)."""
    from migrate.newurls import path_to_file
    from migrate.samples.truth import ARTICLES

    result = {}
    with open_ledger(config) as ledger:
        for town in config.townships:
            expected = [a for a in ARTICLES if a["town"] == town.slug]
            built = held = 0
            for article in expected:
                row = ledger.get(town.slug, canonical_url(article["url"]))
                # A repost or a continuation page redirects to the one copy that was built.
                if row and row.get("fate") in ("page", "redirect") and row.get("new_url"):
                    path = row["new_url"].removeprefix(config.county.base_url)
                    built += (config.site_dir / path_to_file(path)).is_file()
                elif row and (row.get("fate_reason") or "").startswith("隔离待审"):
                    held += 1
            result[town.slug] = (built, held, len(expected))
    return result


def run_demo(config: Config, progress=None, echo=print) -> DemoSummary:
    from migrate.samples.server import start_sample_server

    _check_sample_config(config)
    # The sample sites run on this machine: the polite defaults for weak township servers
    # would only make the demo slow.
    config.crawl.delay = 0.0
    config.crawl.concurrency_per_host = max(config.crawl.concurrency_per_host, 8)
    timer, summary = Timer(), DemoSummary()
    towns = config.townships
    with start_sample_server() as server:
        echo(f"示例乡镇网站已在 {server.proxy_url} 启动（以代理方式提供三个旧站域名）。")
        echo("【1/6 归档】抓取旧站全部页面、附件和图片……")
        run_crawl(config, towns, fresh=True, proxy=server.proxy_url, progress=progress)
    echo("【2/6 抽取】从归档页面抽取标题、日期、发布机构、索引号、文号、正文……")
    extract_stats = run_extract(config, towns, progress=progress)
    echo("【3/6 筛查】检查被植入的博彩色情链接、未脱敏的个人信息、空白页面……")
    run_screen(config, towns, progress=progress)
    echo("【4/6 映射】按 mappings/ 中的映射文件核对栏目……")
    report = run_map_check(config, towns)
    if report.unaccounted:
        echo(f"有 {report.unaccounted} 个页面没有映射，请运行 `sitemigrate map check` 查看。")
        summary.ok = False
        return summary
    echo("【5/6 构建】用 Pelican 生成县级统一站点和重定向表……")
    run_build(config, progress=progress)
    echo("【6/6 核验】逐一核对旧地址的去处、站内链接和归档文件……")
    verify_report = run_verify(config, progress=progress)
    from migrate.archive_verify import verify_archive
    with open_ledger(config) as ledger:
        archive_report = verify_archive(config, ledger, progress=progress)
    summary.verify_ok = verify_report.ok and archive_report.ok
    built = _built_sample_articles(config)
    with open_ledger(config) as ledger:
        archived = {t.slug: ledger.counts(t.slug).get("fetched", 0) for t in towns}

    for town in towns:
        plan = next(p for p in report.plans if p.slug == town.slug)
        done, held, expected = built[town.slug]
        summary.rows.append({
            "town": town.slug, "name": town.name,
            "archived": archived[town.slug],
            "articles": len(plan.articles), "samples_built": done, "samples": expected, "held": held,
            "attachments": sum(1 for r in plan.assets.values() if r.get("kind") == "attachment"),
            "redirects": len(plan.all_urls()) - len(plan.drops), "drops": len(plan.drops),
            "undated": extract_stats.get(town.slug, {}).get("undated", 0),
        })
        summary.ok &= done + held == expected
    summary.ok &= summary.verify_ok
    summary.seconds = timer.seconds
    _print_summary(summary, verify_report, archive_report, echo)
    return summary


def _print_summary(summary: DemoSummary, verify_report, archive_report, echo):
    echo("")
    echo("迁移演示完成：")
    header = ["乡镇", "归档地址", "文章", "示例文章已生成", "隔离待审", "附件", "重定向", "撤销(410)"]
    widths = [8, 8, 6, 14, 8, 6, 8, 9]
    echo(_table_row(header, widths))
    for row in summary.rows:
        echo(_table_row([row["name"], row["archived"], row["articles"], f"{row['samples_built']}/{row['samples']}",
                         row["held"], row["attachments"], row["redirects"], row["drops"]], widths))
    total = {k: sum(r[k] for r in summary.rows) for k in ("archived", "articles", "attachments", "redirects", "drops")}
    echo(f"合计：{len(summary.rows)} 个乡镇，归档 {total['archived']} 个地址，生成文章 {total['articles']} 篇，"
         f"附件 {total['attachments']} 个，重定向 {total['redirects']} 条，撤销（410）{total['drops']} 条，"
         f"用时 {summary.seconds:.1f} 秒。")
    held = sum(r["held"] for r in summary.rows)
    if held:
        echo(f"隔离待审：{held} 篇示例文章含植入链接或未脱敏个人信息，已暂不发布；"
             "审核清单见 output/reports/screen.html，审核结论登记在 reviews.yaml。")
    echo(f"核验：{'通过' if verify_report.ok else '未通过'}。" + (
        "" if verify_report.ok else " 请运行 `sitemigrate verify` 查看问题清单。"))
    echo(f"归档核验：{'通过' if archive_report.ok else '未通过'}（WARC 摘要、gzip 完整性、台账一致）。" + (
        "" if archive_report.ok else " 请运行 `sitemigrate archive verify` 查看问题清单。"))
    echo("本地预览：sitemigrate preview --port 8000，然后打开 http://127.0.0.1:8000/")


def _display_width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _table_row(cells, widths) -> str:
    """Columns aligned on a terminal, counting a Chinese character as two columns."""
    out = []
    for i, (cell, width) in enumerate(zip(cells, widths)):
        text = str(cell)
        pad = " " * max(0, width - _display_width(text))
        out.append(text + pad if i == 0 else pad + text)
    return "  ".join(out)
