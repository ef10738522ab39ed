"""For scrapyd-deploy, which builds the egg it uploads with `python setup.py bdist_egg`.

Everything is declared in pyproject.toml (including the `scrapy` entry point naming the
settings module); without this file scrapyd-deploy would write a setup.py of its own that
leaves the portal descriptions out of the egg.
"""

from setuptools import setup

setup()
