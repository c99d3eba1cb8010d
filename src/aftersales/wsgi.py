import os

from django.core.wsgi import get_wsgi_application

from aftersales.core.startup import settle

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings")
application = get_wsgi_application()
settle()  # each app server worker, once loaded (issue 7)
