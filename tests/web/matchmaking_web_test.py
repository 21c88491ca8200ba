#!/usr/bin/python3
"""Needs, offers and events on the web directory, in a real browser
(issue 18), across two linked hubs.

A hub in Lima holds an organization's needs and a TechCamp; a hub in Manila
holds offers, the TechCamp Lima's was modeled on, and a registration for
Lima's. On Lima's web directory, read in Chromium: the need's page ranks
Manila's offers with the reasons (the exact capability first, the partly
matching one after, the unrelated one not at all), an offer's page lists the
need, the event's page shows its lineage and who is coming from both hubs,
"Needs near me" finds the on-site need from the browser's location, the
Arabic page lays the matches out right to left, and the browser decodes
every field of the new kinds from the signed bytes as the hub's JSON has
them.

  matchmaking_web_test.py --civhubd PATH --civhubctl PATH [--screenshots DIR]

Exits 77 (skipped) when selenium or chromium is not installed.
"""
import argparse
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, ".."))
import civhubd_process  # noqa: E402
import http_fetch  # noqa: E402
from web_directory_test import (Failure, accessible, browser, check, marks,  # noqa: E402
                                text, wait)
from selenium.webdriver.common.by import By  # noqa: E402


class Hub:
    def __init__(self, civhubd, civhubctl, workdir, name, region, contact):
        self.civhubctl = civhubctl
        self.data = os.path.join(workdir, name.split()[0].lower())
        self.proc, self.id, self.http = civhubd_process.launch(
            civhubd, self.data, "--name", name, "--region", region,
            "--contact", contact, "--sync-interval", "1")
        self.status = json.loads(self.ctl("status", "--json").stdout)

    def ctl(self, *args):
        r = subprocess.run([self.civhubctl, "--data-dir", self.data, *args],
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise Failure(f"civhubctl {' '.join(args)}: {r.stderr.strip()}")
        return r

    def put(self, workdir, kind, request):
        path = os.path.join(workdir, request["recordId"] + ".json")
        with open(path, "w") as f:
            json.dump(request, f, ensure_ascii=False)
        self.ctl(kind, "put", path)

    def search(self, query):
        _, _, body = http_fetch.get_json(self.http, "/v1/search?" + query)
        return body

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=20)


def texts(driver, selector):
    """The text of each element matching selector, read in one script, so a
    list the page re-renders meanwhile cannot go stale under the test."""
    return driver.execute_script(
        "return [...document.querySelectorAll(arguments[0])].map((e) => e.innerText)", selector)


def rfc3339(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def lt(lang, s):
    return {"lang": lang, "text": s}


# When the need published to expire during the test does; the test waits
# for this time before it reads that need's page.
EXPIRY_SECONDS = 5


def publish(lima, manila, workdir):
    """Publishes the records; returns when the short-lived need expires."""
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    soon, later = now + datetime.timedelta(days=30), now + datetime.timedelta(days=120)
    expires = rfc3339(now + datetime.timedelta(days=200))
    window = {"start": rfc3339(soon), "end": rfc3339(later)}
    lima_place = {"country": "PE", "region": "PE-LIM", "city": "Lima",
                  "latitude": -12.0464, "longitude": -77.0428}
    lima.put(workdir, "org", {"recordId": "red-digital-lima", "organization": {
        "names": [lt("es", "Red Digital Lima")], "types": ["ngo"],
        "languages": ["es"], "locations": [lima_place]}})
    lima.put(workdir, "need", {"recordId": "need-website", "need": {
        "organization": {"recordId": "red-digital-lima"},
        "titles": [lt("es", "Un sitio web para nuestra red"), lt("en", "A website for our network")],
        "descriptions": [lt("es", "Necesitamos un sitio sencillo, en español, que podamos actualizar.")],
        "capabilities": ["website", "gis"], "workPlace": {"mode": "remote"},
        "languages": ["es", "en"], "window": window, "effortHours": 40,
        "priority": "high", "status": "open", "expiresAt": expires}})
    lima.put(workdir, "need", {"recordId": "need-security-training", "need": {
        "organization": {"recordId": "red-digital-lima"},
        "titles": [lt("es", "Taller de seguridad digital"), lt("en", "Digital security workshop")],
        "capabilities": ["digital-security", "training"],
        "workPlace": {"mode": "on-site", "location": lima_place, "radiusKm": 30},
        "languages": ["es"], "status": "open", "expiresAt": expires}})
    expires_soon = now + datetime.timedelta(seconds=EXPIRY_SECONDS)
    lima.put(workdir, "need", {"recordId": "need-survey", "need": {
        "organization": {"recordId": "red-digital-lima"},
        "titles": [lt("en", "A survey of our members")], "capabilities": ["website"],
        "workPlace": {"mode": "remote"}, "languages": ["es", "en"], "status": "open",
        "expiresAt": rfc3339(expires_soon)}})
    manila.put(workdir, "org", {"recordId": "kalayaan-tech", "organization": {
        "names": [lt("en", "Kalayaan Tech Volunteers")], "types": ["ngo"],
        "languages": ["en", "tl"], "locations": [{"country": "PH", "city": "Manila",
                                                  "latitude": 14.5995, "longitude": 120.9842}]}})
    offers = [
        ("offer-websites", ["website"], ["es", "en"], 40, "Websites for NGOs, in Spanish or English"),
        ("offer-web-development", ["web-development"], ["en"], 20, "Web development by our volunteers"),
        ("offer-translation", ["translation"], ["en", "tl"], 10, "Translation English-Tagalog"),
    ]
    for rid, caps, langs, hours, title in offers:
        manila.put(workdir, "offer", {"recordId": rid, "offer": {
            "organization": {"recordId": "kalayaan-tech"}, "titles": [lt("en", title)],
            "capabilities": caps, "workPlace": {"mode": "remote"}, "languages": langs,
            "hoursPerMonth": hours, "status": "open", "expiresAt": expires}})
    # A volunteer who published neither email nor phone: reached through
    # Manila's hub.
    manila.put(workdir, "offer", {"recordId": "offer-ana", "offer": {
        "volunteer": {"displayName": "Ana M."}, "titles": [lt("en", "Surveys on weekends")],
        "capabilities": ["surveys"], "workPlace": {"mode": "remote"}, "languages": ["en"],
        "hoursPerMonth": 8, "status": "open", "expiresAt": expires}})
    manila.put(workdir, "org", {"recordId": "manila-makers", "organization": {
        "names": [lt("en", "Manila Makers")], "types": ["ngo"], "languages": ["en"]}})
    first_day = (now + datetime.timedelta(days=60)).replace(hour=14, minute=0, second=0)
    manila.put(workdir, "event", {"recordId": "techcamp-manila", "event": {
        "names": [lt("en", "TechCamp Manila")], "eventType": "techcamp",
        "organizers": [{"recordId": "kalayaan-tech"}],
        "startsAt": rfc3339(first_day - datetime.timedelta(days=30)),
        "endsAt": rfc3339(first_day - datetime.timedelta(days=29)),
        "timeZone": "Asia/Manila", "place": {"country": "PH", "city": "Manila"},
        "languages": ["en"], "status": "scheduled"}})
    lima.put(workdir, "event", {"recordId": "techcamp-lima", "event": {
        "names": [lt("es", "TechCamp Lima"), lt("en", "TechCamp Lima")], "eventType": "techcamp",
        "organizers": [{"recordId": "red-digital-lima"}],
        "startsAt": rfc3339(first_day), "endsAt": rfc3339(first_day + datetime.timedelta(hours=8)),
        "timeZone": "America/Lima", "place": lima_place, "languages": ["es", "en"],
        "topics": ["civic-tech"], "capacity": 60, "status": "scheduled",
        "replicates": {"origin": manila.id, "recordId": "techcamp-manila"}}})
    # A weekly meetup that began last week: its next occurrence is the one
    # a reader needs, tomorrow, not its first.
    meetup_first = (now - datetime.timedelta(days=6)).replace(hour=18, minute=0, second=0)
    lima.put(workdir, "event", {"recordId": "meetup-lima", "event": {
        "names": [lt("es", "Encuentro cívico semanal")], "eventType": "meetup",
        "descriptions": [lt("es", "Cada semana:\n- 18:00 presentaciones\n- 19:00 trabajo en grupos")],
        "organizers": [{"recordId": "red-digital-lima"}],
        "startsAt": rfc3339(meetup_first), "endsAt": rfc3339(meetup_first + datetime.timedelta(hours=2)),
        "timeZone": "UTC", "recurrence": "FREQ=WEEKLY;COUNT=4",
        # As a calendar import keeps it: the whole address as the city.
        "place": {"country": "PE", "city": "Av. Larco 101, Miraflores, Peru",
                  "latitude": -12.12, "longitude": -77.03},
        # The last one does not happen (iCalendar EXDATE).
        "excludedStarts": [rfc3339(meetup_first + datetime.timedelta(days=21))],
        "languages": ["es"], "status": "scheduled"}})
    lima.put(workdir, "registration", {"recordId": "reg-red-digital", "registration": {
        "event": {"recordId": "techcamp-lima"}, "organization": {"recordId": "red-digital-lima"},
        "attendees": 2, "status": "going"}})
    manila.put(workdir, "registration", {"recordId": "reg-kalayaan-lima", "registration": {
        "event": {"origin": lima.id, "recordId": "techcamp-lima"},
        "organization": {"recordId": "kalayaan-tech"}, "attendees": 3, "status": "going"}})
    manila.put(workdir, "registration", {"recordId": "reg-makers-lima", "registration": {
        "event": {"origin": lima.id, "recordId": "techcamp-lima"},
        "organization": {"recordId": "manila-makers"}, "attendees": 1, "status": "interested"}})
    return expires_soon.timestamp()


def run(lima, manila, driver, expires_soon, shots=None):
    base = "http://" + lima.http
    lima_id = lima.id

    # Lima holds Manila's records once they have replicated.
    deadline = time.time() + 60
    while lima.search("kind=offer").get("totalCount") != "4" or \
            lima.search("kind=registration").get("totalCount") != "3":
        if time.time() > deadline:
            raise Failure("Lima did not receive Manila's offers and registrations in 60 s")
        time.sleep(0.2)  # polling another process's state
    check(True, "Lima holds Manila's 4 offers and the 3 registrations")

    # The need's page: Manila's offers ranked, with reasons.
    driver.get(f"{base}/record/{lima_id}/need-website")
    wait(driver, "the need's page lists 2 matching offers with scores",
         lambda d: len(d.find_elements(By.CSS_SELECTOR, ".matches li.match .mark")) == 2)
    items = driver.find_elements(By.CSS_SELECTOR, ".matches li.match")
    check("Websites for NGOs" in items[0].text and "Web development" in items[1].text,
          "the exact capability ranks first, the partly matching one second: "
          + " | ".join(i.text.split("\n")[0] for i in items))
    check("skills: A website" in items[0].text and "partly:" in items[1].text,
          "each match says why (shared and partly shared skills)")
    check("Translation" not in driver.find_element(By.ID, "record-body").text,
          "the offer with no related capability is not listed")
    check(marks(driver, ".matches") == ["signed", "signed"],
          "each matching offer is verified in the browser")
    check("Manila Hub" in text(items[0]), "a match names the hub that published it")
    check("Offered by Kalayaan Tech Volunteers" in items[0].text,
          "a match names the organization offering it: " + items[0].text)
    check(all("not covered: Geographic information systems" in i.text for i in items)
          and "not covered: A website" not in items[1].text,
          "each match names the needed skills it does not cover (a partly covered one is covered)")
    accessible(driver, "en", "ltr", "need page")
    if shots:
        driver.save_screenshot(os.path.join(shots, "need.png"))

    # An offer's page (Manila's, read on Lima): the needs it matches.
    driver.get(f"{base}/record/{manila.id}/offer-web-development")
    wait(driver, "the offer's page lists the website need",
         lambda d: any("A website for our network" in i for i in texts(d, ".matches li.match")))
    wait(driver, "a matching need names the organization needing it and what the offer lacks",
         lambda d: any("Needed by Red Digital Lima" in i and "not covered: Geographic information systems" in i
                       for i in texts(d, ".matches li.match")))

    # A volunteer reached through the hub: the hub's name and contact.
    driver.get(f"{base}/record/{manila.id}/offer-ana")
    wait(driver, "the volunteer's offer shows the publishing hub's contact",
         lambda d: "Manila Hub: volunteers@manila.example" in "".join(texts(d, ".hub-contact")))
    check(driver.find_element(By.CSS_SELECTOR, ".hub-contact a").get_attribute("href")
          == "mailto:volunteers@manila.example", "the hub's contact is a mail link")

    # The event: its lineage and who is coming, from both hubs.
    driver.get(f"{base}/record/{lima_id}/techcamp-lima")
    wait(driver, "the event page shows who is coming from both hubs, going and interested apart",
         lambda d: "3 organizations from 2 hubs: 5 people going, 1 interested."
         in d.find_element(By.ID, "record-body").text)
    wait(driver, "each registration carries its signature mark",
         lambda d: marks(d, ".registration") == ["signed"] * 3)
    body = driver.find_element(By.ID, "record-body").text
    check("TechCamp Manila" in body, "the event page shows the TechCamp it was modeled on")
    check("1 person ·" in body and "1 people" not in body,
          "one attendee is '1 person': " + body)
    check("Kalayaan Tech Volunteers" in body and "via Manila Hub" in text(
        driver.find_element(By.ID, "record-body")), "a registration names its organization and hub")
    check("America/Lima" in body, "the times are shown in the event's time zone")
    if shots:
        driver.save_screenshot(os.path.join(shots, "event.png"))
    feed = driver.find_element(By.CSS_SELECTOR, "a.feed").get_attribute("href")
    status, headers, ics = http_fetch.get(lima.http, feed.split(lima.http, 1)[1])
    check(status == 200 and headers.get("content-type", "").startswith("text/calendar")
          and re.search(rb"^SUMMARY[;:].*TechCamp Lima", ics, re.M),
          "the event page links the organizer's events as an iCalendar feed: " + feed)

    # Events come by their next occurrence, soonest first; the weekly
    # meetup shows the coming one, not the first (last week's).
    driver.get(base + "/?kind=event")
    wait(driver, "the event search lists the three events",
         lambda d: len(d.find_elements(By.CSS_SELECTOR, "#results li.result .mark")) == 3)
    found = texts(driver, "#results li.result")
    check([r.split("\n")[0] for r in found] == ["Encuentro cívico semanal", "TechCamp Manila", "TechCamp Lima"],
          "events come soonest first: " + " | ".join(r.split("\n")[0] for r in found))
    now = datetime.datetime.now(datetime.timezone.utc)
    meetup_next = now.replace(hour=18, minute=0, second=0, microsecond=0) + datetime.timedelta(days=1)
    want = f"next: {meetup_next.strftime('%B')} {meetup_next.day}, {meetup_next.year}"
    check(want in found[0], f"the weekly meetup shows its next occurrence ({want}): {found[0]}")
    check(driver.find_element(By.ID, "search-heading").text
          == "Find organizations, communities, services, needs, offers and events",
          "the heading names every kind the page finds")
    if shots:
        driver.save_screenshot(os.path.join(shots, "events.png"))
    # Its page says which occurrence does not happen: the hub's data said so
    # while the page showed every week.
    driver.get(f"{base}/record/{lima_id}/meetup-lima")
    wait(driver, "the meetup's page shows its facts",
         lambda d: "Repeats" in d.find_element(By.TAG_NAME, "main").text)
    facts = driver.find_element(By.TAG_NAME, "main").text
    skipped = meetup_next + datetime.timedelta(days=14)  # the fourth
    check(f"Except on\n{skipped.strftime('%B')} {skipped.day}, {skipped.year}" in facts,
          f"the meetup's page lists the excluded occurrence ({skipped:%Y-%m-%d}): {facts}")
    check("Miraflores, Peru\n" in facts + "\n" and "Peru, Peru" not in facts,
          f"an address ending in its country names it once: {facts}")
    # A description keeps its lines (an agenda ran together on one line).
    check("Cada semana:\n- 18:00 presentaciones\n- 19:00 trabajo en grupos" in facts,
          f"the meetup's description keeps its line breaks: {facts}")
    # Dates find events happening then; skills find needs and offers.
    in_two_months = (now + datetime.timedelta(days=60)).date()
    driver.get(base + f"/?from={in_two_months - datetime.timedelta(days=3)}&to={in_two_months + datetime.timedelta(days=3)}")
    wait(driver, "a date range finds the event happening then",
         lambda d: [r.split("\n")[0] for r in texts(d, "#results li.result")] == ["TechCamp Lima"])
    check(driver.find_element(By.ID, "from").get_attribute("value") == str(in_two_months - datetime.timedelta(days=3)),
          "the date filter keeps its value from the URL")
    driver.get(base + "/?capability=gis")
    wait(driver, "a skill finds the need listing it",
         lambda d: [r.split("\n")[0] for r in texts(d, "#results li.result")] == ["A website for our network"])
    driver.get(base + "/?hl=sw")
    wait(driver, "the Swahili heading names every kind",
         lambda d: d.find_element(By.ID, "search-heading").text
         == "Tafuta mashirika, jumuiya, huduma, mahitaji, matoleo na matukio")

    # Needs near me: the browser's location in Lima finds the on-site need.
    driver.execute_cdp_cmd("Browser.grantPermissions", {"origin": base, "permissions": ["geolocation"]})
    driver.execute_cdp_cmd("Emulation.setGeolocationOverride",
                           {"latitude": -12.05, "longitude": -77.03, "accuracy": 50})
    driver.get(base + "/")
    wait(driver, "the search page is ready", lambda d: len(texts(d, "#results li.result")) > 0)
    driver.find_element(By.ID, "needs-near-me").click()
    wait(driver, "Needs near me lists the on-site need in Lima",
         lambda d: (lambda found: found and all("Need" in r for r in found)
                    and any("Digital security workshop" in r for r in found))(
                        texts(d, "#results li.result")))
    check("kind=need" in driver.current_url and "near=" in driver.current_url,
          "Needs near me is a shareable search: " + driver.current_url)

    # Spanish: capability names in the reader's language.
    driver.get(f"{base}/record/{lima_id}/need-website?hl=es")
    wait(driver, "the Spanish need page explains the partial match in Spanish",
         lambda d: any("Desarrollo web ≈ Un sitio web" in i for i in texts(d, ".matches li.match")))

    # Arabic: the matches read right to left.
    driver.get(f"{base}/record/{lima_id}/need-website?hl=ar")
    wait(driver, "the Arabic need page lists the matches",
         lambda d: len(d.find_elements(By.CSS_SELECTOR, ".matches li.match .mark")) == 2)
    check("العروض المطابقة" in driver.find_element(By.ID, "record-body").text,
          "the matches' heading is in Arabic")
    accessible(driver, "ar", "rtl", "Arabic need page")
    arabic = driver.find_element(By.ID, "record-body").text
    check("\u0640" not in arabic and "اللغات: " in arabic,
          "the Arabic reasons have no stray tatweel (ـ) and name the shared languages")
    if shots:
        driver.save_screenshot(os.path.join(shots, "need-ar.png"))

    # A need past its expiry: said so, with the date, not matched.
    while time.time() <= expires_soon:
        time.sleep(expires_soon - time.time() + 0.1)  # waiting for the clock, not for a process
    driver.get(f"{base}/record/{lima_id}/need-survey")
    wait(driver, "the expired need's page says when it expired",
         lambda d: "Expired on" in d.find_element(By.ID, "record-body").text)
    body = driver.find_element(By.ID, "record-body")
    facts = dict(zip(texts(driver, ".facts dt"), texts(driver, ".facts dd")))
    check(facts.get("Status", "").startswith("Expired on ") and "Open" not in facts.values(),
          "an expired need's status is 'Expired on <date>', not 'Open': " + str(facts.get("Status")))
    check("no longer takes part in matching" in driver.find_element(By.CSS_SELECTOR, ".not-matched").text
          and "FAILED_PRECONDITION" not in body.text and "expired records" not in body.text,
          "the matches part explains the need is no longer matched, without the hub's raw error")
    if shots:
        driver.save_screenshot(os.path.join(shots, "need-expired.png"))
    # civhubctl says the same, with what to do.
    expired_on = datetime.datetime.fromtimestamp(int(expires_soon), datetime.timezone.utc).strftime("%Y-%m-%d")
    r = subprocess.run([lima.civhubctl, "--data-dir", lima.data, "match", "need-survey"],
                       capture_output=True, text=True)
    check(r.returncode == 2 and f"expired on {expired_on}; publish it again with a later expiresAt" in r.stderr
          and "failed precondition" not in r.stderr,
          "civhubctl match of an expired need says when it expired and what to do: " + r.stderr.strip())
    got = lima.ctl("record", "get", "need-survey").stdout
    check(f"status:      expired on {expired_on}; publish it again" in got and "open" not in got,
          "civhubctl record get shows an expired need's status as expired, not open")
    got = lima.ctl("record", "get", "techcamp-lima").stdout
    check("registered:  3 organizations from 2 hubs" in got and "5 people going, 1 interested" in got,
          "civhubctl record get of an event totals who is coming: "
          + next((line for line in got.splitlines() if "registered" in line), ""))
    for lang, said in (("es", "Venció el"), ("fr", "Expiré le"), ("ar", "انتهت صلاحيته في"),
                       ("sw", "Muda wake uliisha")):
        driver.get(f"{base}/record/{lima_id}/need-survey?hl={lang}")
        wait(driver, f"the expired need's page in {lang} says when it expired",
             lambda d: said in d.find_element(By.CSS_SELECTOR, ".not-matched").text)

    # Every field of the new kinds decodes from the signed bytes as the
    # hub's JSON has it.
    differ = driver.execute_async_script("""
      const done = arguments[arguments.length - 1];
      const canon = (v) => Array.isArray(v) ? v.map(canon)
        : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon(v[k])]))
        : v;
      (async () => {
        const out = [];
        let n = 0;
        for (const kind of ['need', 'offer', 'event', 'registration']) {
          const r = await (await fetch('/v1/search?page_size=100&kind=' + kind)).json();
          for (const h of r.hits || []) {
            n++;
            const v = await window.CivhubVerify.verifyRecord(h.record);
            if (v.state !== 'signed') out.push(h.record.recordId + ': ' + v.state);
            for (const [k, json] of Object.entries(h.record.body)) {
              if (['origin', 'recordId', 'version', 'sequence', 'issuedAt'].includes(k)) continue;
              if (JSON.stringify(canon(v.body[k])) !== JSON.stringify(canon(json))) out.push(h.record.recordId + '.' + k);
            }
          }
        }
        done([n, out]);
      })().catch((e) => done([0, [String(e)]]));""")
    check(differ[0] == 12 and differ[1] == [],
          f"the browser verifies and decodes every field of the {differ[0]} needs, offers,"
          f" events and registrations as the hub's JSON has them ({differ[1]})")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--civhubd", required=True)
    parser.add_argument("--civhubctl", required=True)
    parser.add_argument("--screenshots", help="save PNGs of the pages here")
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="civhub-match-web-")
    hubs, driver = [], None
    started = time.time()
    try:
        lima = Hub(args.civhubd, args.civhubctl, workdir, "Lima Hub", "PE",
                   "https://lima.example/contact")
        hubs.append(lima)
        manila = Hub(args.civhubd, args.civhubctl, workdir, "Manila Hub", "PH",
                     "volunteers@manila.example")
        hubs.append(manila)
        manila.ctl("peer", "add", lima.status["federationAddress"], lima.id)
        lima.ctl("peer", "approve", manila.id)
        expires_soon = publish(lima, manila, workdir)
        driver = browser()
        run(lima, manila, driver, expires_soon, args.screenshots)
        print(f"PASS in {time.time() - started:.1f} s")
        return 0
    except Failure as e:
        print("FAIL:", e)
        return 1
    finally:
        if driver:
            driver.quit()
        for h in hubs:
            h.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
