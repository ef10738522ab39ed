"""Spiders: one class per job, one spider per portal description (see `loader`)."""
