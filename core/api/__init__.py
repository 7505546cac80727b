"""API plumbing shared by every app: fields, the unknown-field check, the bounded JSON parser,
one 413 error, and one way to turn domain exceptions and any failure into the JSON error shape."""
