"""Count and draw one attention pattern's grid. `--help` lists the options;
the code is chapter.figures.grid."""

from chapter.figures.grid import main

if __name__ == "__main__":
    raise SystemExit(main())
