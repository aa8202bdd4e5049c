"""The API process stays small: importing and building the app loads no ML library nor the verification code."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

FORBIDDEN = ("numpy", "onnxruntime", "torch", "truthgraph.verification")

SCRIPT = f"""
import json, sys
import truthgraph.http.app as app_module
from truthgraph.settings import Settings
app_module.create_app(Settings(), store=object(), publisher=object(), history=object(), keys=object(), limiter=object())
forbidden = {FORBIDDEN!r}
print(json.dumps(sorted(m for m in sys.modules if any(m == f or m.startswith(f + ".") for f in forbidden))))
"""


def test_app_imports_no_ml_library_nor_verification() -> None:
    root = Path(__file__).resolve().parents[3]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")]))}

    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=root, env=env, capture_output=True, text=True, timeout=60)

    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
