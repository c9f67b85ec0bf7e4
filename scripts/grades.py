"""Scale the lab's scores beside the answer key. `--help` lists the options;
the code is chapter.course.grades."""

from chapter.course.grades import main

if __name__ == "__main__":
    raise SystemExit(main())
