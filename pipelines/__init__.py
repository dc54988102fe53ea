"""One thin module per DVC stage: read params, build items, call the library, report."""
