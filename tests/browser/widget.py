"""The web-chat widget as a patient sees it, for browser tests: find it by role and label, type,
read what the assistant said. The widget lives in an open shadow root; Playwright's locators
reach into it, page-side JavaScript goes through ``shadowRoot``."""

from __future__ import annotations

from dataclasses import dataclass

from playwright.sync_api import Locator, Page

STORAGE_KEY = "frontdesk.conversation"
HOST = "document.querySelector('#frontdesk-chat').shadowRoot"


@dataclass
class Widget:
    page: Page
    rasa_url: str

    @classmethod
    def load(cls, page: Page, rasa_url: str) -> Widget:
        page.goto(f"{rasa_url}/chat")
        widget = cls(page, rasa_url)
        widget.launcher.wait_for()
        return widget

    @property
    def launcher(self) -> Locator:
        return self.page.get_by_role("button", name="Chat with us")

    @property
    def dialog(self) -> Locator:
        return self.page.get_by_role("dialog")

    @property
    def input(self) -> Locator:
        return self.page.get_by_label("Your message")

    @property
    def log(self) -> Locator:
        return self.page.get_by_role("log", name="Conversation")

    def button(self, name: str) -> Locator:
        return self.page.get_by_role("button", name=name, exact=True)

    def bot_texts(self) -> list[str]:
        return self.page.locator(".msg.bot .text").all_inner_texts()

    def user_texts(self) -> list[str]:
        return self.page.locator(".msg.user .text").all_inner_texts()

    def open(self) -> None:
        self.launcher.click()
        self.input.wait_for()

    def say(self, text: str, *, keyboard: bool = False) -> str:
        """Type a message and send it (Enter); everything the assistant answered, as one string."""
        before = len(self.bot_texts())
        if keyboard:
            self.page.keyboard.type(text)
        else:
            self.input.fill(text)
            self.input.focus()
        self.page.keyboard.press("Enter")
        self.page.wait_for_function(
            f"""() => {{
                const root = {HOST};
                return root.querySelectorAll('.msg.bot').length > {before}
                    && root.querySelector('.typing').hidden;
            }}""",
            timeout=60_000,
        )
        return " ".join(self.bot_texts()[before:])

    def conversation_id(self) -> str | None:
        return self.page.evaluate(f"sessionStorage.getItem('{STORAGE_KEY}')")

    def focused(self) -> str:
        """What has the keyboard focus inside the widget: its class, or "" if none there."""
        return str(self.page.evaluate(f"() => {HOST}.activeElement?.className || ''"))

    def browser_storage(self) -> dict[str, object]:
        """Everything the page keeps in the browser: storage keys, cookies."""
        return self.page.evaluate(
            """() => ({
                session: Object.keys(sessionStorage),
                local: Object.keys(localStorage),
                cookie: document.cookie,
            })"""
        )
