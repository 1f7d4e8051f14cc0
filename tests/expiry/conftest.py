"""The loopback SMTP server for these tests."""

from tests.smtp import smtp  # noqa: F401 - a fixture
