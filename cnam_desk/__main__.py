"""`python -m cnam_desk` runs the command line."""

from cnam_desk.cli import main

raise SystemExit(main())
