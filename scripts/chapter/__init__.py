"""The chapter's Python, in layers; a module imports only from its own layer or lower ones.

shared      argument checking, the one safe reader and writer, the project's paths,
            a local server and Chromium to print from it
model       what the chapter computes: the expression language, Problem 1's pattern
            registry and kernels, Problem 2's 2D RNN, the practice questions, the benchmark
figures     the committed SVG figures, drawn from the model
course      the course kit: the lab's student version and checks, the grader, per-student
            variants, sheets and grades
publishing  the PDF of the built site
site        the build stages MkDocs runs, as plain functions over Markdown and HTML, put in
            order by site.events

The commands in scripts/ (make_figures.py, grade_lab.py, ...) are thin files that call
a module's main().
"""
