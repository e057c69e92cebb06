"""``python -m mashsim``: the same as the ``mashsim`` command (useful where scripts are not on PATH)."""

import sys

from mashsim.cli import main

sys.exit(main())
