"""The web-chat widget's own words (its page and its script), in the catalogs like every bot
text: ``make messages`` extracts them from here and tests/i18n fails while one lacks its
German, French or Spanish translation.

The page (``bot/static/webchat.html``) names a text ``{{key}}``; the script
(``bot/static/webchat.js``) ``t("key", {name: value})`` with ``{name}`` placeholders, reading
the texts the page carries (``data-texts`` on its body). ``bot.channels.webchat`` fills both in
the browser's language through :func:`widget_texts`, which the composition root hands it.
"""

from __future__ import annotations

from models.texts import N_
from service.i18n import Translator

WIDGET_TEXTS: dict[str, str] = {
    # the page
    "page_title": N_("Support chat"),
    "need_help": N_("Need help?"),
    "intro": N_(
        "Chat with our support assistant. It opens a ticket for you, solves what it can right "
        "away, and brings in a human agent for everything else."
    ),
    "support": N_("Support"),
    "connecting": N_("connecting…"),
    "new_chat": N_("New chat"),
    "new_chat_title": N_("Start a new conversation"),
    "your_message": N_("Your message"),
    "placeholder": N_("Describe your problem or request…"),
    "attach_title": N_("Attach a screenshot, a PDF or a log (up to 10 MB)"),
    "attach": N_("Attach a file"),
    "send": N_("Send"),
    "your_email": N_("Your email (optional), so we can answer by mail too"),
    "email_example": N_("you@example.com"),
    # the script
    "you": N_("You"),
    "assistant": N_("Assistant"),
    "agent": N_("Agent"),
    "button_pressed": N_("(button pressed)"),
    "file_failed": N_("The file could not be opened: {error}"),
    "online": N_("online"),
    "reconnecting": N_("reconnecting…"),
    "new_conversation": N_("new conversation"),
    "close_chat": N_("Close the chat"),
    "typing": N_("{name} is typing…"),
    "slow_down": N_("Slow down a little: try again in {seconds} s."),
    "too_long": N_(
        "Your message is {length} characters; the limit is {limit}. Shorten it by {over} or "
        "attach it as a file (📎)."
    ),
}


def widget_texts(language: str) -> tuple[str, dict[str, str]]:
    """(the language used, every widget text in it): English where the catalogs have no
    such language."""
    words = Translator(language)
    return words.language, {key: words.gettext(text) for key, text in WIDGET_TEXTS.items()}
