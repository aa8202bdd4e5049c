"""The fault campaign over the real service: ``python bench/chaos.py [--submissions 600] [--faults 35] [--check]``.

The code lives in the package ``bench/chaos/`` (a package wins over a module of the same name on import);
this file only makes the repository importable and runs it.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.chaos.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
