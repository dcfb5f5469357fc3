"""Atom feeds (RFC 4287) of new publications, built with ElementTree so escaping is exact."""

from collections.abc import Callable
from datetime import datetime
from xml.etree import ElementTree as ET

from app.models import ArchivePublication

ATOM = "http://www.w3.org/2005/Atom"
ET.register_namespace("", ATOM)


def _tag(name: str) -> str:
    return f"{{{ATOM}}}{name}"


def _text(parent: ET.Element, name: str, text: str, **attributes) -> ET.Element:
    element = ET.SubElement(parent, _tag(name), attributes)
    element.text = text
    return element


def _time(moment: datetime | None) -> str:
    return (moment or datetime(2000, 1, 1)).isoformat(timespec="seconds") + "Z"


def atom(
    title: str,
    feed_url: str,
    site_url: str,
    rights: str,
    publications: list[ArchivePublication],
    entry_url: Callable[[ArchivePublication], str],
) -> bytes:
    feed = ET.Element(_tag("feed"))
    _text(feed, "id", feed_url)
    _text(feed, "title", title)
    updated = max((p.published_at for p in publications if p.published_at), default=None)
    _text(feed, "updated", _time(updated))
    ET.SubElement(feed, _tag("link"), {"rel": "self", "href": feed_url})
    ET.SubElement(feed, _tag("link"), {"rel": "alternate", "href": site_url})
    author = ET.SubElement(feed, _tag("author"))
    _text(author, "name", "Casusplein, Leernetwerk Lokale Polarisatie en Vertrouwen")
    _text(feed, "rights", rights)
    for publication in publications:
        url = entry_url(publication)
        entry = ET.SubElement(feed, _tag("entry"))
        _text(entry, "id", url)
        _text(entry, "title", publication.title)
        _text(entry, "published", _time(publication.published_at))
        _text(entry, "updated", _time(publication.published_at))
        ET.SubElement(entry, _tag("link"), {"rel": "alternate", "href": url})
        _text(entry, "summary", publication.summary)
        for theme in publication.case.themes:
            ET.SubElement(entry, _tag("category"), {"term": theme.slug, "label": theme.name})
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
