"""``python -m psoas_desktop`` behaves as ``psoas-desktop``."""

import sys

from psoas_desktop.app.cli import main

sys.exit(main())
