"""`python -m benchmarks` runs the benchmark harness."""

import sys

from benchmarks.cli import main

sys.exit(main())
