"""Write the lab's student version. `--help` lists the options;
the code is chapter.course.student_notebook."""

from chapter.course.student_notebook import main

if __name__ == "__main__":
    raise SystemExit(main())
