"""The site build: each module is one stage, a plain function over Markdown, HTML or
the built site, ending in the few `on_*` functions that adapt it to MkDocs' events.
events.py runs the stages in one explicit order; scripts/mkdocs_hooks.py is the one
file mkdocs.yml names. templates/ holds the JavaScript that static_math runs in V8."""
