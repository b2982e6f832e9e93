"""bench/load.py keeps working: a short run against gunicorn + worker passes its own checks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_a_short_load_run_files_everything_exactly_once():
    server = os.environ.get("TEST_DATABASE_URL")
    args = [sys.executable, "bench/load.py", "--clients", "4", "--duration", "3", "--kill-worker-at", "1.5"]
    if server:
        args += ["--database-url", server]
    done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "errors: 0" in done.stdout and "\nOK\n" in done.stdout
