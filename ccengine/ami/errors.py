"""Failures of the AMI edge, in words an operator can act on."""


class AmiError(Exception):
    """Base of every AMI failure."""


class AmiNotConnected(AmiError):
    """An action was asked for while the PBX connection is down or not logged in."""


class AmiConnectionLost(AmiError):
    """The connection dropped before the action was answered."""


class AmiActionTimeout(AmiError):
    """Asterisk did not answer an action in time."""


class AmiLoginFailed(AmiError):
    """Asterisk refused the username or secret."""


class MalformedEvent(AmiError):
    """An AMI event lacks a field the engine needs."""


class AmiUnsafeAction(AmiError):
    """An action would write a control character or a bad header name to the socket."""
