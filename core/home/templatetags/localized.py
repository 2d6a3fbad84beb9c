from django import template

from core.home.i18n import localized as pick

register = template.Library()


@register.filter
def localized(obj, field: str):
    """`{{ page|localized:"intro" }}`: the English twin of an editor's text when English is active."""
    return pick(obj, field)
