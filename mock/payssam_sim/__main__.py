"""`python -m payssam_sim`: run the simulator from the command line (same as `payssam sim`)."""

import sys

from .cli import main

sys.exit(main())
