"""Recompute the lab's stored check data. `--help` lists the options;
the code is chapter.course.lab_checks."""

from chapter.course.lab_checks import main

if __name__ == "__main__":
    raise SystemExit(main())
