"""REST endpoints (filled in by the app's work)."""


def register(router) -> None:
    pass
