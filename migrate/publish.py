"""The publish stage: make the hosting repository's branch hold exactly the verified build.

`output/site/` goes to the repository root (or `hosting.subdir`), `output/redirects/` to
`_redirects/` at the repository root. Files are added, updated and deleted so the managed part of
the tree equals the build byte for byte; `.git`, README, LICENSE, CNAME, `.gitignore`,
`.gitattributes`, `.nojekyll` and `.github/` of the hosting repository are left alone. One commit
per publish, none when nothing changed.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import git

from migrate.errors import UserError
from migrate.ledger import Ledger
from migrate.redirects import load_redirects
from migrate.verify import verify

REDIRECTS_DIR = "_redirects"
PRESERVED_NAMES = re.compile(r"^(readme|license|licence|copying)(\.[^/]*)?$|^(cname|\.gitignore|"
                             r"\.gitattributes|\.nojekyll)$", re.I)
PRESERVED_DIRS = (".git/", ".github/")
REMOTE_URL = re.compile(r"^[a-z][a-z0-9+.-]*://|^[\w.-]+@[\w.-]+:", re.I)


@dataclass
class PublishResult:
    repo_path: Path
    branch: str
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    commit: str | None = None
    pushed: bool = False
    dry_run: bool = False
    message: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def has_changes(self) -> bool:
        return bool(self.added or self.changed or self.deleted)

    def summary(self) -> str:
        counts = f"新增 {len(self.added)} 个、修改 {len(self.changed)} 个、删除 {len(self.deleted)} 个文件"
        where = f"{self.repo_path}（分支 {self.branch}）"
        if self.dry_run:
            text = f"试运行：发布到 {where} 将{counts}，未做任何改动。" if self.has_changes \
                else f"试运行：{where} 已与构建结果一致，无需发布。"
        elif self.commit:
            text = f"已发布到 {where}：{counts}，提交 {self.commit[:10]}。"
        else:
            text = f"{where} 已与构建结果一致，没有新提交。"
        if self.pushed:
            text += "已推送到 origin。"
        return "".join([text, *self.notes])


# --------------------------------------------------------------------------- preconditions

def _check_build(config, skip_verify: bool):
    site = Path(config.site_dir)
    if not site.is_dir() or not any(site.iterdir()):
        raise UserError("没有可发布的站点：输出目录不存在或为空。", path=site,
                        hint="请先运行 sitemigrate build 生成站点，再运行 sitemigrate verify 校验。")
    if skip_verify:
        return
    if not Path(config.ledger_path).exists():
        raise UserError("找不到台账，无法在发布前校验。", path=config.ledger_path,
                        hint="请先运行 sitemigrate crawl 与 sitemigrate build。")
    with Ledger(config.ledger_path) as ledger:
        report = verify(config, ledger)
    if not report.ok:
        raise UserError(f"校验未通过，已拒绝发布。{report.summary()}",
                        hint="请按报告修正后重新运行 sitemigrate build 和 sitemigrate verify，再发布。")


def _subdir(config) -> str:
    subdir = (config.hosting.subdir or "").strip("/")
    parts = subdir.split("/") if subdir else []
    if any(p in ("", ".", "..", ".git") for p in parts) or (parts and parts[0] == REDIRECTS_DIR):
        raise UserError(f"hosting.subdir 的取值 {subdir!r} 无效。", path=config.path,
                        hint=f"应为托管仓库中的相对目录，如 public 或 docs，不能含 ..、.git，也不能是 {REDIRECTS_DIR}。")
    return subdir


# --------------------------------------------------------------------------- the hosting repository

def _open_local(path: Path) -> git.Repo:
    try:
        return git.Repo(path)
    except git.InvalidGitRepositoryError:
        raise UserError("托管仓库路径不是 git 仓库。", path=path,
                        hint="请在该目录运行 git init（或 git clone 托管仓库），或修改 sitemigrate.yaml 的 hosting.repo。") from None


def _clone_or_update(config, url: str, notes: list[str]) -> git.Repo:
    """A remote (or bare) hosting repository is worked on in a clone under `work/hosting/`."""
    clone = Path(config.workdir) / "hosting"
    try:
        if not clone.exists():
            notes.append(f"已将托管仓库克隆到 {clone}。")
            return git.Repo.clone_from(url, clone)
        repo = _open_local(clone)
        origin = repo.remotes.origin.url if "origin" in repo.remotes else None
        if origin != url:
            raise UserError(f"{clone} 中的克隆来自 {origin}，与配置的托管仓库 {url} 不一致。",
                            path=config.path, hint=f"确认配置无误后删除 {clone} 再运行，会重新克隆。")
        _fetch(repo)
        return repo
    except git.GitCommandError as exc:
        raise UserError(f"无法获取托管仓库 {url}：{_git_error(exc)}",
                        hint="请检查地址、网络和访问权限。") from None


def open_hosting(config, notes: list[str]) -> tuple[git.Repo, bool]:
    """The working tree to publish into, and whether it was just cloned or fetched."""
    spec = config.hosting.repo
    if not spec:
        raise UserError("未配置托管仓库。", path=config.path,
                        hint="请在 sitemigrate.yaml 中填写 hosting.repo（本地路径或远程仓库地址）。")
    if REMOTE_URL.match(spec):
        return _clone_or_update(config, spec, notes), True
    path = (Path(config.root) / spec).resolve()
    if not path.exists():
        raise UserError("托管仓库路径不存在。", path=path,
                        hint="请先创建该仓库（git init 或 git clone），或修改 hosting.repo。")
    repo = _open_local(path)
    if repo.bare:
        return _clone_or_update(config, str(path), notes), True
    return repo, False


def _refuse_workspace_inside(config, repo: git.Repo, subdir: str):
    """Syncing a tree that holds the workspace would delete the workspace itself."""
    tree = Path(repo.working_tree_dir).resolve()
    output = Path(config.output).resolve()
    root = Path(config.root).resolve()
    if output.is_relative_to(tree) or (not subdir and root.is_relative_to(tree)):
        raise UserError("托管仓库不能包含本工作区或其输出目录。", path=tree,
                        hint="请为发布单独准备一个仓库（如 ../县门户站点），并在 hosting.repo 中填写它。")


def _refuse_dirty(repo: git.Repo):
    if repo.is_dirty(untracked_files=True):
        dirty = [d.a_path for d in repo.index.diff(None)] + repo.untracked_files
        dirty += [d.a_path for d in repo.index.diff("HEAD")] if repo.head.is_valid() else []
        sample = "、".join(sorted(set(dirty))[:5])
        raise UserError(f"托管仓库有未提交的改动（{sample}{' 等' if len(set(dirty)) > 5 else ''}），已拒绝发布。",
                        path=repo.working_tree_dir,
                        hint="请先在该仓库中提交或撤销这些改动（git status 查看），再重新发布。")


def _origin_ref(repo: git.Repo, branch: str) -> str | None:
    if "origin" in repo.remotes and f"origin/{branch}" in [r.name for r in repo.remotes.origin.refs]:
        return f"refs/remotes/origin/{branch}"
    return None


def _base_ref(repo: git.Repo, branch: str) -> str | None:
    """What the branch will hold before publishing: the local branch (fast-forwarded to
    origin's when behind), else origin's, else HEAD; None for an empty repository."""
    local = f"refs/heads/{branch}" if branch in repo.heads else None
    remote = _origin_ref(repo, branch)
    if local and remote and repo.is_ancestor(local, remote):
        return remote
    return local or remote or ("HEAD" if repo.head.is_valid() else None)


def _switch_branch(repo: git.Repo, branch: str, notes: list[str]):
    """Check out `branch`, creating it (tracking origin's if there is one) when missing."""
    try:
        if branch in repo.heads:
            if repo.head.is_detached or repo.active_branch.name != branch:
                repo.git.checkout(branch)
                notes.append(f"托管仓库已切换到分支 {branch}。")
        elif _origin_ref(repo, branch):
            repo.git.checkout("-b", branch, "--track", f"origin/{branch}")
        elif repo.head.is_valid():
            repo.git.checkout("-b", branch)
            notes.append(f"已在托管仓库中新建分支 {branch}。")
        else:
            repo.git.symbolic_ref("HEAD", f"refs/heads/{branch}")
        if repo.head.is_valid() and repo.active_branch.tracking_branch() is not None:
            repo.git.merge("--ff-only", repo.active_branch.tracking_branch().name)
    except git.GitCommandError as exc:
        raise UserError(f"无法切换托管仓库到分支 {branch}：{_git_error(exc)}", path=repo.working_tree_dir,
                        hint="请在该仓库中手工处理（如本地分支与远程已分叉）后重试。") from None


def _fetch(repo: git.Repo):
    try:
        repo.remotes.origin.fetch(prune=True)
    except git.GitCommandError as exc:
        raise UserError(f"无法从 origin 获取更新：{_git_error(exc)}", path=repo.working_tree_dir,
                        hint="请检查网络与访问权限。") from None


def _git_error(exc: git.GitCommandError) -> str:
    text = (exc.stderr or exc.stdout or str(exc)).strip()
    return " ".join(line.strip() for line in text.splitlines() if line.strip())[:300]


# --------------------------------------------------------------------------- what changes

def _walk(root: Path, prefix: str) -> dict[str, Path]:
    files = {}
    for dirpath, _dirs, names in os.walk(root):
        rel_dir = os.path.relpath(dirpath, root).replace(os.sep, "/")
        for name in names:
            rel = name if rel_dir == "." else f"{rel_dir}/{name}"
            files[prefix + rel] = Path(dirpath) / name
    return files


def desired_files(config, subdir: str) -> dict[str, Path]:
    """Repository path → build file, for everything publish puts in the tree."""
    files = _walk(Path(config.site_dir), f"{subdir}/" if subdir else "")
    redirects = Path(config.redirects_dir)
    if redirects.is_dir():
        files.update(_walk(redirects, f"{REDIRECTS_DIR}/"))
    return files


def _is_managed(path: str, subdir: str) -> bool:
    if path.startswith(f"{REDIRECTS_DIR}/"):
        return True
    if subdir:
        return path.startswith(subdir + "/")
    return not (path.startswith(PRESERVED_DIRS) or ("/" not in path and PRESERVED_NAMES.match(path)))


def _tracked(repo: git.Repo, ref: str | None) -> dict[str, str]:
    """Repository path → blob id in `ref`."""
    if ref is None:
        return {}
    listing = repo.git.ls_tree("-r", "-z", "--full-tree", ref)
    tracked = {}
    for entry in filter(None, listing.split("\0")):
        meta, path = entry.split("\t", 1)
        _mode, kind, sha = meta.split()
        if kind == "blob":
            tracked[path] = sha
    return tracked


def blob_id(path: Path) -> str:
    """The id git gives a file's content (`git hash-object`), without running git."""
    digest = hashlib.sha1(b"blob %d\0" % path.stat().st_size)
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def plan_changes(desired: dict[str, Path], tracked: dict[str, str], subdir: str):
    added = sorted(p for p in desired if p not in tracked)
    changed = sorted(p for p in desired if p in tracked and blob_id(desired[p]) != tracked[p])
    deleted = sorted(p for p in tracked if p not in desired and _is_managed(p, subdir))
    return added, changed, deleted


def _apply(repo: git.Repo, desired: dict[str, Path], added, changed, deleted):
    tree = Path(repo.working_tree_dir)
    for path in added + changed:
        target = tree / path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(desired[path], target)
    for path in deleted:
        target = tree / path
        target.unlink(missing_ok=True)
        _prune_empty_dirs(target.parent, tree)
    _stage(repo, added + changed + deleted)


def _prune_empty_dirs(folder: Path, stop: Path):
    while folder != stop and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


def _stage(repo: git.Repo, paths: list[str]):
    """`git add` exactly these paths (forced past .gitignore: the build decides what is in)."""
    with tempfile.NamedTemporaryFile("wb", suffix=".pathspec", delete=False) as f:
        f.write(b"\0".join(p.encode("utf-8") for p in paths))
    try:
        with repo.git.custom_environment(GIT_LITERAL_PATHSPECS="1"):
            repo.git.add("-A", "-f", f"--pathspec-from-file={f.name}", "--pathspec-file-nul")
    finally:
        os.unlink(f.name)


# --------------------------------------------------------------------------- committing

def _towns_touched(config, paths: list[str], subdir: str) -> list[str]:
    channel = config.county.channel_path.strip("/")
    prefix = (f"{subdir}/" if subdir else "") + channel + "/"
    slugs = {p[len(prefix):].split("/", 1)[0] for p in paths if p.startswith(prefix)}
    touched = [t.name for t in config.townships if t.slug in slugs]
    return touched or [t.name for t in config.townships]


def _redirect_counts(config) -> tuple[Counter, int]:
    csv_path = Path(config.redirects_dir) / "redirects.csv"
    if not csv_path.exists():
        return Counter(), 0
    redirects = load_redirects(csv_path)
    # Reasons read "文章迁移（工作动态）": count by the kind before the parenthesis.
    moved = Counter(re.split(r"[（(]", r.reason, 1)[0].strip() for r in redirects if r.status == 301)
    return moved, sum(r.status == 410 for r in redirects)


def commit_message(config, added, changed, deleted, subdir: str) -> str:
    towns = "、".join(_towns_touched(config, added + changed + deleted, subdir))
    moved, gone = _redirect_counts(config)
    articles = moved.get("文章迁移", 0)
    reasons = "、".join(f"{reason} {n}" for reason, n in sorted(moved.items()))
    lines = [
        f"发布乡镇（街道）迁移站点：{towns}",
        "",
        f"文件：新增 {len(added)} 个，修改 {len(changed)} 个，删除 {len(deleted)} 个。",
        f"文章 {articles} 篇。",
        f"重定向 {sum(moved.values()) + gone} 条：301 跳转 {sum(moved.values())} 条"
        + (f"（{reasons}）" if reasons else "") + f"，410 已下线 {gone} 条。",
        "",
        "由 sitemigrate 生成。",
    ]
    return "\n".join(lines)


def _anything_staged(repo: git.Repo) -> bool:
    if not repo.head.is_valid():
        return bool(repo.git.ls_files())
    try:
        repo.git.diff("--cached", "--quiet")
    except git.GitCommandError:
        return True
    return False


def _commit(config, repo: git.Repo, message: str) -> str:
    env = {}
    try:
        repo.git.config("user.name")
        repo.git.config("user.email")
    except git.GitCommandError:
        # No identity configured on this machine: commit as the tool, on the county's domain.
        email = f"sitemigrate@{config.county.domain}"
        env = {"GIT_AUTHOR_NAME": "sitemigrate", "GIT_AUTHOR_EMAIL": email,
               "GIT_COMMITTER_NAME": "sitemigrate", "GIT_COMMITTER_EMAIL": email}
    try:
        with repo.git.custom_environment(**env):
            repo.git.commit("-m", message)
    except git.GitCommandError as exc:
        raise UserError(f"提交到托管仓库失败：{_git_error(exc)}", path=repo.working_tree_dir,
                        hint="请检查该仓库的 git 钩子与配置后重试。") from None
    return repo.head.commit.hexsha


def _push(repo: git.Repo, branch: str):
    if "origin" not in repo.remotes:
        raise UserError("托管仓库没有名为 origin 的远程仓库，无法推送。", path=repo.working_tree_dir,
                        hint="请先 git remote add origin <地址>，或不加 --push 运行。")
    try:
        repo.git.push("--set-upstream", "origin", f"refs/heads/{branch}:refs/heads/{branch}")
    except git.GitCommandError as exc:
        raise UserError(f"推送到 origin 失败：{_git_error(exc)}", path=repo.working_tree_dir,
                        hint="请检查网络与权限；若远程已有新提交，请先在托管仓库中拉取合并。") from None


def publish(config, dry_run: bool = False, push: bool = False, message: str | None = None,
            skip_verify: bool = False) -> PublishResult:
    """Commit the build into the hosting repository (and push with `push=True`).

    `dry_run` reports what would change without touching the hosting repository (a remote one is
    still cloned or fetched into `work/hosting/`, which is only a cache)."""
    _check_build(config, skip_verify)
    subdir = _subdir(config)
    notes: list[str] = []
    repo, fetched = open_hosting(config, notes)
    _refuse_workspace_inside(config, repo, subdir)
    _refuse_dirty(repo)
    if push and not fetched and "origin" in repo.remotes:
        _fetch(repo)                  # so a branch behind origin is fast-forwarded, not rejected
    branch = config.hosting.branch
    result = PublishResult(Path(repo.working_tree_dir), branch, dry_run=dry_run, notes=notes)
    where = f"子目录 {subdir}/ 中" if subdir else "根目录"
    notes.append(f"站点文件位于托管仓库的{where}，重定向配置位于 {REDIRECTS_DIR}/ 目录。")
    if dry_run:
        base = _base_ref(repo, branch)
    else:
        _switch_branch(repo, branch, notes)
        base = "HEAD" if repo.head.is_valid() else None
    desired = desired_files(config, subdir)
    result.added, result.changed, result.deleted = plan_changes(desired, _tracked(repo, base), subdir)
    if result.has_changes:
        result.message = message or commit_message(config, result.added, result.changed,
                                                   result.deleted, subdir)
        if not dry_run:
            _apply(repo, desired, result.added, result.changed, result.deleted)
            if _anything_staged(repo):
                result.commit = _commit(config, repo, result.message)
            else:
                notes.append("文件经 .gitattributes 换行等转换后与仓库中一致，没有新提交。")
    if push and not dry_run:
        _push(repo, branch)
        result.pushed = True
    return result
