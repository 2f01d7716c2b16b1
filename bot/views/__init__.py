"""Block Kit builders (build) and parsers (parse), one module per surface."""
