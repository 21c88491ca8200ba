#!/usr/bin/python3
"""The web directory in a real browser (issue 16, section 3).

Starts a real civhubd on loopback, publishes the examples with civhubctl,
and drives Debian's headless Chromium through python3-selenium: load the
page, search as you type, filter, open a record by keyboard and see its
signature checked in the browser against the fingerprint civhubctl prints,
switch to Arabic (right to left) and Swahili, see a wrong filter's error
next to it and no results, and open a record through a proxy that alters
one byte of the signed bytes on the way, which must show the warning. On
the way it checks accessibility through the Chrome DevTools Protocol:
every control has an accessible name, lang and dir follow the interface
language, and text keeps a contrast of 4.5:1 (WCAG AA).

  web_directory_test.py --civhubd PATH --civhubctl PATH --examples DIR
                        [--screenshots DIR]

Exits 77 (skipped, ctest SKIP_RETURN_CODE) when selenium or chromium is not
installed (scripts/bootstrap installs them).
"""
import argparse
import base64
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True  # No __pycache__ in the source tree.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import http_fetch  # noqa: E402

try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select, WebDriverWait
except ImportError:
    print("SKIP: python3-selenium is not installed (scripts/bootstrap)")
    sys.exit(77)

CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
WAIT = 15  # seconds for a condition the page reaches in well under one


class Hub:
    def __init__(self, civhubd, civhubctl, workdir):
        self.civhubctl = civhubctl
        self.data = os.path.join(workdir, "hub")
        self.log = open(os.path.join(workdir, "hub.log"), "w")
        self.proc = subprocess.Popen(
            [civhubd, "--data-dir", self.data, "--listen", "127.0.0.1:0",
             "--peer-listen", "127.0.0.1:0", "--http-listen", "127.0.0.1:0",
             "--name", "Nairobi Hub", "--region", "KE"],
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 20
        while True:
            r = self.ctl("status", "--json", check=False)
            if r.returncode == 0:
                self.status = json.loads(r.stdout)
                break
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("civhubd did not start; see hub.log")
            time.sleep(0.1)
        self.http = self.status["httpAddress"]

    def ctl(self, *args, check=True):
        return subprocess.run([self.civhubctl, "--data-dir", self.data, *args],
                              capture_output=True, text=True, check=check)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=20)


def tampering_proxy(upstream):
    """Forwards GETs to the hub; in answers to /v1/records/… (not the hubs'
    profiles "~hub") it flips one bit of the record's name inside the signed
    bytes, as a hostile relay would; answers to /v1/search say 10,000 and
    more match, as a hub's do once a filter search passes its count cap.
    Returns the server (serving)."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            status, headers, body = http_fetch.get(upstream, self.path, {
                k: v for k, v in self.headers.items()
                if k.lower() in ("accept", "accept-language")})
            if (self.path.startswith("/v1/records/") and status == 200
                    and "/~" not in self.path):
                record = json.loads(body)
                signed = base64.b64decode(record["signed"]["body"])
                payload = record["body"].get("organization") or record["body"]["community"]
                name = payload["names"][0]["text"].encode()
                at = signed.index(name) + len(name) - 1
                signed = signed[:at] + bytes([signed[at] ^ 1]) + signed[at + 1:]
                record["signed"]["body"] = base64.b64encode(signed).decode()
                body = json.dumps(record).encode()
            if self.path.startswith("/v1/search") and status == 200:
                found = json.loads(body)
                found["totalCount"] = "10000"
                found["totalCountIsLowerBound"] = True
                body = json.dumps(found).encode()
            self.send_response(status)
            for k, v in headers.items():
                if k not in ("content-length", "transfer-encoding", "connection", "etag"):
                    self.send_header(k, v)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def browser():
    if not os.path.exists(CHROMEDRIVER) or not os.path.exists(CHROMIUM):
        print("SKIP: chromium or chromium-driver is not installed (scripts/bootstrap)")
        sys.exit(77)
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
              "--window-size=1100,1400", "--lang=en-US"):
        options.add_argument(a)
    options.add_experimental_option("prefs", {"intl.accept_languages": "en-US,en"})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


class Failure(Exception):
    pass


def wait(driver, what, condition):
    try:
        return WebDriverWait(driver, WAIT).until(lambda d: condition(d))
    except Exception:
        raise Failure(f"timed out waiting until {what}; the page says:\n"
                      + (driver.find_element(By.ID, "status").text + "\n" + driver.find_element(By.ID, "results").text + "\n" + driver.find_element(By.ID, "record-view").text)[:2000])


def results(driver):
    return driver.find_elements(By.CSS_SELECTOR, "#results li.result")


def marks(driver, scope="#results"):
    return [m.get_attribute("data-verified")
            for m in driver.find_elements(By.CSS_SELECTOR, scope + " .mark")]


def text(element):
    """Its text without the bidi isolates (U+2068, U+2069) the page puts
    around hub names and fingerprints."""
    return element.text.replace("\u2068", "").replace("\u2069", "")


def check(cond, message):
    if not cond:
        raise Failure(message)
    print("ok:", message)


# Roles a reader operates; each needs an accessible name.
INTERACTIVE_ROLES = {"textbox", "searchbox", "combobox", "listbox", "button",
                     "link", "checkbox", "radio", "spinbutton", "slider",
                     "switch", "tab", "menuitem"}

# The WCAG contrast ratio of each shown element's text against the
# background it sits on (the first opaque one among it and its ancestors).
CONTRAST_JS = """
const rgba = (s) => { const m = s.match(/[\\d.]+/g).map(Number); return m.length === 3 ? m.concat(1) : m; };
const lum = (c) => { const [r, g, b] = c.slice(0, 3).map((v) => { v /= 255;
  return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
const bg = (e) => { for (; e; e = e.parentElement) { const c = rgba(getComputedStyle(e).backgroundColor);
  if (c[3] > 0) return c; } return [255, 255, 255, 1]; };
const low = [];
let n = 0;
for (const e of document.querySelectorAll(arguments[0])) {
  if (!e.getClientRects().length || !e.textContent.trim() && !/INPUT|SELECT/.test(e.tagName)) continue;
  const b = bg(e), f = rgba(getComputedStyle(e).color);
  const fg = f.slice(0, 3).map((v, i) => v * f[3] + b[i] * (1 - f[3]));
  const [hi, lo] = [lum(fg), lum(b)].sort((x, y) => y - x);
  const ratio = (hi + 0.05) / (lo + 0.05);
  n++;
  if (ratio < 4.5) low.push((e.id || e.className || e.tagName) + ': ' + ratio.toFixed(2));
}
return [n, low];
"""
CONTRAST_SELECTORS = ("body, h1, h2, label, a, button, input, select, dt, dd, .help, .status,"
                      " .hubname, .meta, .topics, .publisher, .mark, .field-error, footer")


def accessible(driver, lang, dir, where):
    """Every control named, lang/dir of the page, and WCAG AA contrast."""
    tree = driver.execute_cdp_cmd("Accessibility.getFullAXTree", {})
    controls = [n for n in tree["nodes"] if not n.get("ignored")
                and n.get("role", {}).get("value") in INTERACTIVE_ROLES]
    unnamed = [n["role"]["value"] + " #" + str(n.get("backendDOMNodeId")) for n in controls
               if not str(n.get("name", {}).get("value", "")).strip()]
    check(controls and not unnamed,
          f"{where}: all {len(controls)} controls have an accessible name ({unnamed})")
    got = driver.execute_script("return [document.documentElement.lang, document.documentElement.dir]")
    check(got == [lang, dir], f"{where}: <html lang={got[0]} dir={got[1]}>")
    shown, low = driver.execute_script(CONTRAST_JS, CONTRAST_SELECTORS)
    check(shown > 10 and not low, f"{where}: {shown} texts have a contrast of at least 4.5:1 ({low})")


def tab_to(driver, condition, what, limit):
    """Presses Tab until the focused element e meets condition (JS)."""
    for presses in range(1, limit + 1):
        ActionChains(driver).send_keys(Keys.TAB).perform()
        if driver.execute_script("const e = document.activeElement; return " + condition):
            print(f"ok: Tab reaches {what} ({presses} presses)")
            return
    raise Failure(f"{limit} presses of Tab do not reach {what}")


def run(args, hub, driver, proxy):
    base = "http://" + hub.http
    hub_id, fingerprint = hub.status["hubId"], hub.status["fingerprint"]
    shots = args.screenshots

    # The hub picks the interface language from Accept-Language.
    _, _, page = http_fetch.get(hub.http, "/", {"Accept-Language": "sw-KE,sw;q=0.9,en;q=0.5"})
    page = page.decode()
    check('<html lang="sw" dir="ltr">' in page, "Accept-Language sw gives the page in Swahili")

    # Everything, each result verified.
    driver.get(base + "/")
    published = args.published  # the examples published: organizations, communities, services
    wait(driver, f"{published} results show, each with its mark",
         lambda d: len(results(d)) == published and len(marks(d)) == published)
    check(set(marks(driver)) == {"signed"}, "every result is signed (verified in the browser)")
    check("Nairobi Hub" in results(driver)[0].text, "results name the publishing hub")
    # The page shows what it decodes from the signed bytes (verify.js has
    # its own protobuf reader): every field of every kind the hub serves
    # must come out of it as the hub's JSON has it.
    differ = driver.execute_async_script("""
      const done = arguments[arguments.length - 1];
      const canon = (v) => Array.isArray(v) ? v.map(canon)
        : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon(v[k])]))
        : v;
      (async () => {
        const r = await (await fetch('/v1/search?page_size=100')).json();
        const out = [];
        for (const h of r.hits) {
          const v = await window.CivhubVerify.verifyRecord(h.record);
          for (const [k, json] of Object.entries(h.record.body)) {
            if (['origin', 'recordId', 'version', 'sequence', 'issuedAt'].includes(k)) continue;
            if (JSON.stringify(canon(v.body[k])) !== JSON.stringify(canon(json))) out.push(h.record.recordId + '.' + k);
          }
        }
        done([r.hits.length, out]);
      })().catch((e) => done([0, [String(e)]]));""")
    check(differ[0] == published and differ[1] == [],
          f"the browser decodes every field of the {differ[0]} records as the hub's JSON has them ({differ[1]})")
    # Accessibility basics an axe run checks: lang, landmarks, labels.
    unlabelled = driver.execute_script(
        "return [...document.querySelectorAll('input,select')].filter("
        "e => !e.labels || !e.labels.length).map(e => e.id)")
    check(unlabelled == [], f"every input and select has a label ({unlabelled})")
    check(driver.execute_script(
        "return !!document.querySelector('header') && !!document.querySelector('main')"
        " && !!document.querySelector('footer') && document.documentElement.lang === 'en'"),
        "the page has lang and banner/main/contentinfo landmarks")
    accessible(driver, "en", "ltr", "search page")
    check(driver.execute_script(
        "const l = document.querySelector('link[rel~=icon]');"
        " return !!l && l.href.startsWith('data:image/svg+xml')"),
        "the page has its own favicon, inline (no request)")
    tab_to(driver, "e.id === 'q'", "the search box from the top of the page", 5)

    # Results as you type (in the box Tab reached), the query kept in a
    # shareable URL.
    ActionChains(driver).send_keys("maji").perform()
    # Maji Safi Kenya, and the community and the service whose Swahili names
    # have "maji".
    wait(driver, "typing 'maji' narrows the results to 3",
         lambda d: len(results(d)) == 3 and "Maji Safi Kenya" in results(d)[0].text
         and marks(d) == ["signed"] * 3)
    check("q=maji" in driver.current_url, "the search is in the URL: " + driver.current_url)
    driver.get(driver.current_url)
    wait(driver, "the shared URL reproduces the search",
         lambda d: d.find_element(By.ID, "q").get_attribute("value") == "maji"
         and len(results(d)) == 3 and marks(d) == ["signed"] * 3)

    # Filters.
    driver.find_element(By.ID, "q").clear()
    driver.get(base + "/")
    wait(driver, "all results back", lambda d: len(results(d)) == published)
    Select(driver.find_element(By.ID, "kind")).select_by_value("community")
    wait(driver, "kind=community leaves the 3 communities",
         lambda d: len(results(d)) == 3 and all("Community" in r.text for r in results(d)))
    Select(driver.find_element(By.ID, "kind")).select_by_value("service")
    wait(driver, "kind=service leaves the service, with its place",
         lambda d: len(results(d)) == 1 and "Service" in results(d)[0].text
         and "Community water kiosks" in results(d)[0].text and "Nairobi" in results(d)[0].text)
    Select(driver.find_element(By.ID, "kind")).select_by_value("")
    Select(driver.find_element(By.ID, "country")).select_by_value("KE")
    Select(driver.find_element(By.ID, "topic")).select_by_value("water-sanitation")
    wait(driver, "country=KE and topic=water-sanitation",
         lambda d: "country=KE" in d.current_url and "topic=water-sanitation" in d.current_url
         and 1 <= len(results(d)) < published and any("Maji Safi Kenya" in r.text for r in results(d))
         and len(marks(d)) == len(results(d)))
    if shots:
        driver.save_screenshot(os.path.join(shots, "web-search.png"))

    # The record page, opened from the keyboard.
    tab_to(driver, "e.matches('a.result-link') && e.textContent === 'Maji Safi Kenya'",
           "the result's link", 25)
    ActionChains(driver).send_keys(Keys.ENTER).perform()
    wait(driver, "the record page shows the signed mark",
         lambda d: d.find_elements(By.CSS_SELECTOR, "#record-mark .mark"))
    mark = driver.find_element(By.CSS_SELECTOR, "#record-mark .mark")
    check(mark.get_attribute("data-verified") == "signed"
          and f"Signed by Nairobi Hub · {fingerprint}" in text(mark),
          f"record page: '{text(mark)}' (civhubctl status: fingerprint {fingerprint})")
    check(f"/record/{hub_id}/maji-safi-kenya" in driver.current_url, "the record has its own URL")
    wait(driver, "the record's details, communities and publisher",
         lambda d: all(s in d.find_element(By.ID, "record-view").text for s in (
             "Maji Safi Kenya", "KE-NGO: OP.218/051/2009/0412", "info@majisafi.example.org",
             "Nairobi", "East Africa WASH Practitioners", "Services it provides",
             "Community water kiosks", fingerprint, hub_id)))
    check(driver.execute_script(
        "return [...document.querySelectorAll('#record-body dt')].some((dt) =>"
        " dt.textContent === 'Acronym' && dt.nextElementSibling.textContent === 'MSK')"),
        "the acronym is labelled")
    accessible(driver, "en", "ltr", "record page")
    if shots:
        driver.save_screenshot(os.path.join(shots, "web-record.png"))

    # The service page, from the organization's: what, by whom, where.
    driver.find_element(By.LINK_TEXT, "Community water kiosks").click()
    wait(driver, "the service page: signed, its provider, status and where it is offered",
         lambda d: d.find_elements(By.CSS_SELECTOR, "#record-mark .mark[data-verified=signed]")
         and all(s in d.find_element(By.ID, "record-view").text for s in (
             "Service", "Provided by", "Maji Safi Kenya", "Active", "Who can use it",
             "Where it is offered", "Kibera office", "+254 20 765 4321 ext. 2")))
    check(f"/record/{hub_id}/maji-safi-water-kiosks" in driver.current_url,
          "the service has its own URL")
    accessible(driver, "en", "ltr", "service page")
    if shots:
        driver.save_screenshot(os.path.join(shots, "web-service.png"))
    driver.find_element(By.LINK_TEXT, "Maji Safi Kenya").click()
    wait(driver, "back on the organization page from its service",
         lambda d: f"/record/{hub_id}/maji-safi-kenya" in d.current_url
         and "KE-NGO: OP.218/051/2009/0412" in d.find_element(By.ID, "record-view").text)

    # Arabic, right to left, kept in the URL.
    Select(driver.find_element(By.ID, "hl")).select_by_value("ar")
    wait(driver, "Arabic: html lang=ar dir=rtl and the mark in Arabic",
         lambda d: d.execute_script("return document.documentElement.dir") == "rtl"
         and d.execute_script("return document.documentElement.lang") == "ar"
         and "موقّع من Nairobi Hub" in text(d.find_element(By.CSS_SELECTOR, "#record-mark .mark")))
    check("hl=ar" in driver.current_url, "the language is in the URL: " + driver.current_url)
    accessible(driver, "ar", "rtl", "Arabic record page")
    # The English title and names align right like the rest of the page
    # (their block keeps the page's direction), and read left to right.
    sides = driver.execute_script("""
      const side = (e) => { const r = document.createRange(); r.selectNodeContents(e);
        const t = r.getBoundingClientRect(), b = e.getBoundingClientRect();
        return Math.abs(b.right - t.right) < 2 ? 'right' : Math.abs(t.left - b.left) < 2 ? 'left' : 'middle'; };
      const names = [...document.querySelectorAll('#record-body dl.langs')][0].querySelectorAll('dd');
      return [side(document.getElementById('record-title')), ...[...names].map(side),
              getComputedStyle(document.querySelector('#record-title *') || document.getElementById('record-title')).direction];""")
    check(sides == ["right", "right", "right", "ltr"],
          f"Arabic page: the title and both names align right, read left to right ({sides})")
    in_order = driver.execute_script("""
      const w = document.createTreeWalker(document.getElementById('record-body'), NodeFilter.SHOW_TEXT);
      let t;
      while ((t = w.nextNode()) && !t.data.includes('-1.3133')) {}
      if (!t) return null;
      const r = document.createRange();
      const left = (s) => { const i = t.data.indexOf(s); r.setStart(t, i); r.setEnd(t, i + s.length);
        return r.getBoundingClientRect().left; };
      return left('-1.3133') < left('36.7892');""")
    check(in_order, "Arabic page: the coordinates read (-1.3133, 36.7892), not reversed")
    check("، " in driver.find_element(By.ID, "record-view").text,
          "Arabic lists are separated with the Arabic comma")
    if shots:
        driver.save_screenshot(os.path.join(shots, "web-record-ar.png"))

    # Swahili: topics, types, areas (a subdivision with its country) and
    # languages named in the interface language.
    Select(driver.find_element(By.ID, "hl")).select_by_value("sw")
    wait(driver, "Swahili: topics, types and KE-30 named in Swahili",
         lambda d: all(s in d.find_element(By.ID, "record-view").text for s in (
             "Maji na usafi wa mazingira", "Shirika lisilo la kiserikali", "KE-30 (Kenya)",
             "Kiswahili", "Kiingereza")))
    if shots:
        driver.save_screenshot(os.path.join(shots, "web-record-sw.png"))
    driver.find_element(By.ID, "back").click()
    wait(driver, "the Swahili search page with its results",
         lambda d: len(results(d)) >= 1 and len(marks(d)) == len(results(d)))
    accessible(driver, "sw", "ltr", "Swahili search page")
    bare, untranslated = driver.execute_script("""
      const opts = (id) => [...document.getElementById(id).options].filter((o) => o.value);
      const bare = ['country', 'language'].flatMap(opts).filter((o) => o.text === o.value).map((o) => o.value);
      const codes = ['topic', 'type'].flatMap(opts).map((o) => o.value);
      const M = window.CIVHUB_MESSAGES;
      const missing = ['es', 'fr', 'ar', 'sw'].flatMap((l) => codes.filter((c) => !M[l].terms[c]).map((c) => l + ':' + c));
      const shown = ['topic', 'type'].flatMap(opts).filter((o) => o.text !== M.sw.terms[o.value]).map((o) => o.value);
      return [bare, missing.concat(shown)];""")
    check(bare == [], f"no country or language shows as a bare code ({bare})")
    labels = driver.execute_script(
        "return [...document.getElementById('language').options].map((o) => o.text)")
    twice = sorted({l for l in labels if labels.count(l) > 1})
    check(twice == [], f"no two languages share a name in the filter ({twice})")
    # Arabic counts: 3 to 10 take the plural, 11 and up the singular.
    Select(driver.find_element(By.ID, "hl")).select_by_value("ar")
    wait(driver, "the Arabic search page counts its results",
         lambda d: any(w in d.find_element(By.ID, "status").text
                       for w in ("نتيج", "نتائج")))
    status = driver.find_element(By.ID, "status").text
    digits = "".join(str("٠١٢٣٤٥٦٧٨٩".index(c)) if c in "٠١٢٣٤٥٦٧٨٩" else c
                     for c in status if c.isdigit())
    # One and two are said in words, without a number.
    n = int(digits) if digits else 1 if "واحدة" in status else 2
    word = ("نتيجة واحدة" if n == 1 else "نتيجتان" if n == 2
            else "نتائج" if 3 <= n <= 10 else "نتيجة")
    check(word in status, f"{n} results in Arabic read '{word}': {status}")
    check(untranslated == [], f"every topic and type is named in es, fr, ar and sw ({untranslated})")

    # A wrong filter: the hub's error next to it, and no results, which
    # the reader would take for filtered ones.
    driver.get(base + "/?hl=en")
    wait(driver, f"all {published} results", lambda d: len(results(d)) == published)
    region = driver.find_element(By.ID, "region")
    region.send_keys("zz-99", Keys.ENTER)
    wait(driver, "region ZZ-99: the hub's error next to the region and no results",
         lambda d: not results(d) and "ZZ-99" in d.current_url and d.find_elements(By.ID, "region-error")
         and '"ZZ-99" is not an ISO 3166-2 code' in d.find_element(By.ID, "region-error").text
         and region.get_attribute("aria-invalid") == "true"
         and "region-error" in region.get_attribute("aria-describedby"))
    accessible(driver, "en", "ltr", "search page with an error")
    if shots:
        driver.save_screenshot(os.path.join(shots, "web-search-error.png"))
    driver.get(base + "/?country=zz&hl=en")
    wait(driver, "a shared URL with country=zz: the error next to the country and no results",
         lambda d: d.find_elements(By.ID, "country-error")
         and '"ZZ" is not an ISO 3166-1 alpha-2 code' in d.find_element(By.ID, "country-error").text
         and d.find_element(By.ID, "country").get_attribute("value") == "ZZ"
         and not results(d) and not d.find_element(By.ID, "status").text.startswith(str(published)))
    # A region typed in lower case is searched in upper case, and shared.
    Select(driver.find_element(By.ID, "country")).select_by_value("")
    region = driver.find_element(By.ID, "region")
    region.send_keys("ke-30", Keys.ENTER)
    wait(driver, "region ke-30 is searched as KE-30",
         lambda d: "region=KE-30" in d.current_url and region.get_attribute("value") == "KE-30"
         and any("Maji Safi Kenya" in r.text for r in results(d))
         and not d.find_elements(By.CSS_SELECTOR, ".field-error"))
    count = len(results(driver))
    driver.get(driver.current_url)
    wait(driver, "the shared URL reproduces the region search",
         lambda d: d.find_element(By.ID, "region").get_attribute("value") == "KE-30"
         and len(results(d)) == count and len(marks(d)) == count)

    # "Near a place": a wrong place clears the results and says why.
    near = driver.find_element(By.ID, "near")
    near.send_keys("Nairobi")
    wait(driver, "near=Nairobi: no results, and the error next to the field",
         lambda d: not results(d) and d.find_elements(By.ID, "near-error")
         and "latitude, longitude" in d.find_element(By.ID, "near-error").text)
    near.clear()
    near.send_keys("-1.29, 36.82")
    wait(driver, "near Nairobi's coordinates: results with their distance",
         lambda d: results(d) and "km away" in results(d)[0].text
         and "near=-1.29" in d.current_url and "km=50" in d.current_url)
    driver.get(driver.current_url)
    wait(driver, "the shared URL reproduces the near search",
         lambda d: d.find_element(By.ID, "near").get_attribute("value") == "-1.29, 36.82"
         and results(d) and "km away" in results(d)[0].text)
    km = driver.find_element(By.ID, "km")
    km.send_keys(Keys.CONTROL, "a")
    km.send_keys("0")
    wait(driver, "radius 0: the hub's error next to the radius and no results",
         lambda d: not results(d) and d.find_elements(By.ID, "km-error")
         and "km" in d.find_element(By.ID, "km-error").text)
    # A shared URL with a radius that is not a number is refused, not
    # searched at 50 km.
    driver.get(re.sub(r"km=[^&]*", "km=abc", driver.current_url))
    wait(driver, "km=abc in a shared URL: the radius error and no results",
         lambda d: not results(d) and d.find_elements(By.ID, "km-error")
         and d.find_element(By.ID, "km").get_attribute("value") == "abc")

    # A record altered on the way: the browser says so.
    altered = f"http://127.0.0.1:{proxy.server_address[1]}/record/{hub_id}/maji-safi-kenya?hl=en"
    driver.get(altered)
    wait(driver, "the altered record shows the warning",
         lambda d: d.find_elements(By.CSS_SELECTOR, "#record-mark .mark"))
    mark = driver.find_element(By.CSS_SELECTOR, "#record-mark .mark")
    check(mark.get_attribute("data-verified") == "bad"
          and "does not match" in mark.text and "Signed by" not in mark.text,
          f"altered record: '{mark.text}'")
    if shots:
        driver.save_screenshot(os.path.join(shots, "web-record-altered.png"))

    # Past the hub's count cap the count reads "more than", in each language.
    for lang, want in (("en", "More than 10,000 results"),
                       ("es", "Más de 10.000 resultados"),
                       ("fr", "Plus de 10\u202f000 résultats"),
                       ("sw", "Matokeo zaidi ya 10,000")):
        driver.get(f"http://127.0.0.1:{proxy.server_address[1]}/?country=KE&hl={lang}")
        wait(driver, f"{lang}: the count reads '{want}'",
             lambda d: d.find_element(By.ID, "status").text == want)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--civhubd", required=True)
    parser.add_argument("--civhubctl", required=True)
    parser.add_argument("--examples", required=True)
    parser.add_argument("--screenshots", help="save PNGs of the page here")
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="civhub-web-")
    hub = driver = proxy = None
    started = time.time()
    try:
        hub = Hub(args.civhubd, args.civhubctl, workdir)
        for kind, sub in (("org", "organizations"), ("community", "communities"),
                          ("service", "services")):
            folder = os.path.join(args.examples, sub)
            for f in sorted(os.listdir(folder)):
                hub.ctl(kind, "put", os.path.join(folder, f))
                args.published = getattr(args, "published", 0) + 1
        proxy = tampering_proxy(hub.http)
        driver = browser()
        run(args, hub, driver, proxy)
        print(f"PASS in {time.time() - started:.1f} s")
        return 0
    except Failure as e:
        print("FAIL:", e)
        return 1
    finally:
        if driver:
            driver.quit()
        if proxy:
            proxy.shutdown()
        if hub:
            hub.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
