#!/usr/bin/python3
"""The web directory in a real browser (issue 16, section 3).

Starts a real civhubd on loopback, publishes the examples with civhubctl,
and drives Debian's headless Chromium through python3-selenium: load the
page, search as you type, filter, open a record and see its signature
checked in the browser against the fingerprint civhubctl prints, switch to
Arabic (right to left), and open a record through a proxy that alters one
byte of the signed bytes on the way, which must show the warning.

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
    from selenium.webdriver.common.by import By
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
    bytes, as a hostile relay would. Returns the server (serving)."""

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
    wait(driver, "11 results show, each with its mark",
         lambda d: len(results(d)) == 11 and len(marks(d)) == 11)
    check(set(marks(driver)) == {"signed"}, "every result is signed (verified in the browser)")
    check("Nairobi Hub" in results(driver)[0].text, "results name the publishing hub")
    # Accessibility basics an axe run checks: lang, landmarks, labels.
    unlabelled = driver.execute_script(
        "return [...document.querySelectorAll('input,select')].filter("
        "e => !e.labels || !e.labels.length).map(e => e.id)")
    check(unlabelled == [], f"every input and select has a label ({unlabelled})")
    check(driver.execute_script(
        "return !!document.querySelector('header') && !!document.querySelector('main')"
        " && !!document.querySelector('footer') && document.documentElement.lang === 'en'"),
        "the page has lang and banner/main/contentinfo landmarks")

    # Results as you type, the query kept in a shareable URL.
    box = driver.find_element(By.ID, "q")
    box.send_keys("maji")
    # Maji Safi Kenya, and the community whose Swahili name has "Maji".
    wait(driver, "typing 'maji' narrows the results to 2",
         lambda d: len(results(d)) == 2 and "Maji Safi Kenya" in results(d)[0].text
         and marks(d) == ["signed"] * 2)
    check("q=maji" in driver.current_url, "the search is in the URL: " + driver.current_url)
    driver.get(driver.current_url)
    wait(driver, "the shared URL reproduces the search",
         lambda d: d.find_element(By.ID, "q").get_attribute("value") == "maji"
         and len(results(d)) == 2 and marks(d) == ["signed"] * 2)

    # Filters.
    driver.find_element(By.ID, "q").clear()
    driver.get(base + "/")
    wait(driver, "all results back", lambda d: len(results(d)) == 11)
    Select(driver.find_element(By.ID, "kind")).select_by_value("community")
    wait(driver, "kind=community leaves the 3 communities",
         lambda d: len(results(d)) == 3 and all("Community" in r.text for r in results(d)))
    Select(driver.find_element(By.ID, "kind")).select_by_value("")
    Select(driver.find_element(By.ID, "country")).select_by_value("KE")
    Select(driver.find_element(By.ID, "topic")).select_by_value("water-sanitation")
    wait(driver, "country=KE and topic=water-sanitation",
         lambda d: "country=KE" in d.current_url and "topic=water-sanitation" in d.current_url
         and 1 <= len(results(d)) < 11 and any("Maji Safi Kenya" in r.text for r in results(d))
         and len(marks(d)) == len(results(d)))
    if shots:
        driver.save_screenshot(os.path.join(shots, "web-search.png"))

    # The record page.
    driver.find_element(By.LINK_TEXT, "Maji Safi Kenya").click()
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
             "Nairobi", "East Africa WASH Practitioners", fingerprint, hub_id)))
    if shots:
        driver.save_screenshot(os.path.join(shots, "web-record.png"))

    # Arabic, right to left, kept in the URL.
    Select(driver.find_element(By.ID, "hl")).select_by_value("ar")
    wait(driver, "Arabic: html lang=ar dir=rtl and the mark in Arabic",
         lambda d: d.execute_script("return document.documentElement.dir") == "rtl"
         and d.execute_script("return document.documentElement.lang") == "ar"
         and "موقّع من Nairobi Hub" in text(d.find_element(By.CSS_SELECTOR, "#record-mark .mark")))
    check("hl=ar" in driver.current_url, "the language is in the URL: " + driver.current_url)
    if shots:
        driver.save_screenshot(os.path.join(shots, "web-record-ar.png"))

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
        for kind, sub in (("org", "organizations"), ("community", "communities")):
            folder = os.path.join(args.examples, sub)
            for f in sorted(os.listdir(folder)):
                hub.ctl(kind, "put", os.path.join(folder, f))
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
