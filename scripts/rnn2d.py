"""Count a 2D RNN's parameters and operations. `--help` lists the options;
the code is chapter.model.rnn2d."""

from chapter.model.rnn2d import main

if __name__ == "__main__":
    raise SystemExit(main())
