"""Scrapy settings for newscrawler: polite by default, one archive, pipelines in order.

Every value can be overridden as usual (`-s NAME=value`, the environment, a custom settings
module). The archive path: NEWSCRAWLER_DB, else the environment variable of the same name,
else data/news.db.
"""

import os

BOT_NAME = "newscrawler"
SPIDER_MODULES = ["newscrawler.spiders"]
NEWSPIDER_MODULE = "newscrawler.spiders"
SPIDER_LOADER_CLASS = "newscrawler.spiders.loader.PortalSpiderLoader"

# An honest User-Agent: who we are and where to read about us.
USER_AGENT = os.environ.get(
    "NEWSCRAWLER_USER_AGENT",
    "newscrawler/0.1 (+https://github.com/newscrawler/newscrawler; news archive for research)",
)

# Politeness: robots.txt, AutoThrottle, few requests per site at a time, retries.
ROBOTSTXT_OBEY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
CONCURRENT_REQUESTS = 32
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0.25
DOWNLOAD_TIMEOUT = 30
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
DOWNLOAD_MAXSIZE = 20 * 1024 * 1024
DEPTH_LIMIT = 3

ITEM_PIPELINES = {
    "newscrawler.pipelines.CleanPipeline": 100,
    "newscrawler.pipelines.DatesPipeline": 200,
    "newscrawler.pipelines.ValidatePipeline": 300,
    "newscrawler.pipelines.DedupePipeline": 400,
    "newscrawler.pipelines.StorePipeline": 500,
}

NEWSCRAWLER_DB = os.environ.get("NEWSCRAWLER_DB", "data/news.db")
NEWSCRAWLER_BATCH_SIZE = 200

TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = os.environ.get("NEWSCRAWLER_LOG_LEVEL", "INFO")
