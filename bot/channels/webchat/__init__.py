"""Web chat: a socket.io channel inside the Rasa server, the embeddable widget, a demo page.

See docs/webchat.md. ``credentials.yml`` names ``bot.channels.webchat.WebChatInput``.
"""

from bot.channels.webchat.channel import WebChatInput, WebChatOutput

__all__ = ["WebChatInput", "WebChatOutput"]
