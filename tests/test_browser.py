"""The bill page in a real browser: headless Chromium at a phone's 360 px, driven by Selenium, against the simulator
on a loopback socket, bills sent with the SDK.

The browser is Debian's (chromium, chromium-driver; `make install` installs them). Without it, or without Selenium,
the tests skip saying so, except under CI (CI=true), where they fail. Every wait is an explicit, generous
WebDriverWait; the browser, its driver and the simulator are stopped in teardown. Screenshots of each state go to
build/screenshots/; PAYSSAM_UPDATE_SCREENSHOT=1 also copies the unpaid page to docs/bill-page.png for the README.
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from payssam import PaySsam, new_bill_id
from payssam_sim import Simulator
from payssam_sim.cards import APPROVING_CARD, DECLINING_CARD

from kit import APIKEY, MEMBER, MERCHANT, PROXY_VARIABLES, ROOT, wait_for
from receivers import Approvals

try:
    from selenium import webdriver
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.select import Select
    from selenium.webdriver.support.wait import WebDriverWait
except ModuleNotFoundError:  # the dev group's Selenium is missing: the fixture below says so
    webdriver = None  # type: ignore[assignment]

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
WIDTH, HEIGHT = 360, 800
"""A common Android phone's viewport, in CSS pixels."""
WAIT = 30.0
"""Seconds an explicit wait may take on a loaded machine: a bound, never a measurement."""
SCREENSHOTS = ROOT / "build" / "screenshots"
README_SCREENSHOT = ROOT / "docs" / "bill-page.png"
CALLBACK = "http://127.0.0.1:9/approval"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--no-proxy-server",
    "--hide-scrollbars",
    f"--window-size={WIDTH},{HEIGHT}",
)


def _missing() -> str | None:
    """What this machine lacks to run the browser, or None."""
    if webdriver is None:
        return "Selenium is not installed (the dev group): run `make install`"
    for path in (CHROMIUM, CHROMEDRIVER):
        if not path.exists():
            return f"{path} is missing: `make install` installs Debian's chromium and chromium-driver"
    return None


def _stop(process: Any) -> None:
    """The chromedriver process, stopped by its PID if quit() left it running."""
    if process is not None and process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)
        process.wait(timeout=WAIT)


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    """Headless Chromium emulating a 360-px phone, with a fresh profile; quit, and its driver stopped, at the end."""
    missing = _missing()
    if missing is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"the browser tests cannot run under CI: {missing}")
        pytest.skip(missing)
    with (
        pytest.MonkeyPatch.context() as environment,
        tempfile.TemporaryDirectory(prefix="payssam-chromium-", ignore_cleanup_errors=True) as profile,
    ):
        for name in PROXY_VARIABLES:
            environment.delenv(name, raising=False)
        options = webdriver.ChromeOptions()
        options.binary_location = str(CHROMIUM)
        for flag in (*FLAGS, f"--user-data-dir={profile}"):
            options.add_argument(flag)
        options.add_experimental_option(
            "mobileEmulation", {"deviceMetrics": {"width": WIDTH, "height": HEIGHT, "pixelRatio": 1.0}}
        )
        service = Service(str(CHROMEDRIVER))
        try:
            driver = webdriver.Chrome(options=options, service=service)
        except WebDriverException:
            _stop(getattr(service, "process", None))
            raise
        try:
            driver.set_page_load_timeout(WAIT)
            yield driver
        finally:
            try:
                driver.quit()
            finally:
                _stop(getattr(service, "process", None))


@pytest.fixture
def approvals() -> Approvals:
    return Approvals()


@pytest.fixture
def sim(approvals: Approvals, no_proxy: None) -> Iterator[Simulator]:
    """The simulator on a free loopback port, stopped at the end."""
    simulator = Simulator(callback_transport=httpx.MockTransport(approvals)).start()
    try:
        yield simulator
    finally:
        simulator.stop()


@pytest.fixture
def client(sim: Simulator) -> Iterator[PaySsam]:
    with PaySsam(APIKEY, MEMBER, MERCHANT, sim.base_url) as sdk:
        yield sdk


def send(client: PaySsam, price: int, expires_on: date | None = None) -> tuple[str, str]:
    """A bill sent with the SDK: its id and short URL."""
    sent = client.send_bill(
        new_bill_id(),
        price,
        phone="01012345678",
        customer_name="홍길동",
        product_name="12월 수강료",
        callback_url=CALLBACK,
        message="12월 수강료를 안내드립니다. 기한 안에 납부해 주세요.",
        issuer="행복수학학원",
        expires_on=expires_on,
    )
    assert sent.short_url is not None
    return sent.bill_id, sent.short_url


def open_page(browser: WebDriver, url: str, ready: str) -> None:
    """Open the URL and wait until the element with id `ready` is there."""
    browser.get(url)
    WebDriverWait(browser, WAIT).until(expected_conditions.presence_of_element_located((By.ID, ready)))


def text(browser: WebDriver, ident: str) -> str:
    return str(browser.find_element(By.ID, ident).text)


def screenshot(browser: WebDriver, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"bill-page-{name}.png"
    assert browser.save_screenshot(str(path)), path
    return path


def fits_the_phone(browser: WebDriver) -> None:
    """The viewport is the phone's 360 px and nothing scrolls sideways."""
    widths = browser.execute_script(
        "return [window.innerWidth, document.documentElement.scrollWidth, document.body.scrollWidth]"
    )
    assert widths[0] == WIDTH, widths
    assert max(widths[1:]) <= WIDTH, widths


def pay(browser: WebDriver, card: str, months: str, done: str) -> None:
    """Type the card, pick the installments, press 결제하기 and wait for the element with id `done`."""
    field = browser.find_element(By.ID, "card")
    field.clear()
    field.send_keys(card)
    Select(browser.find_element(By.ID, "installment")).select_by_visible_text(months)
    browser.find_element(By.ID, "submit").click()
    WebDriverWait(browser, WAIT).until(expected_conditions.presence_of_element_located((By.ID, done)))


def test_a_phone_pays_a_bill_in_3_months_and_gets_its_receipt(
    browser: WebDriver, sim: Simulator, client: PaySsam, approvals: Approvals
) -> None:
    today = sim.clock.now().date()
    bill_id, short_url = send(client, 55_000, expires_on=date(today.year, 12, 31))
    open_page(browser, short_url, "submit")
    assert browser.execute_script("return document.documentElement.lang") == "ko"
    assert text(browser, "amount") == "55,000원"
    assert text(browser, "product") == "12월 수강료"
    assert text(browser, "issuer") == "행복수학학원"
    assert text(browser, "due") == f"{today.year}년 12월 31일까지"
    assert text(browser, "submit") == "결제하기"
    for field in ("card", "installment"):
        label = browser.find_element(By.CSS_SELECTOR, f'label[for="{field}"]')
        assert label.is_displayed()
        assert label.text
    months = [option.text for option in Select(browser.find_element(By.ID, "installment")).options]
    assert months == ["일시불", *(f"{n}개월" for n in range(2, 13))]
    assert APPROVING_CARD in text(browser, "card-hint")
    assert DECLINING_CARD in text(browser, "card-hint")
    fits_the_phone(browser)
    unpaid = screenshot(browser, "unpaid")
    if os.environ.get("PAYSSAM_UPDATE_SCREENSHOT") == "1":
        README_SCREENSHOT.parent.mkdir(exist_ok=True)
        shutil.copyfile(unpaid, README_SCREENSHOT)

    pay(browser, APPROVING_CARD, "3개월", "receipt")
    assert browser.current_url == short_url
    number = text(browser, "approval-number")
    assert text(browser, "installment-months") == "3개월"
    assert text(browser, "paid-amount") == "55,000원"
    assert browser.find_elements(By.TAG_NAME, "form") == []
    fits_the_phone(browser)
    screenshot(browser, "paid")

    view = sim.bill(bill_id)
    assert view is not None
    assert (view["state"], view["appr_monthly"], view["appr_num"]) == ("F", "03", number)
    with httpx.Client(base_url=sim.base_url, trust_env=False) as control:
        assert control.get(f"/_sim/bills/{bill_id}").json()["appr_num"] == number
    wait_for(lambda: len(approvals.of(bill_id)) == 1, timeout=WAIT)
    assert approvals.of(bill_id)[0]["appr_num"] == number


def test_a_declined_card_says_why_and_changes_nothing_then_the_bill_is_cancelled(
    browser: WebDriver, sim: Simulator, client: PaySsam, approvals: Approvals
) -> None:
    bill_id, short_url = send(client, 35_000)
    open_page(browser, short_url, "submit")
    assert text(browser, "amount") == "35,000원"
    assert [option.text for option in Select(browser.find_element(By.ID, "installment")).options] == ["일시불"]
    pay(browser, DECLINING_CARD, "일시불", "error")
    assert "한도 초과" in text(browser, "error")
    assert browser.find_element(By.ID, "card").get_attribute("aria-invalid") == "true"
    fits_the_phone(browser)
    screenshot(browser, "declined")
    view = sim.bill(bill_id)
    assert view is not None
    assert view["state"] == "W"
    assert approvals.of(bill_id) == []

    pay(browser, APPROVING_CARD, "일시불", "receipt")
    assert text(browser, "installment-months") == "일시불"
    client.cancel_bill(bill_id, 35_000)
    open_page(browser, short_url, "notice")
    assert text(browser, "notice").startswith("결제가 취소되었습니다")
    assert browser.find_elements(By.TAG_NAME, "form") == []
    fits_the_phone(browser)
    screenshot(browser, "cancelled")


def test_a_bill_past_its_due_date_shows_no_form(browser: WebDriver, sim: Simulator, client: PaySsam) -> None:
    tomorrow = sim.clock.now().date() + timedelta(days=1)
    bill_id, short_url = send(client, 35_000, expires_on=tomorrow)
    sim.clock.advance(timedelta(days=2))
    open_page(browser, short_url, "notice")
    assert text(browser, "notice").startswith("납부 기한이 지났습니다")
    assert text(browser, "due") == f"{tomorrow.year}년 {tomorrow.month}월 {tomorrow.day}일까지"
    assert browser.find_elements(By.TAG_NAME, "form") == []
    fits_the_phone(browser)
    screenshot(browser, "expired")
    assert sim.payable(bill_id) == "expired"
