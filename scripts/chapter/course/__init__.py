"""The course kit: the lab's student version (student_notebook) and stored checks
(lab_checks); the grader (grade_lab), which runs a submission through lab_sandbox and
lab_harness and compares it with lab_hidden_tests; per-student numbers (variants) with
their rosters, printable sheets and grades. templates/ holds the sheets, the student
version's grading paragraph and the Gradescope autograder's scripts."""
