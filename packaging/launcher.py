"""The PyInstaller bundle's entry point: ``psoas-desktop [ARGS]``, or the voice helper when asked.

A frozen app has no ``python -m``: ``psoas_desktop.qt.sound.voice.helper_command()`` starts the bundle's own
executable as ``psoas-desktop --voice-helper [--engine NAME]``, and this entry point hands those arguments
to the helper instead of the command line.
"""

from __future__ import annotations

import multiprocessing
import sys

# psoas_desktop.qt.sound.voice.FROZEN_HELPER_FLAG, spelt out so that headless commands (catalog, plan, history,
# export) do not import Qt just to compare one argument. The bundle's --self-test starts the helper the
# way the app does, so a mismatch fails `make package-check`.
VOICE_HELPER_FLAG = "--voice-helper"


def main() -> int:
    # A merge of long journals reads them in a helper process (psoas_desktop.storage.merge_parse), started
    # as this same executable: freeze_support() makes such a start run the helper, not the app.
    multiprocessing.freeze_support()
    if len(sys.argv) > 1 and sys.argv[1] == VOICE_HELPER_FLAG:
        from psoas_desktop.qt.sound.voice_helper import helper_main

        return helper_main(sys.argv[2:])
    from psoas_desktop.app.cli import main as cli_main

    return cli_main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
