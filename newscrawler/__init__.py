"""newscrawler: crawl Indonesian news portals into a clean, searchable SQLite archive."""

__version__ = "0.1.0"

from newscrawler.addresses import install_log_redaction  # noqa: E402

install_log_redaction()  # URL passwords (a Redis URL's) never reach a log, whatever logs them
