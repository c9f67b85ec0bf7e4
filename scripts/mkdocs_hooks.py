"""The one file mkdocs.yml names under hooks. MkDocs loads it by path, with scripts/ on
the import path while it does; it gives MkDocs one handler per event, which runs the
build's stages in the order chapter.site.events.STAGES gives."""

from chapter.site import events

globals().update(events.adapter(*events.STAGES))
