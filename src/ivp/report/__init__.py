"""The reader's side: Dutch number formats, Jinja templates, figures and maps, HTML rendering."""
