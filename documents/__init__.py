"""Documents made from a person's data: the starter SPASER (Markdown and DOCX), the DECP
état des lieux in words and tables, its chart. They read no chat and no database."""
