"""The interchange document: one JSON file that holds a whole EqIA.

`document.export` writes it, `importer.import_document` reads it back as a new
assessment, and `schema.schema()` describes it (docs/interchange.md).
"""
