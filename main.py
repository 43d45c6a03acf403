"""Starts Cnam Desk (the window, or a command when one is given)."""

from cnam_desk.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
