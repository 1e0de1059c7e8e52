"""`python -m payssam`: the same as the `payssam` console script."""

import sys

from .cli import main

sys.exit(main())
