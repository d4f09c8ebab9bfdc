"""The knowledge API's fixtures live in tests/api/conftest.py (the review tests share them)."""
