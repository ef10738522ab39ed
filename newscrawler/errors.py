"""The project's refusals: one base class, so a caller can tell our errors from a bug.

Each subclass names the reason it is counted under (`reason`), so counting never depends on a
class name or a message string.
"""

from __future__ import annotations


class NewscrawlerError(Exception):
    """Input or state newscrawler refuses, with a message a user can act on."""

    reason = "error"
