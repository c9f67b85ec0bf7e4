"""Redraw the benchmark's figures from its recorded run. `--help` lists the options;
the code is chapter.figures.bench."""

from chapter.figures.bench import main

if __name__ == "__main__":
    raise SystemExit(main())
