"""Synthetic sample data: the generator and the small bundled dataset."""
