"""Publishing what the site build made: the chapter as one PDF (pdf), printed by
Chromium from a local server of the built site (shared.server); its title page,
contents, page numbers and in-page scripts are files in templates/."""
