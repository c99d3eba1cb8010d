"""What the SMS and WeChat channels share: loading the backend class a setting names."""

from django.conf import settings
from django.utils.module_loading import import_string


def load_backend(setting: str, default: str):
    """An instance of the class named (dotted path) by ``setting``, or of ``default``."""
    path = getattr(settings, setting, "") or default
    return import_string(path)()
