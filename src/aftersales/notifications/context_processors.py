from django.utils.functional import SimpleLazyObject

from aftersales.notifications.models import Notification


def unread(request):
    """The top bar's badge: the signed-in person's unread count (one indexed count query,
    run only when a template shows it)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "unread_notifications": SimpleLazyObject(
            lambda: Notification.objects.for_user(user).unread().count()
        )
    }
