"""The CMS: page model, Markdown rendering and sanitising, ready-made modules, default pages."""
