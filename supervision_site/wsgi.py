import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "supervision_site.settings.local")
application = get_wsgi_application()

# gunicorn and runserver load this module: with FIELD_ENCRYPTION_KEYS that do
# not open this database's data, refuse to serve rather than look healthy.
from operations.sentinel import refuse_to_start_with_wrong_keys  # noqa: E402

refuse_to_start_with_wrong_keys("The web server")
