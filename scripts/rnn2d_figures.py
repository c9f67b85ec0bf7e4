"""Redraw Problem 2's figures only. `--help` lists the options;
the code is chapter.figures.rnn2d."""

from chapter.figures.rnn2d import main

if __name__ == "__main__":
    raise SystemExit(main())
