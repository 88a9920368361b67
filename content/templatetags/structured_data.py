"""The page head's structured data and social card, from ``content.structured``.

Each tag reads the page's ``site`` and ``canonical_url`` from the context:
``{% item_json_ld item %}``, ``{% front_json_ld %}``,
``{% author_json_ld author %}``, ``{% article_tags item %}`` (Open
Graph's dates, section and authors) and ``{% social_card item %}`` (no
item: the paper's default card).
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

from content import structured

register = template.Library()


@register.simple_tag(takes_context=True)
def item_json_ld(context: Any, item: Any) -> SafeString:
    return structured.script(structured.item_graph(context["site"], item, context["canonical_url"]))


@register.simple_tag(takes_context=True)
def front_json_ld(context: Any) -> SafeString:
    return structured.script(structured.front(context["site"]))


@register.simple_tag(takes_context=True)
def author_json_ld(context: Any, author: Any) -> SafeString:
    return structured.script(structured.profile(context["site"], author, context["canonical_url"]))


@register.simple_tag(takes_context=True)
def article_tags(context: Any, item: Any) -> SafeString:
    return structured.article_tags(context["site"], item)


@register.simple_tag(takes_context=True)
def social_card(context: Any, item: Any = None) -> SafeString:
    return structured.card(context["site"], item)
