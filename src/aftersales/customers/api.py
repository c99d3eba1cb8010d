def register(router) -> None:
    """Viewsets of this app are added to the API router here."""
