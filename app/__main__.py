"""`python -m app` is the `strawsync` command."""

import sys

from app.cli import main

sys.exit(main())
