"""``python -m mgstudio`` runs the command line (the GUI when no command is given)."""

from mgstudio.cli import main

raise SystemExit(main())
