"""Each student's numbers, sheets and answer key. `--help` lists the options;
the code is chapter.course.variants."""

from chapter.course.variants import main

if __name__ == "__main__":
    raise SystemExit(main())
