"""Shared I/O: strict command-line arguments with one-line errors (cli), the one reader
and writer every file goes through (safe_files), where the project's folders are
(paths), how the code's templates are loaded (templates), and a local server of a
folder with the Chromium that prints from it (server, for the PDF and the course kit's
sheets). Imports nothing else of the chapter."""
