"""Entry point of the packaged MG Studio (PyInstaller): the ``mgstudio`` command, GUI by default."""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()  # `mgstudio extract --jobs N` starts worker processes
    # Old macOS Finder launches add a process serial number argument: not ours.
    sys.argv = [a for a in sys.argv if not a.startswith("-psn_")]
    from mgstudio.cli import main

    sys.exit(main())
