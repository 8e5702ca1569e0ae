"""Documents, their revisions, Markdown rendering and the publishing workflow."""
