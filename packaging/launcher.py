"""Entry point of the packaged MG Studio (PyInstaller): the ``mgstudio`` command, GUI by default."""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()  # `mgstudio extract --jobs N` starts worker processes
    from mgstudio.cli import main

    sys.exit(main())
