"""Redraw every figure of the chapter. `--help` lists the options;
the code is chapter.figures.catalog."""

from chapter.figures.catalog import main

if __name__ == "__main__":
    raise SystemExit(main())
