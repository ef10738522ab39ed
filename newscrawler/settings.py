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
# Index pages run to many pages on busy days; the seen-set keeps following from looping.
DEPTH_LIMIT = 20
# Failed fetches are counted per reason (newscrawler/errors/<reason>) and are not fatal; each
# is one WARNING line from the spider, so the retry middleware's own line is only INFO.
RETRY_GIVE_UP_LOG_LEVEL = "INFO"
# robots.txt Crawl-delay (Scrapy ignores it) is obeyed, up to this many seconds.
NEWSCRAWLER_CRAWL_DELAY_MAX = 60.0

# Incremental: archived articles are not fetched again, except recent ones, revalidated
# (If-None-Match / If-Modified-Since) at these ages; a checkpoint stays due for the window
# (about the interval between runs). NEWSCRAWLER_INCREMENTAL = False fetches everything.
NEWSCRAWLER_INCREMENTAL = True
NEWSCRAWLER_REFETCH_AFTER = ["1h", "6h", "24h"]
NEWSCRAWLER_REFETCH_WINDOW = 2 * 3600

DOWNLOADER_MIDDLEWARES = {"newscrawler.middlewares.IncrementalMiddleware": 120}
EXTENSIONS = {
    "newscrawler.extensions.JobdirGuard": 0,
    "newscrawler.extensions.CrawlDelay": 500,  # after AutoThrottle: it keeps the floor
    "newscrawler.extensions.RedirectLoops": 500,
    "newscrawler.extensions.RunAccounting": 500,
}
# Portal health: a run is `degraded` when the share of its articles with a field (title,
# published to the minute, body, authors, tags, read by the portal's selectors) is more than
# MAX_DROP below its mean over the portal's last HEALTH_RUNS ok runs; runs of fewer than
# MIN_ARTICLES articles are not judged, nor judged by.
NEWSCRAWLER_HEALTH_MAX_DROP = 0.3
NEWSCRAWLER_HEALTH_RUNS = 5
NEWSCRAWLER_HEALTH_MIN_ARTICLES = 5

ITEM_PIPELINES = {
    "newscrawler.pipelines.ProcessPipeline": 100,
    "newscrawler.pipelines.DedupePipeline": 400,
    "newscrawler.pipelines.StorePipeline": 500,
}

NEWSCRAWLER_DB = os.environ.get("NEWSCRAWLER_DB", "data/news.db")
NEWSCRAWLER_BATCH_SIZE = 200
# Another writer (a second crawl, reextract, ingest) holding the archive: a batch waits up to
# NEWSCRAWLER_BUSY_TIMEOUT seconds for the lock on the crawl's writer thread (fetching goes on),
# is kept and tried again, and after NEWSCRAWLER_ARCHIVE_WAIT seconds the crawl closes as
# `archive_locked`.
NEWSCRAWLER_BUSY_TIMEOUT = 60.0
NEWSCRAWLER_ARCHIVE_WAIT = 600.0

# No telnet console: one per crawler would run out of its 51 ports with `crawl --all` (an error
# and a traceback per portal beyond them), and nobody attends an unattended crawl.
TELNETCONSOLE_ENABLED = False

TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = os.environ.get("NEWSCRAWLER_LOG_LEVEL", "INFO")

# Scale-out (see deploy/README.md): with NEWSCRAWLER_REDIS_URL set, the scheduler, the seen-set
# and the item queue live in Redis (scrapy-redis), so crawler processes on any number of
# machines share one frontier; `newscrawler ingest` is then the archive's one writer.
NEWSCRAWLER_REDIS_URL = os.environ.get("NEWSCRAWLER_REDIS_URL")
if NEWSCRAWLER_REDIS_URL:
    REDIS_URL = NEWSCRAWLER_REDIS_URL
    SCHEDULER = "scrapy_redis.scheduler.Scheduler"
    SCHEDULER_PERSIST = True  # other workers still use the frontier when this one stops
    SCHEDULER_QUEUE_KEY = "newscrawler:%(spider)s:requests"
    SCHEDULER_DUPEFILTER_KEY = "newscrawler:%(spider)s:seen"
    DUPEFILTER_CLASS = "newscrawler.scaleout.RoundDupeFilter"
    REDIS_ITEMS_KEY = "newscrawler:items"
    REDIS_ITEMS_SERIALIZER = "newscrawler.scaleout.article_to_json"
    ITEM_PIPELINES = {**ITEM_PIPELINES, "newscrawler.pipelines.StorePipeline": None,
                      "newscrawler.scaleout.ItemQueuePipeline": 500}
    EXTENSIONS = {**EXTENSIONS, "newscrawler.scaleout.RedisWorker": 600}
    # A round shares one seen-set; a new round (default: a new UTC hour) discovers afresh.
    NEWSCRAWLER_REDIS_ROUND = os.environ.get("NEWSCRAWLER_REDIS_ROUND")
    NEWSCRAWLER_REDIS_IDLE = 15.0  # seconds a worker waits on an empty frontier before closing
