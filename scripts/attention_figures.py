"""Redraw Problem 1's figures only. `--help` lists the options;
the code is chapter.figures.attention."""

from chapter.figures.attention import main

if __name__ == "__main__":
    raise SystemExit(main())
