from django import template

from kehu.audit import display

register = template.Library()


@register.filter
def audit_rows(event) -> list[display.ChangeRow]:
    """``{% for row in event|audit_rows %}``: the event's changes as label, old, new."""
    return display.change_rows(event)


@register.filter
def audit_kind(event) -> str:
    """The kind of record an event is about, e.g. "contact"."""
    return display.record_kind(event)
