"""``python -m alexnet_core``: the command line."""

import sys

from alexnet_core.cli import main

if __name__ == "__main__":
    sys.exit(main())
