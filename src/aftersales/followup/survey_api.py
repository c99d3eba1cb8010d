"""REST endpoints."""


def register(router) -> None:
    pass
