"""`sitemigrate archive verify|package`: check the WARC archive, package it as WACZ.

A click group of its own, added to the main `sitemigrate` group in `migrate/cli.py`. The
workspace (`migrate.cli.Context`) arrives as the click context object, so this module needs
nothing from `migrate.cli` and the two import each other in one direction only.
"""

from __future__ import annotations

import sys

import click

from migrate.progress import Progress

PROBLEMS_SHOWN = 50     # the full list is in output/reports/archive-verify.json


def open_ledger(config):
    from migrate.errors import UserError
    from migrate.ledger import Ledger

    if not config.ledger_path.exists():
        raise UserError("还没有归档任何乡镇，找不到台账。", path=config.ledger_path,
                        hint="请先运行 `sitemigrate crawl`。")
    return Ledger(config.ledger_path)


@click.group("archive")
def archive_group():
    """归档文件：核验 WARC 与台账是否完整一致，打包为 WACZ 交档案部门长期保存。"""


@archive_group.command("verify")
@click.argument("towns", nargs=-1)
@click.pass_obj
def archive_verify(workspace, towns):
    """逐条重读 WARC 记录，核对摘要、gzip 完整性、台账与 SHA256SUMS；有问题时返回 1。"""
    from migrate.archive_verify import verify_archive

    config = workspace.config
    selected = config.select(towns)
    with open_ledger(config) as ledger:
        report = verify_archive(config, ledger, selected, progress=Progress())
    for problem in report.problems[:PROBLEMS_SHOWN]:
        click.echo(f"  - {problem.message}")
    if len(report.problems) > PROBLEMS_SHOWN:
        click.echo(f"  ……另有 {len(report.problems) - PROBLEMS_SHOWN} 个问题未列出。")
    click.echo(report.summary())
    click.echo(f"完整报告：{report.json_path}")
    if not report.ok:
        sys.exit(1)


@archive_group.command("package")
@click.argument("towns", nargs=-1)
@click.pass_obj
def archive_package(workspace, towns):
    """把各乡镇的 WARC 文件、索引和页面清单打包为 work/archive/<乡镇>.wacz（WACZ 1.1.1）。"""
    from migrate.wacz import package_town

    config = workspace.config
    with open_ledger(config) as ledger:
        for town in config.select(towns):
            path = package_town(config, ledger, town, progress=Progress())
            size = path.stat().st_size / 1024 / 1024
            click.echo(f"{town.name}（{town.slug}）：已打包 {path}（{size:.1f} MB），"
                       "可用 ReplayWeb.page 或 pywb 打开回放。")
