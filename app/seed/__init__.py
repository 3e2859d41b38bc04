"""Generated data sets (`flask seed city`)."""
