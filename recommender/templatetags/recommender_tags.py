"""``{% load recommender_tags %}{% for_you kind="course" %}``: the "为你推荐" block anywhere."""

from django import template
from django.template.loader import render_to_string

from ..blocks import TEMPLATE, for_you_context

register = template.Library()


@register.simple_tag(takes_context=True)
def for_you(context, kind=None, limit=6):
    request = context.get("request")
    if request is None:
        return ""
    block = for_you_context(request, kind=kind, limit=int(limit))
    if block is None:
        return ""
    return render_to_string(TEMPLATE, {"block": block}, request=request)
