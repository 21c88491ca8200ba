#!/usr/bin/env python3
"""End-to-end test of calendars on a real civhubd: the TechCamp Arequipa .ics
(examples/events/) imported with `civhubctl event import` (what it did not
import listed with lines; a re-import changes nothing; a broken file names
its line and exits 4), then GET /v1/events.ics read as a calendar app would:
parsed by Python's icalendar package (Debian python3-icalendar) without
errors, its times in America/Lima, its filters and language, ETag/304; and
the feed read back by libical (`event import --dry-run`) without an error,
under the same record ids.

    calendar_e2e_test.py CIVHUBD CIVHUBCTL SOURCE_DIR
"""
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

import icalendar

CIVHUBD, CIVHUBCTL, SOURCE = sys.argv[1:4]
del sys.argv[1:4]
sys.dont_write_bytecode = True  # No __pycache__ in the source tree.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import civhubd_process  # noqa: E402
import http_fetch  # noqa: E402

ICS = os.path.join(SOURCE, "examples/events/techcamp-arequipa-2027.ics")
ORG = os.path.join(SOURCE, "examples/organizations/red-mujeres-emprendedoras.json")
CAMP = "techcamp-arequipa-2027@remep.example.pe"
MENTORING = "techcamp-arequipa-2027-mentorias@remep.example.pe"
HACKATHON = "hackaton-emprendedoras-arequipa-2027@remep.example.pe"
UIDS = {CAMP, MENTORING, HACKATHON}
ORGANIZER = "red-mujeres-emprendedoras"
SUMMARY = re.compile(r"publish(?:ed)? (\d+), unchanged (\d+), rejected (\d+), "
                     r"skipped (\d+) events")
YEAR_2027 = "/v1/events.ics?from=2027-01-01&to=2028-01-01"
WEB_URL = "https://hub.example.org"


class Hub:
    proc = None
    data = None
    hub_id = None
    http = None


def ctl(*args):
    return subprocess.run([CIVHUBCTL, "--data-dir", Hub.data, *args],
                          capture_output=True, text=True, timeout=120)


def summary(out):
    m = SUMMARY.search(out.stdout)
    assert m, out.stdout + out.stderr
    return tuple(int(x) for x in m.groups())


def feed(path, headers=None):
    return http_fetch.get(Hub.http, path, headers)


def events_of(body):
    cal = icalendar.Calendar.from_ical(body)
    for component in cal.walk():
        assert not component.errors, (component.name, component.errors)
    return cal, {str(e["UID"]): e for e in cal.walk("VEVENT")}


def fetch_events(path):
    """(headers, body, {UID: VEVENT}) of a feed; the hub acknowledged each
    publish after indexing it, so what it serves is final."""
    status, headers, body = feed(path)
    assert status == 200, body
    _, events = events_of(body)
    return headers, body, events


def setUpModule():
    Hub.data = tempfile.mkdtemp(prefix="civhub-calendar-")
    Hub.proc, Hub.hub_id, Hub.http = civhubd_process.launch(
        CIVHUBD, Hub.data, "--web-url", WEB_URL)
    out = ctl("org", "put", ORG)
    assert out.returncode == 0, out.stdout + out.stderr


def tearDownModule():
    if Hub.proc and Hub.proc.poll() is None:
        Hub.proc.terminate()
        Hub.proc.wait(timeout=30)
    shutil.rmtree(Hub.data, ignore_errors=True)


class CalendarTest(unittest.TestCase):
    # Named in the order they run: each builds on the hub the last left.

    def test_1_import_publishes_and_lists_what_it_left_out(self):
        out = ctl("event", "import", ICS, "--organizer",
                  ORGANIZER)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertEqual(summary(out), (3, 0, 0, 0))
        self.assertIn("not imported: ATTENDEE (line 42)", out.stdout)
        self.assertIn("not imported: VALARM (line 43)", out.stdout)
        self.assertIn('not imported: CATEGORIES "Capacitación"', out.stdout)
        # The same file again: the same record ids, nothing new.
        again = ctl("event", "import", ICS, "--organizer",
                    ORGANIZER)
        self.assertEqual(again.returncode, 0, again.stdout + again.stderr)
        self.assertEqual(summary(again), (0, 3, 0, 0))

    def test_2_broken_file_names_its_line_and_exits_4(self):
        with open(ICS, encoding="utf-8", newline="") as f:
            lines = f.read().split("\r\n")
        # Line 21 is the TechCamp's DTSTART.
        self.assertTrue(lines[20].startswith("DTSTART;TZID=America/Lima:"))
        lines[20] = "DTSTART;TZID=America/Lima:2027-08-19 09:00"
        broken = os.path.join(Hub.data, "broken.ics")
        with open(broken, "w", encoding="utf-8", newline="") as f:
            f.write("\r\n".join(lines))
        out = ctl("event", "import", broken, "--organizer",
                  ORGANIZER)
        self.assertEqual(out.returncode, 4, out.stdout + out.stderr)
        self.assertRegex(out.stdout, r"broken\.ics:21: .*DTSTART")
        self.assertEqual(summary(out), (0, 2, 0, 1))
        # Not iCalendar at all: a usage error, naming line 1.
        out = ctl("event", "import", ORG, "--organizer", "x")
        self.assertEqual(out.returncode, 1)
        self.assertIn("line 1: not iCalendar", out.stderr + out.stdout)

    def test_3_feed_is_a_calendar_python_icalendar_reads(self):
        headers, body, events = fetch_events(YEAR_2027)
        self.assertEqual(set(events), UIDS)
        self.assertEqual(headers["content-type"], "text/calendar; charset=utf-8")
        self.assertIn("etag", headers)
        cal = icalendar.Calendar.from_ical(body)
        self.assertEqual(str(cal["VERSION"]), "2.0")
        self.assertIn("events", str(cal["X-WR-CALNAME"]))
        self.assertEqual([str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")],
                         ["America/Lima"])
        camp = events[CAMP]
        start = camp["DTSTART"].dt
        self.assertEqual((start.year, start.month, start.day, start.hour),
                         (2027, 8, 19, 9))
        self.assertEqual(start.utcoffset(), datetime.timedelta(hours=-5))
        self.assertEqual(start.astimezone(datetime.timezone.utc).hour, 14)
        self.assertEqual(str(camp["STATUS"]), "CONFIRMED")
        # URL: the event's page on the hub's web directory (--web-url); the
        # event's own site is in DESCRIPTION.
        self.assertRegex(str(camp["URL"]),
                         r"^https://hub\.example\.org/record/%s/ev-techcamp-"
                         % Hub.hub_id)
        self.assertIn("Website: https://techcamp.remep.example.pe/arequipa-2027/",
                      str(camp["DESCRIPTION"]))
        self.assertIn("Universidad Nacional de San Agustín", str(camp["LOCATION"]))
        self.assertAlmostEqual(camp["GEO"].latitude, -16.3963)
        self.assertIn("mailto:contacto@remep.example.pe", str(camp["ORGANIZER"]))
        self.assertEqual(camp["ORGANIZER"].params["CN"],
                         "Red de Mujeres Emprendedoras del Perú")
        self.assertTrue(str(camp["X-CIVHUB-RECORD"]).startswith(Hub.hub_id + "/"))
        mentoring = events[MENTORING]
        self.assertEqual(mentoring["RRULE"]["FREQ"], ["MONTHLY"])
        self.assertEqual(mentoring["RRULE"]["COUNT"], [6])
        self.assertEqual(mentoring["RRULE"]["BYDAY"], ["1TH"])
        day = events[HACKATHON]
        self.assertEqual(day["DTSTART"].dt, datetime.date(2027, 6, 12))
        # Each event's first text in the asked language, else its first.
        _, _, en = fetch_events(YEAR_2027 + "&lang=en")
        self.assertEqual(
            str(en[CAMP]["SUMMARY"]),
            "TechCamp Arequipa 2027: technology for women entrepreneurs")
        self.assertEqual(str(en[HACKATHON]["SUMMARY"]),
                         "Hackatón de Emprendedoras Digitales Arequipa")

    def test_4_feed_filters_and_caching(self):
        # The window: August 2027 holds the TechCamp alone.
        _, _, august = fetch_events(
            "/v1/events.ics?from=2027-08-01&to=2027-09-01")
        self.assertEqual(set(august), {CAMP})
        # A monthly series is in a window that holds a later occurrence.
        _, _, autumn = fetch_events(
            "/v1/events.ics?from=2027-10-01&to=2027-11-01")
        self.assertEqual(set(autumn), {MENTORING})
        _, _, kenya = fetch_events(YEAR_2027 + "&country=KE")
        self.assertEqual(kenya, {})
        _, _, economic = fetch_events(YEAR_2027 + "&topic=economic-opportunity")
        self.assertEqual(set(economic), {HACKATHON})
        _, _, by_org = fetch_events(
            YEAR_2027 + "&organization=%s/%s" % (Hub.hub_id, ORGANIZER))
        self.assertEqual(set(by_org), UIDS)
        _, _, none = fetch_events(
            YEAR_2027 + "&community=%s/no-such-community" % Hub.hub_id)
        self.assertEqual(none, {})
        status, headers, _ = feed(YEAR_2027)
        self.assertEqual(status, 200)
        status, _, body = feed(YEAR_2027, {"If-None-Match": headers["etag"]})
        self.assertEqual((status, body), (304, b""))
        # The JSON API's view: the same events, in the feed's order.
        status, headers, doc = http_fetch.get_json(
            Hub.http, "/v1/events?from=2027-01-01&to=2028-01-01")
        self.assertEqual(status, 200)
        self.assertIn("etag", headers)
        self.assertEqual(doc["totalCount"], "3")
        self.assertEqual(
            [h["record"]["body"]["event"]["icalUid"] for h in doc["hits"]],
            [HACKATHON, CAMP, MENTORING])
        status, _, body = feed("/v1/events.ics?from=someday")
        self.assertEqual(status, 400)
        self.assertIn(b'"field":"from"', body.replace(b" ", b""))

    def test_5_feed_read_back_by_libical_gives_the_same_ids(self):
        _, body, _ = fetch_events(YEAR_2027)
        path = os.path.join(Hub.data, "feed.ics")
        with open(path, "wb") as f:
            f.write(body)
        # libical reads the feed without an error, and the events it holds
        # are the ones published, under the same record ids (the feed keeps
        # their UIDs). It has one SUMMARY per event (RFC 5545), so a
        # re-import would drop the other languages: --dry-run.
        out = ctl("event", "import", path, "--organizer",
                  ORGANIZER, "--dry-run")
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertEqual(summary(out), (3, 0, 0, 0))
        ids = set(re.findall(r"^would publish (\S+)", out.stdout, re.M))
        first = ctl("event", "import", ICS, "--organizer",
                    ORGANIZER, "--dry-run")
        self.assertEqual(ids, set(re.findall(r"^would publish (\S+)",
                                             first.stdout, re.M)))
        self.assertEqual(len(ids), 3)

    def test_6_outlook_google_and_floating_exports(self):
        """Windows zone names, EXDATE, X-GOOGLE-CONFERENCE, TRANSP and
        floating times, as Outlook, Google and others export them."""
        outlook = write_ics("outlook.ics", [
            "BEGIN:VTIMEZONE", "TZID:E. Africa Standard Time",
            "BEGIN:STANDARD", "DTSTART:16010101T000000",
            "TZOFFSETFROM:+0300", "TZOFFSETTO:+0300", "END:STANDARD",
            "END:VTIMEZONE",
            "BEGIN:VEVENT", "UID:outlook-nairobi@example.org",
            "DTSTAMP:20270101T120000Z",
            'DTSTART;TZID="E. Africa Standard Time":20270510T090000',
            'DTEND;TZID="E. Africa Standard Time":20270510T170000',
            "SUMMARY:Data protection clinic", "LOCATION:iHub\\, Nairobi",
            "TRANSP:OPAQUE", "X-MICROSOFT-CDO-BUSYSTATUS:BUSY", "END:VEVENT",
            "BEGIN:VEVENT", "UID:google-weekly@example.org",
            "DTSTAMP:20270101T120000Z",
            "DTSTART;TZID=SA Pacific Standard Time:20270601T180000",
            "DTEND;TZID=SA Pacific Standard Time:20270601T193000",
            "RRULE:FREQ=WEEKLY;COUNT=4",
            "EXDATE;TZID=SA Pacific Standard Time:20270608T180000",
            "SUMMARY:Weekly open data office hours",
            "X-GOOGLE-CONFERENCE:https://meet.google.com/abc-defg-hij",
            "TRANSP:TRANSPARENT", "END:VEVENT"])
        out = ctl("event", "import", outlook, "--organizer", ORGANIZER,
                  "--country", "PE")
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertEqual(summary(out), (2, 0, 0, 0))
        self.assertNotIn("not imported:", out.stdout)
        self.assertIn("2027-06-01 18:00 America/Lima RRULE:FREQ=WEEKLY;COUNT=4 "
                      "except 2027-06-08 18:00 America/Lima", out.stdout)
        _, body, events = fetch_events(
            "/v1/events.ics?from=2027-05-01&to=2027-07-01")
        nairobi = events["outlook-nairobi@example.org"]["DTSTART"].dt
        self.assertEqual((nairobi.hour, nairobi.utcoffset()),
                         (9, datetime.timedelta(hours=3)))
        weekly = events["google-weekly@example.org"]
        excluded = [d.dt for d in weekly["EXDATE"].dts]
        self.assertEqual([(d.month, d.day, d.hour) for d in excluded],
                         [(6, 8, 18)])
        self.assertEqual(str(weekly["LOCATION"]),
                         "https://meet.google.com/abc-defg-hij")
        # The week left out is not in a window holding only it.
        _, _, june_8 = fetch_events(
            "/v1/events.ics?from=2027-06-08&to=2027-06-10")
        self.assertNotIn("google-weekly@example.org", june_8)
        floating = write_ics("floating.ics", [
            "BEGIN:VEVENT", "UID:floating@example.org",
            "DTSTART:20270901T090000", "DTEND:20270901T120000",
            "SUMMARY:Floating workshop", "LOCATION:Kampala", "END:VEVENT"])
        out = ctl("event", "import", floating, "--organizer", ORGANIZER)
        self.assertEqual(out.returncode, 4, out.stdout + out.stderr)
        self.assertRegex(out.stdout, r"floating\.ics:6: DTSTART 20270901T090000 "
                         r"is a floating time .*--tz ZONE")
        out = ctl("event", "import", floating, "--organizer", ORGANIZER,
                  "--tz", "Africa/Kampala")
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertIn("2027-09-01 09:00 Africa/Kampala", out.stdout)

    def test_7_manila_outlook_and_google_exports(self):
        """A trial from Manila: Outlook's "Singapore Standard Time" was
        stored as Singapore's; Google's HTML description, a type and a
        lineage it cannot export; a misspelled --organizer accepted by a
        dry run."""
        org = os.path.join(Hub.data, "kalaayan.json")
        with open(org, "w", encoding="utf-8") as f:
            f.write('{"recordId": "kalaayan-digital", "organization": {'
                    '"names": [{"lang": "en", "text": "Kalaayan Digital"}], '
                    '"types": ["ngo"], "locations": [{"country": "PH", '
                    '"city": "Quezon City"}], "languages": ["en", "tl"]}}')
        out = ctl("org", "put", org)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        outlook = write_ics("manila-outlook.ics", [
            "BEGIN:VTIMEZONE", "TZID:Singapore Standard Time",
            "BEGIN:STANDARD", "DTSTART:16010101T000000",
            "TZOFFSETFROM:+0800", "TZOFFSETTO:+0800", "END:STANDARD",
            "END:VTIMEZONE",
            "BEGIN:VEVENT", "UID:040000008200E00074C5B7101A82E008A0B1",
            "DTSTAMP:20270110T020000Z", "CLASS:PUBLIC",
            'DTSTART;TZID="Singapore Standard Time":20270515T090000',
            'DTEND;TZID="Singapore Standard Time":20270515T170000',
            "SUMMARY;LANGUAGE=en-us:TechCamp Manila 2025",
            "LOCATION:UP Diliman\\, Quezon City", "TRANSP:OPAQUE",
            "X-MICROSOFT-CDO-BUSYSTATUS:BUSY", "END:VEVENT"])
        # A misspelled organizer: one error, before anything, dry run or not.
        for dry in (["--dry-run"], []):
            out = ctl("event", "import", outlook, "--organizer",
                      "kalayan-digital", *dry)
            self.assertEqual(out.returncode, 1, out.stdout + out.stderr)
            self.assertEqual(out.stdout, "")
            self.assertEqual(
                out.stderr, 'civhubctl: --organizer: this hub holds no '
                'organization "kalayan-digital"; did you mean '
                'kalaayan-digital?\n')
        out = ctl("event", "import", outlook, "--organizer", "kalaayan-digital")
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertIn('"TechCamp Manila 2025" 2027-05-15 09:00 Asia/Manila '
                      "in PH (line 12)", out.stdout)
        self.assertNotIn("warning", out.stdout)
        first = re.search(r"^published (\S+)", out.stdout, re.M).group(1)
        # An organizer in PE, where the name has no zone: Singapore's zone,
        # with a warning.
        out = ctl("event", "import", outlook, "--organizer",
                  "%s/%s" % (Hub.hub_id, ORGANIZER), "--dry-run")
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertIn("warning: DTSTART (line 16): TZID \"Singapore Standard "
                      "Time\" is a Windows zone name for zones of several "
                      "countries (BN, ID, MY, PH, SG); taken as Asia/Singapore "
                      "(SG) because it has no zone in PE", out.stdout)

        google = write_ics("manila-google.ics", [
            "X-WR-TIMEZONE:Asia/Manila",
            "BEGIN:VEVENT", "DTSTART:20270820T010000Z",
            "DTEND:20270820T090000Z", "DTSTAMP:20270105T033012Z",
            "UID:7kukuqrfedlm2f9t0s2ce9hbrc@google.com",
            "X-GOOGLE-CONFERENCE:https://meet.google.com/abc-defg-hij",
            "DESCRIPTION:<b>TechCamp Manila 2027</b><br>Civic tech for NGOs"
            "&nbsp\\;in Metro Manila.<br>Register: <a href=\"https://www."
            "google.com/url?q=https://kalaayan.example.ph/techcamp&amp\\;sa"
            "=D\">kalaayan.example.ph/techcamp</a>\\n\\n-::~:~::~:~:~:~:~"
            "::~:~::-\\nJoin with Google Meet: https://meet.google.com/abc-"
            "defg-hij\\nPlease do not edit this section.\\n-::~:~::~:~:~:~"
            ":~::~:~::-",
            "LOCATION:Ateneo de Manila University\\, Quezon City\\, Metro "
            "Manila\\, Philippines\\, Philippines",
            "SUMMARY:TechCamp Manila 2027", "STATUS:CONFIRMED",
            "TRANSP:OPAQUE", "END:VEVENT"])
        out = ctl("event", "import", google, "--organizer", "kalaayan-digital",
                  "--type", "tech-camp")
        self.assertEqual(out.returncode, 1, out.stdout + out.stderr)
        self.assertIn("did you mean techcamp?", out.stderr)
        out = ctl("event", "import", google, "--organizer", "kalaayan-digital",
                  "--type", "techcamp", "--replicates", first)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        # Google's UTC times in the calendar's X-WR-TIMEZONE, as written.
        self.assertIn("2027-08-20 09:00 Asia/Manila in PH", out.stdout)
        record_id = re.search(r"^published (\S+)", out.stdout, re.M).group(1)
        status, _, doc = http_fetch.get_json(
            Hub.http, "/v1/records/%s/%s" % (Hub.hub_id, record_id))
        self.assertEqual(status, 200)
        event = doc["body"]["event"]
        self.assertEqual(event["eventType"], "techcamp")
        self.assertEqual(event["replicates"],
                         {"origin": Hub.hub_id, "recordId": first})
        self.assertEqual(
            event["descriptions"][0]["text"],
            "TechCamp Manila 2027\nCivic tech for NGOs in Metro Manila.\n"
            "Register: kalaayan.example.ph/techcamp "
            "(https://kalaayan.example.ph/techcamp)")
        self.assertEqual(event["place"]["country"], "PH")
        self.assertEqual(event["place"]["address"],
                         "Ateneo de Manila University, Quezon City, Metro "
                         "Manila, Philippines")
        self.assertEqual(event["onlineUrl"],
                         "https://meet.google.com/abc-defg-hij")

    def test_8_a_place_without_a_country_says_to_pass_country(self):
        org = os.path.join(Hub.data, "roving.json")
        with open(org, "w", encoding="utf-8") as f:
            f.write('{"recordId": "roving-coders", "organization": {"names": '
                    '[{"lang": "en", "text": "Roving Coders"}], '
                    '"types": ["ngo"]}}')
        out = ctl("org", "put", org)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        utc = write_ics("utc.ics", [
            "BEGIN:VEVENT", "UID:utc-1@example.org",
            "DTSTART:20270901T010000Z", "DTEND:20270901T030000Z",
            "SUMMARY:Open data meetup", "LOCATION:Makati City", "END:VEVENT"])
        out = ctl("event", "import", utc, "--organizer", "roving-coders")
        self.assertEqual(out.returncode, 4, out.stdout + out.stderr)
        self.assertIn("LOCATION (line 9): event.place.country: is required",
                      out.stdout)
        self.assertIn("pass --country", out.stdout)
        out = ctl("event", "import", utc, "--organizer", "roving-coders",
                  "--country", "PH")
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertIn("2027-09-01 01:00 UTC in PH", out.stdout)

    def test_9_the_same_file_on_a_second_hub_is_said_before_publishing(self):
        """Two regional hosts import one event site's export: the second is
        told, in a dry run already, that the first hub has each event."""
        data = tempfile.mkdtemp(prefix="civhub-calendar-b-")
        proc, b_id, _ = civhubd_process.launch(CIVHUBD, data)
        try:
            def ctl_b(*args):
                return subprocess.run([CIVHUBCTL, "--data-dir", data, *args],
                                      capture_output=True, text=True, timeout=120)
            a_status = json.loads(ctl("--json", "status").stdout)
            out = ctl_b("peer", "add", a_status["federationAddress"], Hub.hub_id)
            self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
            out = ctl("peer", "approve", b_id)
            self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
            self.assertEqual(ctl_b("org", "put", ORG).returncode, 0)
            # A's three events reach B.
            deadline = time.time() + 60
            while time.time() < deadline:
                found = ctl_b("--json", "search", "--kind", "event", "--organization",
                              f"{Hub.hub_id}/{ORGANIZER}")
                if found.returncode == 0 and found.stdout.count('"recordId"') >= 3:
                    break
                time.sleep(0.2)
            out = ctl_b("event", "import", ICS, "--organizer", ORGANIZER, "--dry-run")
            self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
            self.assertEqual(out.stdout.count("is the same event (UID"), 3, out.stdout)
            self.assertIn("do not import this one", out.stdout)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
            shutil.rmtree(data, ignore_errors=True)


def write_ics(name, event_lines):
    path = os.path.join(Hub.data, name)
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("\r\n".join(["BEGIN:VCALENDAR", "VERSION:2.0",
                              "PRODID:-//test//EN", *event_lines,
                              "END:VCALENDAR"]) + "\r\n")
    return path


if __name__ == "__main__":
    unittest.main(verbosity=2)
