"""``python -m cucm_axl_sim``."""

import sys

from .cli import main

sys.exit(main())
