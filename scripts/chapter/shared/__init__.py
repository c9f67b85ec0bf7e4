"""Shared I/O: strict command-line arguments with one-line errors (cli), the one reader
and writer every file goes through (safe_files), and where the project's folders are
(paths) and how templates are loaded (templates). Imports nothing else of the chapter."""
