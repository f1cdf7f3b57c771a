"""The fixtures every test may use, from tests/fixtures/ (see its modules)."""

pytest_plugins = ["tests.fixtures.library", "tests.fixtures.slack", "tests.fixtures.ofsted_site"]
