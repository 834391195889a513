import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REALPAGES = ROOT.parent / "shared" / "realpages"


def run_cli(*args, cwd=None, env=None, timeout=600):
    """Run the real `sitemigrate` entry point in a child process."""
    return subprocess.run([sys.executable, "-m", "migrate", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def workspace(tmp_path):
    """A copy of the bundled sample workspace (config + mappings + theme) in a temp folder."""
    shutil.copy(ROOT / "sitemigrate.yaml", tmp_path / "sitemigrate.yaml")
    shutil.copytree(ROOT / "mappings", tmp_path / "mappings")
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    return tmp_path
