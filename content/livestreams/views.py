"""Thin views behind the pages' routes and the media server's callbacks: they call selectors and services and
render templates, calendars or the answers nginx's RTMP module reads."""

from __future__ import annotations

import ipaddress
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from icalendar import Alarm, Calendar, Event

from core.errors import ApplicationError
from core.people.models import Role

from . import selectors, services
from .models import StreamPage

# --- pages ------------------------------------------------------------------------------------------


def schedule(request, page):
    context = selectors.schedule(index=page, user=request.user)
    return page.render(request, template="livestreams/stream_index_page.html", context_overrides=context)


def _calendar(streams, request) -> HttpResponse:
    calendar = Calendar()
    calendar.add("prodid", "-//Pioneer Academy//livestreams//ZH")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", _("Livestreams"))
    for stream in streams:
        event = Event()
        event.add("uid", f"livestream-{stream.pk}@{request.get_host()}")
        event.add("summary", stream.title)
        event.add("dtstart", stream.starts_at)
        event.add("dtend", stream.ends_at)
        event.add("dtstamp", stream.last_published_at or stream.starts_at)
        event.add("url", request.build_absolute_uri(stream.url or "/"))
        if stream.host:
            event.add("description", _("Host: %(host)s") % {"host": stream.host})
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", stream.title)
        alarm.add("trigger", timedelta(minutes=-10))
        event.add_component(alarm)
        calendar.add_component(event)
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="livestreams.ics"'
    return response


def schedule_calendar(request, page):
    """Every stream of the schedule the person may watch, as an iCalendar feed (RFC 5545)."""
    parts = selectors.schedule(index=page, user=request.user)
    return _calendar([*parts["live"], *parts["upcoming"], *parts["past"]], request)


def stream_calendar(request, stream: StreamPage):
    if not services.may_watch(request.user, stream):
        raise Http404
    return _calendar([stream], request)


def stream_remind(request, stream: StreamPage):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not request.user.is_authenticated:
        return redirect_to_login(stream.url)
    try:
        on = services.stream_remind(user=request.user, stream=stream, on=request.POST.get("on") != "0")
        messages.success(request, _("We will remind you before it starts.") if on else _("Reminder cancelled."))
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect(stream.url)


def host_console(request, stream: StreamPage):
    """The host's controls: where to publish, the key, going live and ending, pinning products, quiz questions."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not services.may_host(request.user, stream):
        raise DjangoPermissionDenied
    if request.method == "POST":
        _host_action(request, stream)
        return redirect(request.path)
    state = selectors.state_of(stream)
    context = {
        "state": state,
        "key": selectors.host_key(stream=stream),
        "rtmp_url": settings.LIVESTREAMS_RTMP_URL,
        "products": list(stream.products.all()),
        "questions": list(stream.questions.all()),
        "room": selectors.room_snapshot(stream_id=stream.pk),
    }
    return stream.render(request, template="livestreams/host_console.html", context_overrides=context)


def _host_action(request, stream: StreamPage) -> None:
    action = request.POST.get("action", "")
    user = request.user

    def number(name: str) -> int | None:
        value = request.POST.get(name, "")
        return int(value) if value.isdigit() and len(value) < 18 else None

    try:
        if action == "pin":
            services.product_pin(user=user, stream=stream, product_id=number("product"))
        elif action == "unpin":
            services.product_pin(user=user, stream=stream, product_id=None)
        elif action == "quiz":
            services.quiz_open(user=user, stream=stream, question_id=number("question"))
        elif action == "live":
            services.stream_go_live(user=user, stream=stream)
        elif action == "end":
            services.stream_end(user=user, stream=stream)
        elif action == "rotate":
            services.stream_key_rotate(user=user, stream=stream)
        else:
            messages.error(request, _("Unknown action."))
            return
        messages.success(request, _("Done."))
    except ApplicationError as error:
        messages.error(request, error.message)


def stream_report(request, stream: StreamPage):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not (services.may_host(request.user, stream) or request.user.has_role(Role.STAFF)):
        raise DjangoPermissionDenied
    context = {"report": selectors.stream_report(stream=stream), "units": selectors.attendance_by_unit(stream=stream)}
    return stream.render(request, template="livestreams/stream_report.html", context_overrides=context)


# --- the media server's callbacks --------------------------------------------------------------------


def _from_media_server(request) -> bool:
    """Only the media server (by default on this machine) may call: anyone else could mark streams live. A request
    that came through a proxy (it says whom it forwards) is not the media server, even from 127.0.0.1."""
    if request.META.get("HTTP_X_FORWARDED_FOR"):
        return False
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    for allowed in settings.LIVESTREAMS_CALLBACK_ADDRESSES:
        try:
            if address in ipaddress.ip_network(allowed, strict=False):
                return True
        except ValueError:
            continue
    return False


@csrf_exempt
def rtmp_on_publish(request):
    """nginx-rtmp's `on_publish` (a form POST with app, name = the key, addr, ...). 2xx lets the encoder publish;
    the redirect relays the stream to the `show` application under its public name, so HLS files and URLs never
    carry the key (platform/nginx-rtmp.conf). Anything else refuses it."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not _from_media_server(request):
        return HttpResponse(status=403)
    try:
        state = services.stream_publish_authorise(key=request.POST.get("name", ""))
    except ApplicationError as error:
        return HttpResponse(str(error.message), status=error.status, content_type="text/plain; charset=utf-8")
    response = HttpResponse(status=302)
    response["Location"] = f"{settings.LIVESTREAMS_RTMP_RELAY.rstrip('/')}/{state.public_name}"
    return response


@csrf_exempt
def rtmp_on_publish_done(request):
    """nginx-rtmp's `on_publish_done`: the encoder stopped; the stream ends and its replay is made."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not _from_media_server(request):
        return HttpResponse(status=403)
    try:
        services.stream_publish_done(name=request.POST.get("name", ""))
    except ApplicationError as error:
        return HttpResponse(str(error.message), status=error.status, content_type="text/plain; charset=utf-8")
    return HttpResponse("ok", content_type="text/plain")
