"""Print the chapter as one PDF. `--help` lists the options; the code is chapter.publishing.pdf."""

from chapter.publishing.pdf import main

if __name__ == "__main__":
    raise SystemExit(main())
