"""The SMS channel (Twilio). ``credentials.yml`` names ``bot.channels.sms.SmsInput``; reminders
and the agent console send texts with ``default_sender().send(to, text)``."""

from bot.channels.sms.channel import SmsInput
from bot.channels.sms.sender import SendResult, SmsSender, default_sender

__all__ = ["SendResult", "SmsInput", "SmsSender", "default_sender"]
