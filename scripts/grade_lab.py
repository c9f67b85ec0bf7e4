"""Grade a lab submission, or write the Gradescope bundle. `--help` lists the options;
the code is chapter.course.grade_lab."""

from chapter.course.grade_lab import main

if __name__ == "__main__":
    raise SystemExit(main())
