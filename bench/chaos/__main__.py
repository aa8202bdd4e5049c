"""``python -m bench.chaos``: run the fault campaign."""

import sys

from .cli import main

sys.exit(main())
