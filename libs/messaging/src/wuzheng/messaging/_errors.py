"""Every exception the messaging lib raises or understands, in one hierarchy.

``MessagingError`` is the base. Handlers of events raise ``TransientError`` (retry later) or
``PoisonMessage`` (never retry: dead-letter it now); request-reply callers catch
``RequestError`` and its subclasses.
"""

from __future__ import annotations

from typing import Any


class MessagingError(Exception):
    """Base of every error of the messaging lib."""


class NotConnected(MessagingError):
    """The NATS connection is not (yet, or any more) usable."""


class TopologyError(MessagingError):
    """A stream or consumer could not be created or brought up to date."""


# -- raised by event handlers -----------------------------------------------------------


class HandlerError(MessagingError):
    """Base of what an event handler raises to steer redelivery."""


class TransientError(HandlerError):
    """Try again later: the message is nak'ed with a delay and redelivered.

    Database and connection errors are treated the same way without being wrapped.
    """


class PoisonMessage(HandlerError):
    """This message can never succeed: terminate it now and record a dead letter."""


# -- request-reply ----------------------------------------------------------------------


class RequestError(MessagingError):
    """Base of request-reply failures on the requesting side."""

    def __init__(self, subject: str, detail: str) -> None:
        super().__init__(f"{subject}: {detail}")
        self.subject = subject


class RequestTimeout(RequestError):
    """Nobody answered within the timeout (the responder is slow, or died mid-request)."""


class NoResponders(RequestError):
    """Nobody listens on the subject: the responder is down or was never started."""


class RemoteProblem(RequestError):
    """The responder answered with an RFC 9457 problem instead of a result."""

    def __init__(self, subject: str, problem: dict[str, Any]) -> None:
        detail = problem.get("detail") or problem.get("title") or "problem reply"
        super().__init__(subject, str(detail))
        self.problem = problem

    @property
    def status(self) -> int:
        status = self.problem.get("status")
        return status if isinstance(status, int) else 500

    @property
    def type(self) -> str:
        return str(self.problem.get("type", "about:blank"))


class InvalidReply(RequestError):
    """The reply was not a JSON object."""
