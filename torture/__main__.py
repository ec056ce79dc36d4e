"""python -m torture: see `python -m torture --help`."""

import sys

from torture.cli import main

sys.exit(main())
