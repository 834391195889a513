"""publish: the hosting repository's branch ends up holding exactly the verified build."""

import os
from pathlib import Path

import git
import pytest

from migrate.config import Hosting
from migrate.errors import UserError
from migrate.publish import REDIRECTS_DIR, publish
from tests.test_verify import OLD_ARTICLE, OLD_ATTACHMENT, make_workspace


@pytest.fixture
def ws(tmp_path):
    return make_workspace(tmp_path / "county")


def init_repo(path: Path, bare=False) -> git.Repo:
    repo = git.Repo.init(path, bare=bare, initial_branch="main")
    if not bare:
        with repo.config_writer() as cfg:
            cfg.set_value("user", "name", "县信息中心")
            cfg.set_value("user", "email", "xxzx@yunxi.gov.cn")
    return repo


@pytest.fixture
def hosting(ws, tmp_path):
    """A local hosting checkout with a README and a CNAME of its own."""
    repo = init_repo(tmp_path / "hosting")
    (tmp_path / "hosting" / "README.md").write_text("# 云溪县门户站点\n", encoding="utf-8")
    (tmp_path / "hosting" / "CNAME").write_text("www.yunxi.gov.cn\n", encoding="utf-8")
    (tmp_path / "hosting" / "old.html").write_text("过时的页面", encoding="utf-8")
    repo.index.add(["README.md", "CNAME", "old.html"])
    repo.index.commit("初始化")
    ws.config.hosting = Hosting(repo=str(tmp_path / "hosting"), branch="main")
    return repo


def build_files(ws, subdir="") -> dict[str, bytes]:
    files = {}
    for folder, prefix in ((ws.config.site_dir, f"{subdir}/" if subdir else ""),
                           (ws.config.redirects_dir, f"{REDIRECTS_DIR}/")):
        for path in folder.rglob("*"):
            if path.is_file():
                files[prefix + path.relative_to(folder).as_posix()] = path.read_bytes()
    return files


def tree_files(repo: git.Repo, ref="HEAD") -> dict[str, bytes]:
    return {item.path: item.data_stream.read()
            for item in repo.commit(ref).tree.traverse() if item.type == "blob"}


def commit_count(repo: git.Repo, ref="HEAD") -> int:
    return int(repo.git.rev_list("--count", ref))


def test_first_publish_commits_exactly_the_build(ws, hosting):
    result = publish(ws.config)           # runs verify for real
    assert commit_count(hosting) == 2
    expected = build_files(ws)
    expected["README.md"] = "# 云溪县门户站点\n".encode("utf-8")
    expected["CNAME"] = b"www.yunxi.gov.cn\n"
    assert tree_files(hosting) == expected
    assert result.commit == hosting.head.commit.hexsha
    assert result.deleted == ["old.html"] and not result.changed
    assert len(result.added) == len(build_files(ws))
    message = hosting.head.commit.message
    assert message.startswith("发布乡镇（街道）迁移站点：桃源镇、柳河街道")
    assert f"新增 {len(result.added)} 个，修改 0 个，删除 1 个" in message
    assert "文章 2 篇" in message and "410 已下线 1 条" in message and "重定向 8 条" in message
    assert "（文章迁移 2、栏目迁移 1、附件迁移 1、首页迁移 3）" in message
    assert hosting.head.commit.author.name == "县信息中心"
    assert not hosting.is_dirty(untracked_files=True)
    assert "_redirects/" in result.summary()


def test_republish_without_changes_makes_no_commit(ws, hosting):
    publish(ws.config, skip_verify=True)
    head = hosting.head.commit.hexsha
    result = publish(ws.config, skip_verify=True)
    assert result.commit is None and not result.has_changes
    assert hosting.head.commit.hexsha == head
    assert "没有新提交" in result.summary()


def test_changed_and_deleted_files_follow_the_build(ws, hosting):
    publish(ws.config, skip_verify=True)
    article = ws.site_file(OLD_ARTICLE)
    article.write_text(article.read_text(encoding="utf-8").replace("春耕通知", "春耕生产通知"), encoding="utf-8")
    css = ws.config.site_dir / "theme" / "site.css"
    css.unlink()
    result = publish(ws.config, skip_verify=True)
    rel_article = article.relative_to(ws.config.site_dir).as_posix()
    assert (result.added, result.changed, result.deleted) == ([], [rel_article], ["theme/site.css"])
    assert commit_count(hosting) == 3
    diff = hosting.git.diff("--name-status", "HEAD~1", "HEAD").splitlines()
    assert sorted(diff) == sorted([f"M\t{rel_article}", "D\ttheme/site.css"])
    assert "春耕生产通知" in tree_files(hosting)[rel_article].decode("utf-8")
    assert not (Path(hosting.working_tree_dir) / "theme" / "site.css").exists()
    assert "桃源镇" in hosting.head.commit.message.splitlines()[0]
    assert "柳河街道" not in hosting.head.commit.message.splitlines()[0]


def test_dirty_hosting_checkout_is_refused(ws, hosting):
    Path(hosting.working_tree_dir, "README.md").write_text("改了一半", encoding="utf-8")
    with pytest.raises(UserError, match="未提交的改动（README.md）"):
        publish(ws.config, skip_verify=True)
    hosting.git.checkout("--", "README.md")
    Path(hosting.working_tree_dir, "draft.txt").write_text("草稿", encoding="utf-8")
    with pytest.raises(UserError, match="draft.txt"):
        publish(ws.config, skip_verify=True)
    assert commit_count(hosting) == 1


def test_dry_run_changes_nothing(ws, hosting):
    before = sorted(p.name for p in Path(hosting.working_tree_dir).iterdir())
    result = publish(ws.config, dry_run=True)
    assert result.dry_run and result.commit is None
    assert len(result.added) == len(build_files(ws)) and result.deleted == ["old.html"]
    assert "试运行" in result.summary()
    assert commit_count(hosting) == 1
    assert sorted(p.name for p in Path(hosting.working_tree_dir).iterdir()) == before
    assert not hosting.is_dirty(untracked_files=True)


def test_failed_verify_or_missing_build_is_refused(ws, hosting):
    ws.site_file(OLD_ATTACHMENT).unlink()
    with pytest.raises(UserError, match="校验未通过") as info:
        publish(ws.config)
    assert "verify.html" in str(info.value)
    assert commit_count(hosting) == 1
    ws.config.output = ws.root / "empty-output"
    with pytest.raises(UserError, match="build"):
        publish(ws.config, skip_verify=True)


def test_subdir_and_a_new_branch(ws, hosting):
    ws.config.hosting = Hosting(repo=hosting.working_tree_dir, branch="pages", subdir="public")
    result = publish(ws.config, skip_verify=True)
    assert hosting.active_branch.name == "pages"
    files = tree_files(hosting, "pages")
    assert files["old.html"] == "过时的页面".encode("utf-8")       # outside the managed folders
    assert {k: v for k, v in files.items() if k.startswith(("public/", "_redirects/"))} == build_files(ws, "public")
    assert not result.deleted
    assert commit_count(hosting, "main") == 1


def test_bare_remote_is_cloned_and_pushed(ws, tmp_path):
    remote = init_repo(tmp_path / "remote.git", bare=True)
    ws.config.hosting = Hosting(repo=str(tmp_path / "remote.git"), branch="main")
    result = publish(ws.config, push=True, skip_verify=True)
    assert result.pushed and result.repo_path == ws.config.workdir / "hosting"
    assert remote.commit("main").hexsha == result.commit
    assert tree_files(remote, "main") == build_files(ws)
    # A later run fetches the clone and pushes only the change.
    (ws.config.site_dir / "theme" / "site.css").write_text("body{}", encoding="utf-8")
    second = publish(ws.config, push=True, skip_verify=True)
    assert second.changed == ["theme/site.css"]
    assert remote.commit("main").hexsha == second.commit and commit_count(remote, "main") == 2


def test_commits_as_sitemigrate_when_git_has_no_identity(ws, tmp_path, monkeypatch):
    empty = tmp_path / "empty.gitconfig"
    empty.write_text("", encoding="utf-8")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(empty))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "EMAIL"):
        monkeypatch.delenv(name, raising=False)
    repo = git.Repo.init(tmp_path / "plain", initial_branch="main")
    ws.config.hosting = Hosting(repo=str(tmp_path / "plain"), branch="main")
    result = publish(ws.config, skip_verify=True)
    assert repo.head.commit.hexsha == result.commit
    assert repo.head.commit.author.email == "sitemigrate@www.yunxi.gov.cn"


def test_bad_hosting_settings(ws, tmp_path):
    ws.config.hosting = Hosting(repo=None)
    with pytest.raises(UserError, match="hosting.repo"):
        publish(ws.config, skip_verify=True)
    (tmp_path / "not-a-repo").mkdir()
    ws.config.hosting = Hosting(repo=str(tmp_path / "not-a-repo"))
    with pytest.raises(UserError, match="不是 git 仓库"):
        publish(ws.config, skip_verify=True)
    ws.config.hosting = Hosting(repo=str(tmp_path / "missing"))
    with pytest.raises(UserError, match="不存在"):
        publish(ws.config, skip_verify=True)
    init_repo(tmp_path)                   # the workspace itself lives in this repository
    ws.config.hosting = Hosting(repo=str(tmp_path))
    with pytest.raises(UserError, match="不能包含本工作区"):
        publish(ws.config, skip_verify=True)
    ws.config.hosting = Hosting(repo=str(tmp_path), subdir="../x")
    with pytest.raises(UserError, match="subdir"):
        publish(ws.config, skip_verify=True)
    assert os.listdir(tmp_path / "not-a-repo") == []


def test_local_checkout_behind_origin_is_fast_forwarded_before_push(ws, tmp_path):
    remote = init_repo(tmp_path / "remote.git", bare=True)
    colleague = git.Repo.clone_from(str(tmp_path / "remote.git"), tmp_path / "colleague")
    for name, text in (("README.md", "# 站点\n"), ("CNAME", "www.yunxi.gov.cn\n")):
        Path(colleague.working_tree_dir, name).write_text(text, encoding="utf-8")
        colleague.index.add([name])
        colleague.index.commit(f"添加 {name}")
        if name == "README.md":
            local = git.Repo.clone_from(str(tmp_path / "remote.git"), tmp_path / "local")
        colleague.git.push("origin", "HEAD:main")
    ws.config.hosting = Hosting(repo=local.working_tree_dir, branch="main")
    result = publish(ws.config, push=True, skip_verify=True)
    assert result.pushed and remote.commit("main").hexsha == result.commit
    files = tree_files(remote, "main")
    assert files["CNAME"] == b"www.yunxi.gov.cn\n" and files["README.md"] == "# 站点\n".encode("utf-8")
    assert commit_count(remote, "main") == 3
