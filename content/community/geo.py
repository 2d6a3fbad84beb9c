"""Distances on the earth, for "nearest first"."""

from __future__ import annotations

import math

EARTH_RADIUS_KM = 6371.0088


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine) in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(lat: float, lon: float, radius_km: float) -> tuple[float, float, float, float]:
    """(min lat, max lat, min lon, max lon) of a box that holds every point within `radius_km`."""
    dlat = math.degrees(radius_km / EARTH_RADIUS_KM)
    cos_lat = max(0.01, math.cos(math.radians(lat)))
    dlon = min(180.0, math.degrees(radius_km / (EARTH_RADIUS_KM * cos_lat)))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


def degrees_apart(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """How far apart two positions are in plain degrees, (longitude, latitude) taken as a flat plane: what
    PostgreSQL's `point <-> point` measures, so what the nearest-first index orders by."""
    return math.hypot(lon2 - lon1, lat2 - lat1)


def nearest_possible_km(lat: float, lon: float, degrees: float) -> float:
    """The least great-circle distance from (lat, lon) to any position at least `degrees` away in plain degrees
    (`degrees_apart`), or 0.0 when no bound holds.

    The shortest way to such a position first crosses the circle of `degrees` around the start; up to there it
    stays within `degrees` of the start's latitude, where a degree of longitude or latitude is at least
    cos(|lat| + degrees) of a degree of a great circle. So everything not yet read from a nearest-first scan
    that has reached `degrees` is at least this far; a station found nearer than this is sure of its place. No
    bound is given near a pole or across the 180th meridian (there the plane's distance says nothing)."""
    if abs(lat) + degrees >= 90.0 or abs(lon) + degrees >= 180.0:
        return 0.0
    ground = math.radians(degrees) * math.cos(math.radians(abs(lat) + degrees)) * EARTH_RADIUS_KM
    return ground * (1 - 1e-9)  # the last bits of floating point, rounded the safe way
