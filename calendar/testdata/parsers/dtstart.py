#!/usr/bin/env python3
"""Prints "UID DTSTART" for every VEVENT of each file, DTSTART as a UTC
instant (2006-01-02T15:04:05Z) as the named parser reads it.

usage: dtstart.py vobject|icalendar FILE...
Used by calendar's TestParsersAgree; exit 3 when the parser is missing.
"""
import sys
from datetime import datetime, timezone


def utc(dt):
    if not isinstance(dt, datetime):
        return "date:" + dt.isoformat()
    if dt.tzinfo is None:
        return "floating:" + dt.isoformat()
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def with_vobject(text):
    import vobject
    for cal in vobject.readComponents(text):
        for ev in cal.contents.get("vevent", []):
            yield ev.uid.value, utc(ev.dtstart.value)


def with_icalendar(text):
    import icalendar
    cal = icalendar.Calendar.from_ical(text)
    for ev in cal.walk("VEVENT"):
        yield str(ev.get("UID")), utc(ev.decoded("DTSTART"))


def main():
    parsers = {"vobject": with_vobject, "icalendar": with_icalendar}
    name, files = sys.argv[1], sys.argv[2:]
    try:
        __import__(name)
    except ImportError:
        sys.exit(3)
    for f in files:
        with open(f, encoding="utf-8", newline="") as fh:
            text = fh.read()
        for uid, start in parsers[name](text):
            print(uid, start)


main()
