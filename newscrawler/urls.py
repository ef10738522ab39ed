"""URL canonicalisation: one article, one address, before anything else looks at a URL.

The same article reaches a crawler under many addresses: with tracking parameters
(`?utm_source=...`, `fbclid`), as page 2 or the whole-article variant (`?page=2`, `?single=1`),
as an AMP page (`/amp/`, `amp.` hosts, `?amp=1`), on the mobile host (`m.`), with or without
a trailing slash. `canonical_url` maps them all to one string: w3lib's `canonicalize_url`
(sorted query, percent-encoding, no fragment) plus the rules below, which a portal
description may adjust in its `canonical:` section:

    canonical:
      host: www.kompas.com          # the portal's own host (default: from its discovery URLs)
      drop_params: [source, tag_from]   # more tracking parameters ("prefix_*" allowed)
      keep_params: [page]           # variant parameters that do name another article here
      trailing_slash: add           # strip (default) | add | keep

Listing pages keep their `?page=`: `clean_url` drops tracking parameters only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

from newscrawler.portals import Portal, PortalError, owning_domain, portal_for_url, string_list

TRACKING_PARAMS = (
    "utm_*", "fbclid", "gclid", "gclsrc", "dclid", "msclkid", "yclid", "twclid", "igshid",
    "mc_cid", "mc_eid", "_ga", "_gl", "_hsenc", "_hsmi", "mkt_tok", "ref_src", "spm", "ocid",
    "cmpid",
)
# Parameters that pick a view of the same article, not another article.
VARIANT_PARAMS = ("page", "single", "amp", "outputType", "showall")
ALTERNATE_HOST_PREFIXES = ("m.", "amp.", "mobile.")
TRAILING_SLASH_MODES = ("strip", "add", "keep")
RULE_KEYS = {"host", "drop_params", "keep_params", "trailing_slash"}
DEFAULT_PORTS = {"http": 80, "https": 443}
_AMP_SEGMENT = re.compile(r"/amp(?=/|$)")


@dataclass(frozen=True)
class UrlRules:
    """How one portal's article URLs are made canonical."""

    host: str | None = None
    scheme: str = "https"
    domains: tuple[str, ...] = ()
    drop_params: tuple[str, ...] = TRACKING_PARAMS
    variant_params: tuple[str, ...] = VARIANT_PARAMS
    variant_suffix: str | None = None  # path suffix of the whole-article variant ("/all")
    trailing_slash: str = "strip"

    def owns(self, host: str) -> bool:
        return owning_domain(host, self.domains) is not None


def _home(portal: Portal) -> tuple[str | None, str]:
    """The host and scheme the portal's own discovery URLs use for its bare domain."""
    d = portal.discovery
    for url in (*d.start_urls, *d.sitemaps, *d.feeds):
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if any(host in (dom, "www." + dom) for dom in portal.domains):
            return host, parts.scheme or "https"
    return None, "https"


def _variant_suffix(portal: Portal) -> str | None:
    """The path the portal's whole-article template appends (`{url_no_query}/all` -> `/all`)."""
    template = portal.multipage.all_pages or ""
    for field in ("{url_no_query}", "{url}"):
        rest = template.removeprefix(field)
        if rest != template and rest.startswith("/") and "?" not in rest:
            return rest
    return None


def home_origin(portal: Portal) -> str:
    """The portal's own origin, e.g. https://www.aksi.id."""
    rules = rules_for(portal)
    return f"{rules.scheme}://{rules.host or portal.domains[0]}"


def rules_from_portal(portal: Portal) -> UrlRules:
    """The portal's URL rules: the defaults adjusted by its `canonical:` section."""
    raw = portal.canonical
    where = f"{portal.id}.canonical"
    unknown = set(raw) - RULE_KEYS
    if unknown:
        raise PortalError(f"{where}: unknown keys {sorted(unknown)}")
    mode = raw.get("trailing_slash", "strip")
    if mode not in TRAILING_SLASH_MODES:
        raise PortalError(f"{where}.trailing_slash: one of {TRAILING_SLASH_MODES}, got {mode!r}")
    keep = set(string_list(raw.get("keep_params"), f"{where}.keep_params"))
    home_host, scheme = _home(portal)
    return UrlRules(
        host=str(raw["host"]).lower() if raw.get("host") else home_host,
        scheme=scheme,
        domains=portal.domains,
        drop_params=TRACKING_PARAMS + string_list(raw.get("drop_params"), f"{where}.drop_params"),
        variant_params=tuple(p for p in VARIANT_PARAMS if p not in keep),
        variant_suffix=_variant_suffix(portal),
        trailing_slash=mode,
    )


# By object: descriptions are loaded once per process; the portal is kept so its id stays unique.
_RULES: dict[int, tuple[Portal, UrlRules]] = {}


def rules_for(portal: Portal | None) -> UrlRules:
    """The portal's rules, worked out once per portal object; the defaults for no portal."""
    if portal is None:
        return UrlRules()
    if id(portal) not in _RULES:
        _RULES[id(portal)] = (portal, rules_from_portal(portal))
    return _RULES[id(portal)][1]


def _matches(name: str, patterns: tuple[str, ...]) -> bool:
    return any(name.startswith(p[:-1]) if p.endswith("*") else name == p for p in patterns)


def _without_params(query: str, patterns: tuple[str, ...]) -> str:
    pairs = parse_qsl(query, keep_blank_values=True)
    return urlencode([(k, v) for k, v in pairs if not _matches(k, patterns)])


def _netloc(host: str, scheme: str, port: int | None) -> str:
    if port is None or DEFAULT_PORTS.get(scheme) == port:
        return host
    return f"{host}:{port}"


def clean_url(url: str) -> str:
    """The URL without tracking parameters and fragment (for listing pages, feeds, sitemaps)."""
    parts = urlsplit(canonicalize_url(url.strip()))
    query = _without_params(parts.query, TRACKING_PARAMS)
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", query, ""))


def canonical_url(url: str, portal: Portal | None = None) -> str:
    """The one address of the article at `url` (the URL's own portal when none is given).
    A URL too broken to parse (a bad IPv6 host, say) is returned as it was given."""
    try:
        return _canonical(url.strip(), portal if portal is not None else portal_for_url(url))
    except ValueError:
        return url.strip()


def _canonical(url: str, portal: Portal | None) -> str:
    rules = rules_for(portal)
    parts = urlsplit(canonicalize_url(url))
    scheme, host, port = parts.scheme, (parts.hostname or ""), parts.port
    for prefix in ALTERNATE_HOST_PREFIXES:
        if host.startswith(prefix) and rules.owns(host[len(prefix):]):
            host = host[len(prefix):]
            break
    if rules.host and any(host in (d, "www." + d) for d in rules.domains):
        host, scheme, port = rules.host, rules.scheme, None
    path = _AMP_SEGMENT.sub("", parts.path) or "/"
    if rules.variant_suffix and path.rstrip("/").endswith(rules.variant_suffix):
        path = path.rstrip("/")[: -len(rules.variant_suffix)] or "/"
    if path != "/" and rules.trailing_slash == "strip":
        path = path.rstrip("/") or "/"
    elif rules.trailing_slash == "add" and not path.endswith("/") and "." not in path.rsplit(
            "/", 1)[-1]:
        path += "/"
    query = _without_params(parts.query, rules.drop_params + rules.variant_params)
    return urlunsplit((scheme, _netloc(host, scheme, port), path, query, ""))
