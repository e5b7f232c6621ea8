#!/usr/bin/python3
"""Drives the supervision board in headless Chromium and checks the rendered DOM.

Called by board_browser_test (tests/node/board_browser_test.cc) with a running network; exits
non-zero, with the reason on stderr, when a check fails. Saves the board (OUT.png) and the board
with a case's timeline open (OUT-case.png). Usage:
  board_browser.py --url http://127.0.0.1:PORT --token-file F --screenshot OUT.png
                   --offline CODE --red-case ID [--offline-after-s N]
"""
import argparse
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--token-file", required=True)
    ap.add_argument("--screenshot", required=True)
    ap.add_argument("--offline", required=True, help="code of a node that must show offline")
    ap.add_argument("--online", action="append", default=[], help="codes that must show online")
    ap.add_argument("--red-case", required=True)
    ap.add_argument("--offline-after-s", type=int, default=20)
    ap.add_argument("--denied-case", help="a case that must be listed under 否定报备")
    ap.add_argument("--complaint-against", help="a node an open complaint must name")
    a = ap.parse_args()
    token = open(a.token_file).read().strip()

    opts = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1366,768", "--lang=zh-CN", "--no-proxy-server"):
        opts.add_argument(arg)
    opts.binary_location = "/usr/bin/chromium"
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    failures = []

    def check(ok, what):
        if not ok:
            failures.append(what)
        return ok

    try:
        wait = WebDriverWait(driver, 15)
        # Case detail needs the read token: log in through the login page (on loopback the
        # board itself works without it).
        driver.get(a.url + "/login")
        driver.find_element(By.ID, "token").send_keys(token)
        driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
        wait.until(lambda d: d.current_url.endswith("/board"))
        driver.get(f"{a.url}/board?offline_after_s={a.offline_after_s}")
        wait.until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-loaded") == "1")
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#tree tr[data-code]")) >= 4)

        codes = [r.get_attribute("data-code") for r in driver.find_elements(By.CSS_SELECTOR, "#tree tr[data-code]")]
        check(len(codes) >= 4, f"the tree shows {codes}")
        # The stopped county is offline, and every ancestor says so.
        off = driver.find_elements(By.CSS_SELECTOR, f'#tree tr[data-code="{a.offline}"]')
        check(off and "offline" in off[0].get_attribute("class").split(), f"{a.offline} not shown offline")
        check(off and "离线" in off[0].text, f"{a.offline} row has no 离线 badge: {off[0].text if off else ''}")
        for code in a.online:
            row = driver.find_elements(By.CSS_SELECTOR, f'#tree tr[data-code="{code}"]')
            check(row and "offline" not in row[0].get_attribute("class").split(), f"{code} shown offline")
        below = [r.get_attribute("data-code") for r in driver.find_elements(By.CSS_SELECTOR, "#tree tr.offline-below")]
        check(len(below) >= 2, f"ancestors marked offline below: {below}")
        # A red card in the list, with its due date in Chinese format and days overdue.
        red = driver.find_elements(By.CSS_SELECTOR, '#cards tr[data-card="red"]')
        check(red and a.red_case in red[0].text, f"no red card for {a.red_case}: {[r.text for r in red]}")
        check(red and "年" in red[0].text and "月" in red[0].text, f"due date not in zh format: {red[0].text if red else ''}")
        if a.denied_case:
            rows = [r.text for r in driver.find_elements(By.CSS_SELECTOR, "#denials tr")]
            check(any(a.denied_case in r for r in rows), f"denials: {rows}")
        if a.complaint_against:
            rows = [r.text for r in driver.find_elements(By.CSS_SELECTOR, "#complaints tr")]
            check(any(a.complaint_against in r for r in rows), f"complaints: {rows}")
        # No horizontal scrolling at 1366x768.
        sw, cw = driver.execute_script("return [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        check(sw <= cw, f"horizontal scroll: scrollWidth {sw} > clientWidth {cw}")
        # Filters: the card filter on yellow hides the red card.
        driver.execute_script("const s=document.getElementById('f-card'); s.value='yellow'; s.dispatchEvent(new Event('change'));")
        check(not driver.find_elements(By.CSS_SELECTOR, '#cards tr[data-card="red"]'), "card filter does not hide red cards")
        driver.execute_script("const s=document.getElementById('f-card'); s.value=''; s.dispatchEvent(new Event('change'));")
        driver.save_screenshot(a.screenshot)
        # A click opens the case's timeline.
        link = driver.find_element(By.CSS_SELECTOR, f'#cards a.case[data-case="{a.red_case}"]')
        link.click()
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#detail ol.timeline li") or d.find_elements(By.ID, "detail-login"))
        events = [li.text for li in driver.find_elements(By.CSS_SELECTOR, "#detail ol.timeline li")]
        check(any("received" in e for e in events) and any("accepted" in e for e in events),
              f"timeline: {events}")
        time.sleep(0.3)
        driver.save_screenshot(a.screenshot.replace(".png", "-case.png"))
        # No console errors (a 404 for /favicon.ico or a failed read would show here).
        errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        check(not errors, f"console errors: {errors}")
    except Exception as e:  # noqa: BLE001 - any failure to drive the page fails the test
        failures.append(f"{type(e).__name__}: {e}")
        try:
            driver.save_screenshot(a.screenshot)
        except Exception:  # noqa: BLE001
            pass
    finally:
        driver.quit()
    for f in failures:
        print("board_browser: FAIL:", f, file=sys.stderr)
    print(f"board_browser: {'ok' if not failures else 'failed'}; screenshot {a.screenshot}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
