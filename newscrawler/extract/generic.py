"""Generic main-content finder, for pages whose portal is unknown or whose selectors broke.

A readability-style vote, in one walk over the tree: every paragraph (a <p>, or text written
between <br>s) scores by its length and commas, and gives that score to its parent, half to its
grandparent and less further up. Class and id names nudge an element up (`article-body`,
`entry-content`, `isi-berita`) or down (`sidebar`, `comment`, `terkait`); link-heavy elements
lose in proportion to their link text. The winner's siblings that hold prose too are kept with
it, so an article split over sibling blocks comes out whole.

A well-known body container (`[itemprop=articleBody]`, `.entry-content`, ...) is preferred to
the winner when it holds most of the winner's prose: a template that puts `entry-content` on a
teaser must not win over the article itself.
"""

from __future__ import annotations

import re
from functools import lru_cache

from newscrawler.boilerplate import Rules
from newscrawler.extract.document import Element, css_xpath, text_content

# Subtrees that never hold the article (not even its wrapper).
SKIP_TAGS = frozenset(
    "script style noscript template svg iframe head title select button textarea nav aside "
    "footer video audio canvas map object embed".split()
)
PARAGRAPH_TAGS = frozenset({"p", "pre", "blockquote", "td", "h2", "h3", "h4", "li", "dd"})
INLINE_TAGS = frozenset(
    "a abbr b bdi bdo cite code data dfn em font i kbd mark q s samp small span strong sub sup "
    "time u var wbr br".split()
)
TAG_WEIGHT = {"div": 5, "article": 10, "main": 5, "section": 3, "pre": 3, "td": 3,
              "blockquote": 3, "form": -3, "ol": -3, "ul": -3, "dl": -3, "li": -3,
              "address": -3, "th": -5, "h1": -5, "h2": -5, "h3": -5, "h4": -5}
POSITIVE_NAMES = re.compile(
    r"\b(article|body|content|entry|hentry|main|page|post|text|blog|story|detail|isi|berita|"
    r"artikel|konten|narasi|read|single)\b")
NEGATIVE_NAMES = re.compile(
    r"\b(ad|ads|advert|banner|combx|comments?|contact|foot|footer|gdpr|consent|cookie|masthead|"
    r"meta|outbrain|taboola|promo|related|scroll|share|sharing|shoutbox|sidebar|skyscraper|"
    r"sponsor|sponsored|shopping|tags?|tool|tools|widget|popular|populer|terkait|trending|"
    r"newsletter|subscribe|modal|popup|bio|byline|breadcrumbs?|nav|navigation|menu|header|"
    r"signup|paywall|hidden)\b")
UNLIKELY_NAMES = re.compile(
    r"\b(banner|breadcrumbs?|combx|comments?|community|disqus|extra|footer|gdpr|consent|cookie|"
    r"header|legends|menu|related|remark|replies|rss|shoutbox|sidebar|skyscraper|social|sponsor|"
    r"supplemental|ad break|agegate|pagination|pager|popup|newsletter|terkait|populer|"
    r"baca juga|bacajuga|trending|recommended|rekomendasi)\b")
MAYBE_NAMES = re.compile(r"\b(and|article|body|column|content|main|shadow|entry|post|story|"
                         r"detail)\b")
_NAME_SPLIT = re.compile(r"[^a-zA-Z0-9]+|(?<=[a-z0-9])(?=[A-Z])")
MIN_PARAGRAPH_CHARS = 25
VOTE_LEVELS = 5
# A paragraph inside an element named as boilerplate this close above it does not vote; further
# up, a name says little (`has-sidebar` on a page wrapper).
NAMED_LEVELS = 3
WRAPPER_SHARE = 0.4
MIN_CONTAINER_SCORE = 10.0
MIN_CANDIDATE_PROSE = 140  # chars of non-link text: less is a teaser, a byline or a card
ALTERNATIVES = 5  # next-best candidates looked at
ALTERNATIVE_SHARE = 0.75  # ... scoring at least this share of the best
MIN_ALTERNATIVES = 3  # ... this many in one ancestor make it the container
KNOWN_CONTAINER_SHARE = 0.6
SIBLING_SHARE = 0.2
_SENTENCE_END = re.compile(r"[.!?\"”')]\s*$")


@lru_cache(maxsize=8192)  # bounded: a long crawl meets millions of class names
def _words(class_attr: str | None, id_attr: str | None) -> str:
    """Class and id as lower-case words: "PageBuilder-pageRow" -> "page builder page row"."""
    return " ".join(_NAME_SPLIT.split(f"{class_attr or ''} {id_attr or ''}")).strip().lower()


def _class_weight(el: Element) -> float:
    names = _words(el.get("class"), el.get("id"))
    if not names:
        return 0.0
    weight = 0.0
    if NEGATIVE_NAMES.search(names):
        weight -= 25
    if POSITIVE_NAMES.search(names):
        weight += 25
    return weight


def is_unlikely(el: Element) -> bool:
    """A block whose name says it is not the article (menu, comments, related), unless the
    name also says it might be (`article-comments-wrapper` stays a maybe)."""
    names = _words(el.get("class"), el.get("id"))
    if not names or el.tag in ("body", "html", "article", "main"):
        return False
    return bool(UNLIKELY_NAMES.search(names)) and not MAYBE_NAMES.search(names)


class _Vote:
    """One walk over the body: text counts for every element and the paragraphs' votes."""

    def __init__(self, rules: Rules):
        self.rules = rules
        self.text: dict[Element, tuple[int, int]] = {}  # (chars, link chars)
        self.scores: dict[Element, float] = {}
        self.paragraphs: list[tuple[Element, int, int]] = []
        self.named: dict[Element, bool] = {}

    def walk(self, el: Element, in_link: bool) -> tuple[int, int]:
        """(chars, link chars) of the element's text; notes the paragraphs found."""
        here_link = in_link or el.tag == "a"
        text = el.text
        own = len(text.strip()) if text else 0
        chars, links = own, own if here_link else 0
        commas = text.count(",") if text else 0
        has_block_child = False
        for child in el:
            tail = child.tail
            if tail:
                n = len(tail.strip())
                chars += n
                own += n
                commas += tail.count(",")
                if here_link:
                    links += n
            tag = child.tag
            if not isinstance(tag, str) or tag in SKIP_TAGS:
                continue
            c_chars, c_links = self.walk(child, here_link)
            chars += c_chars
            links += c_links
            if tag in INLINE_TAGS:
                own += c_chars - c_links
            else:
                has_block_child = True
        if chars:
            self.text[el] = (chars, links)
        tag = el.tag
        if tag in PARAGRAPH_TAGS:
            if chars - links >= MIN_PARAGRAPH_CHARS:
                self.paragraphs.append((el, chars - links, commas))
        elif own >= MIN_PARAGRAPH_CHARS and (not has_block_child or own >= 4 * MIN_PARAGRAPH_CHARS):
            self.paragraphs.append((el, own, commas))
        return chars, links

    def count_votes(self, page_chars: int) -> None:
        """Every paragraph votes, once the text of every element is known."""
        for el, prose, commas in self.paragraphs:
            self.vote(el, prose, commas, page_chars)

    def vote(self, el: Element, prose: int, commas: int, page_chars: int) -> None:
        """Give a paragraph's score to its ancestors: parent 1, grandparent 1/2, then 1/(3n).

        No vote from inside a box named as boilerplate (comments, related) unless that box holds
        much of the page's text: then it is the article's wrapper, whatever its name says.
        """
        score = 1 + commas + min(prose / 100, 3)
        targets = []
        target = el if el.tag not in PARAGRAPH_TAGS else el.getparent()
        while target is not None and len(targets) < VOTE_LEVELS:
            targets.append(target)
            target = target.getparent()
        if any(self.is_boilerplate(t) and self.chars(t) < WRAPPER_SHARE * page_chars
               for t in [el, *targets[:NAMED_LEVELS]]):
            return
        for level, target in enumerate(targets):
            if target not in self.scores:
                self.scores[target] = TAG_WEIGHT.get(target.tag, 0) + _class_weight(target)
            self.scores[target] += score / (1 if level == 0 else 2 if level == 1 else level * 3)

    def chars(self, el: Element) -> int:
        return self.text.get(el, (0, 0))[0]

    def prose(self, el: Element) -> int:
        chars, links = self.text.get(el, (0, 0))
        return chars - links

    def link_density(self, el: Element) -> float:
        chars, links = self.text.get(el, (0, 0))
        return links / chars if chars else 0.0

    def is_boilerplate(self, el: Element) -> bool:
        """Named as not the article (comments, related, share bar): its paragraphs don't vote."""
        found = self.named.get(el)
        if found is None:
            found = self.named[el] = is_unlikely(el) or (
                el.tag not in INLINE_TAGS
                and self.rules.is_boilerplate_element(el.get("class"), el.get("id")))
        return found

    def final_score(self, el: Element) -> float:
        """The vote's score less link text; 0 for an element no paragraph reached (a card
        grid's common ancestor sits more than VOTE_LEVELS above its paragraphs)."""
        return self.scores.get(el, 0.0) * (1 - self.link_density(el))


def _siblings_with_prose(top: Element, vote: _Vote) -> list[Element]:
    """The top candidate and those of its siblings that hold prose too, in page order."""
    parent = top.getparent()
    if parent is None:
        return [top]
    top_score = vote.final_score(top)
    threshold = max(10.0, top_score * SIBLING_SHARE)
    kept = []
    for sibling in parent:
        if sibling is top:
            kept.append(top)
            continue
        if sibling not in vote.scores:
            continue
        density = vote.link_density(sibling)
        bonus = top_score * SIBLING_SHARE if (
            sibling.get("class") and sibling.get("class") == top.get("class")) else 0
        scores_well = vote.final_score(sibling) + bonus >= threshold and density < 0.33
        is_prose = sibling.tag == "p" and density < 0.25 and (
            vote.chars(sibling) > 80 or _SENTENCE_END.search(text_content(sibling) or ""))
        if scores_well or is_prose:
            kept.append(sibling)
    return kept


def _known_container(rules: Rules, vote: _Vote, best_prose: int) -> Element | None:
    """A well-known body container holding most of the winner's prose, if the page has one."""
    is_known = css_xpath(rules.body_containers, "self::")
    if is_known is None:
        return None
    for el in vote.scores:  # page order of the first vote, near enough
        if vote.prose(el) >= KNOWN_CONTAINER_SHARE * best_prose and is_known(el):
            return el
    return None


def _top_candidate(vote: _Vote) -> Element | None:
    """The best-scoring element with enough prose to be an article, moved up to the ancestor
    that holds the article as a whole (readability's two corrections):

    - when several of the next-best candidates sit in one ancestor of the winner (an article
      written as a row of cards, one paragraph each), that ancestor;
    - else the first ancestor scoring better than the one below it on the way up, while the
      scores stay above a third of the winner's and the ancestor is not much more link-heavy
      (a page wrapper with the menus scores well too).
    """
    candidates = sorted((el for el in vote.scores if vote.prose(el) >= MIN_CANDIDATE_PROSE),
                        key=vote.final_score, reverse=True)
    if not candidates or vote.final_score(candidates[0]) < MIN_CONTAINER_SCORE:
        return None
    top, best = candidates[0], vote.final_score(candidates[0])
    around = {top, *top.iterancestors()}
    alternatives = [c for c in candidates[1:ALTERNATIVES + 1]
                    if vote.final_score(c) >= ALTERNATIVE_SHARE * best
                    and c not in around and top not in set(c.iterancestors())]
    if len(alternatives) >= MIN_ALTERNATIVES:
        for ancestor in top.iterancestors():
            if ancestor.tag == "body":
                break
            inside = sum(1 for a in alternatives if ancestor in set(a.iterancestors()))
            if inside >= MIN_ALTERNATIVES:
                return ancestor
    last = best
    for ancestor in top.iterancestors():
        if ancestor.tag == "body" or ancestor not in vote.scores:
            break
        score = vote.final_score(ancestor)
        if score < last / 3:
            break
        if score > last and vote.link_density(ancestor) <= vote.link_density(top) + 0.1:
            return ancestor
        last = score
    return top


def find_containers(root: Element, rules: Rules) -> list[Element]:
    """The element(s) holding the article's prose, in page order; [] for a page without any."""
    body = root.find("body")
    vote = _Vote(rules)
    page_chars, _ = vote.walk(body if body is not None else root, False)
    vote.count_votes(page_chars)
    top = _top_candidate(vote)
    if top is None:
        return []
    # A lone child holding all of its parent's text: the parent is the container.
    parent = top.getparent()
    while (parent is not None and parent.tag != "body" and len(parent) == 1
           and parent in vote.scores):
        top, parent = parent, parent.getparent()
    known = _known_container(rules, vote, vote.prose(top))
    if known is not None:
        return [known]
    return _siblings_with_prose(top, vote)
