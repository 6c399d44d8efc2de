"""Helpers shared by the test suites of several apps; imported by tests only, never by the product.

Not itself a test package: pytest collects nothing here (see ``testpaths`` in pytest.ini).
"""
