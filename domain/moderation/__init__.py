"""The moderation screen: seller text in, a verdict out (hold, flag or allow), with no Telegram and no database.

from domain.moderation import screen
screen("send me your card number and CVV").action  # "hold"
"""

from domain.moderation.screen import screen
from domain.moderation.verdict import RULES, Hit, OrderFacts, Verdict

__all__ = ["RULES", "Hit", "OrderFacts", "Verdict", "screen"]
