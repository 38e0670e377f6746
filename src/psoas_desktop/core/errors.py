"""Two kinds of failure: a KnownError is told to the user and the app keeps running; the rest are bugs."""


class KnownError(Exception):
    """A problem the user can understand and act on (bad input, bad data, a missing device)."""


class CatalogError(KnownError):
    """The exercise catalog data is invalid; the message names the file and the field."""


class SettingsError(KnownError):
    """A setting is out of range or of the wrong type; the message names the setting."""


class PlanError(KnownError):
    """A routine cannot be turned into a timeline (empty routine, zero-length phase, unknown name)."""
