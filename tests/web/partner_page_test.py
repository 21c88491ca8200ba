#!/usr/bin/python3
"""examples/web/partner.html in a real browser (issue 16): a partner's page,
served from another origin, calling a real civhubd's JSON API.

Publishes the examples on a hub, serves examples/web/ from another port,
and in headless Chromium: the kind menu offers every kind a search takes;
a search of each kind lists records by their names (titles for needs and
offers, "ORGANIZATION at EVENT" for registrations) in the reader's
language (else English), never by their ids; a need opened is verified; and a record
served altered is refused with a plain reason: one whose signed origin
(field 1) is not the key in its hub id, though its signature verifies with
that key, and one whose signed bytes were changed on the way.

  partner_page_test.py --civhubd PATH --civhubctl PATH --examples DIR

Exits 77 (skipped) when selenium or chromium is not installed.
"""
import argparse
import base64
import functools
import glob
import http.server
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, ".."))
import civhubd_process  # noqa: E402
import http_fetch  # noqa: E402
from web_directory_test import Failure, browser, check  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

KINDS = ["organization", "community", "service", "need", "offer", "event",
         "registration"]
CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def bech32_polymod(values):
    gen = [0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3]
    chk = 1
    for v in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i in range(5):
            chk ^= gen[i] if (top >> i) & 1 else 0
    return chk


def hub_id(key):
    """The hub id of a 32-byte key: "civhub1" + bech32m (crypto/bech32.cc)."""
    acc = bits = 0
    data = []
    for b in key:
        acc, bits = (acc << 8) | b, bits + 8
        while bits >= 5:
            bits -= 5
            data.append((acc >> bits) & 31)
    if bits:
        data.append((acc << (5 - bits)) & 31)
    hrp = [ord(c) >> 5 for c in "civhub"] + [0] + [ord(c) & 31 for c in "civhub"]
    pm = bech32_polymod(hrp + data + [0] * 6) ^ 0x2BC830A3
    data += [(pm >> 5 * (5 - i)) & 31 for i in range(6)]
    return "civhub1" + "".join(CHARSET[d] for d in data)


def key_of(hub):
    data = [CHARSET.index(c) for c in hub[len("civhub1"):-6]]
    acc = bits = 0
    out = bytearray()
    for v in data:
        acc, bits = (acc << 5) | v, bits + 5
        if bits >= 8:
            bits -= 8
            out.append((acc >> bits) & 0xFF)
    return bytes(out)


def field(number, payload):
    """A length-delimited protobuf field (payloads here are < 128 bytes)."""
    assert len(payload) < 128
    return bytes([number << 3 | 2, len(payload)]) + payload


def forged_need(victim_hub):
    """A need signed by a fresh key whose hub id it is served under, but
    whose signed origin (field 1) is another hub's key: it verifies with
    the served hub id's key, yet no hub would accept it as that origin's."""
    key = Ed25519PrivateKey.generate()
    signer = hub_id(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))
    title = field(1, b"en") + field(2, b"Forged need")
    body = (field(1, key_of(victim_hub)) + field(2, b"forged-need") +
            field(16, field(2, title)))
    signature = key.sign(b"civhub.record.v1\0" + body)
    return {"origin": signer, "recordId": "forged-need", "kind": "RECORD_KIND_NEED",
            "signed": {"body": base64.b64encode(body).decode(),
                       "signature": base64.b64encode(signature).decode()},
            "body": {"need": {"titles": [{"lang": "en", "text": "Forged need"}]}}}


def altered(record):
    """The record with one bit of its signed bytes flipped, in its title."""
    signed = base64.b64decode(record["signed"]["body"])
    title = record["body"]["need"]["titles"][0]["text"].encode()
    at = signed.index(title)
    signed = signed[:at] + bytes([signed[at] ^ 1]) + signed[at + 1:]
    return dict(record, signed=dict(record["signed"],
                                    body=base64.b64encode(signed).decode()))


# Answers fetch() for the URLs in window.__served with the given record,
# as a hostile hub (or a relay) would; every other URL goes to the hub.
SERVE_JS = """
window.__served = window.__served || {};
window.__served[arguments[0]] = arguments[1];
if (!window.__realFetch) {
  window.__realFetch = window.fetch;
  window.fetch = (url, ...rest) => url in window.__served
      ? Promise.resolve(new Response(JSON.stringify(window.__served[url]),
                                     {headers: {"content-type": "application/json"}}))
      : window.__realFetch(url, ...rest);
}
"""


def publish(ctl, examples):
    for kind, sub in (("org", "organizations"), ("community", "communities"),
                      ("service", "services"), ("need", "needs"),
                      ("offer", "offers"), ("event", "events"),
                      ("registration", "registrations")):
        files = sorted(glob.glob(os.path.join(examples, sub, "*.json")))
        # An event that replicates another after it.
        files.sort(key=lambda f: "replicates" in open(f).read())
        for f in files:
            ctl(kind, "put", f)


def english(texts):
    return next((t["text"] for t in texts if t["lang"] == "en"), texts[0]["text"])


def expected_names(addr, kind):
    """{record id: the name the page should show} for a search of kind."""
    _, _, res = http_fetch.get_json(addr, "/v1/search?kind=" + kind)
    names = {}
    for hit in res["hits"]:
        rec = hit["record"]
        body = rec["body"]
        if kind == "registration":
            def name(ref):
                _, _, r = http_fetch.get_json(
                    addr, "/v1/records/%s/%s" % (ref["origin"], ref["recordId"]))
                return english((r["body"].get("organization") or r["body"]["event"])["names"])
            reg = body["registration"]
            names[rec["recordId"]] = "%s at %s" % (name(reg["organization"]),
                                                   name(reg["event"]))
        else:
            payload = body[kind]
            names[rec["recordId"]] = english(payload.get("names") or payload["titles"])
    return names


# Record look-ups answered 300 ms late, as by a slow or distant hub: a
# registration's name waits for its organization and event, and the count
# must not show before the names (found in a sanitized run, where the list
# was read empty after "3 found").
SLOW_RECORDS_JS = """
window.__fetchBeforeSlow = window.fetch;
window.fetch = (url, ...rest) => String(url).includes("/v1/records/")
    ? new Promise((r) => setTimeout(r, 300))
          .then(() => window.__fetchBeforeSlow(url, ...rest))
    : window.__fetchBeforeSlow(url, ...rest);
"""
UNSLOW_JS = "window.fetch = window.__fetchBeforeSlow;"


def run(driver, hub_addr, page_url, hub):
    wait = WebDriverWait(driver, 15)
    driver.get(page_url)
    driver.find_element(By.ID, "hub").clear()
    driver.find_element(By.ID, "hub").send_keys("http://" + hub_addr)
    menu = Select(driver.find_element(By.ID, "kind"))
    offered = [o.get_attribute("value") for o in menu.options]
    check(offered == [""] + KINDS, f"the kind menu offers every kind a search takes: {offered}")
    driver.find_element(By.ID, "text").clear()
    driver.execute_script(SLOW_RECORDS_JS)
    for kind in KINDS:
        want = expected_names(hub_addr, kind)
        menu.select_by_value(kind)
        driver.find_element(By.CSS_SELECTOR, "#search button").click()
        wait.until(lambda d: d.find_element(By.ID, "status").text == f"{len(want)} found")
        shown = driver.execute_script(
            "return [...document.querySelectorAll('#results a')].map((a) => a.textContent)")
        check(sorted(shown) == sorted(want.values()) and not set(shown) & set(want),
              f"{kind}: {len(shown)} results by name, none by id: {shown}")
    driver.execute_script(UNSLOW_JS)

    # A need opened: fetched again by id and verified.
    menu.select_by_value("need")
    driver.find_element(By.CSS_SELECTOR, "#search button").click()
    link = wait.until(lambda d: d.find_element(
        By.LINK_TEXT, "A bilingual website with a map of our water kiosks"))
    link.click()
    verdict = driver.find_element(By.ID, "verdict")
    wait.until(lambda d: verdict.text.startswith(("✔", "✘", "cannot")))
    check(verdict.text == "✔ signed by its origin hub " + hub and
          verdict.get_attribute("class") == "ok", f"the need is verified: {verdict.text}")

    def shown_as(record, what):
        url = "http://%s/v1/records/%s/%s" % (hub_addr, record["origin"], record["recordId"])
        driver.execute_script(SERVE_JS, url, record)
        driver.execute_script("show(arguments[0])", {"origin": record["origin"],
                                                     "recordId": record["recordId"]})
        wait.until(lambda d: verdict.text.startswith(("✔", "✘", "cannot")))
        check(verdict.get_attribute("class") == "error" and "do not trust" in verdict.text,
              f"{what} is refused: {verdict.text}")
        return verdict.text

    text = shown_as(forged_need(hub), "a need whose signed origin is another hub's")
    check("another origin (field 1)" in text, "... saying its origin (field 1) differs")
    _, _, need = http_fetch.get_json(hub_addr, "/v1/records/%s/maji-safi-kiosk-website" % hub)
    text = shown_as(altered(need), "a need altered on the way")
    check("the signature does not verify" in text, "... saying the signature does not verify")

    # A Swahili reader: names in Swahili where the record has them, else in
    # English (not the record's first language, Spanish for Lima's).
    ua = driver.execute_script("return navigator.userAgent")
    driver.execute_cdp_cmd("Network.setUserAgentOverride",
                           {"userAgent": ua, "acceptLanguage": "sw"})
    driver.refresh()
    driver.find_element(By.ID, "hub").clear()
    driver.find_element(By.ID, "hub").send_keys("http://" + hub_addr)
    driver.find_element(By.ID, "text").clear()
    menu = Select(driver.find_element(By.ID, "kind"))
    menu.select_by_value("event")
    driver.find_element(By.CSS_SELECTOR, "#search button").click()
    wait.until(lambda d: d.find_element(By.ID, "status").text == "3 found")
    shown = driver.execute_script(
        "return [...document.querySelectorAll('#results a')].map((a) => a.textContent)")
    check(sorted(shown) == ["TechCamp Lima 2027: technology for women entrepreneurs",
                            "TechCamp Nairobi 2027: maji, data na jamii",
                            "Thursday digital security clinic"],
          f"a Swahili reader sees Swahili names, else English ones: {shown}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--civhubd", required=True)
    parser.add_argument("--civhubctl", required=True)
    parser.add_argument("--examples", required=True)
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="civhub-partner-")
    proc = driver = site = None
    try:
        data = os.path.join(workdir, "hub")
        proc, hub, addr = civhubd_process.launch(args.civhubd, data)

        def ctl(*a):
            r = subprocess.run([args.civhubctl, "--data-dir", data, *a],
                               capture_output=True, text=True)
            if r.returncode:
                raise Failure(f"civhubctl {' '.join(a)}: {r.stderr.strip()}")
        publish(ctl, args.examples)
        # The partner's page on its own origin (another port).
        class Quiet(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *a):
                pass
        handler = functools.partial(Quiet, directory=os.path.join(args.examples, "web"))
        site = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=site.serve_forever, daemon=True).start()
        driver = browser()
        started = time.time()
        run(driver, addr, "http://127.0.0.1:%d/partner.html" % site.server_port, hub)
        print(f"PASS in {time.time() - started:.1f} s")
        return 0
    except Failure as e:
        print("FAIL:", e)
        return 1
    finally:
        if driver:
            driver.quit()
        if site:
            site.shutdown()
        if proc:
            proc.terminate()
            proc.wait(timeout=20)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
