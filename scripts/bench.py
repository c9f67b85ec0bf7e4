"""Time the attention kernels and the 2D RNN on this machine. `--help` lists the options;
the code is chapter.model.bench."""

from chapter.model.bench import main

if __name__ == "__main__":
    raise SystemExit(main())
