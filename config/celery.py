import os

from celery import Celery

from core.observability import tasks as observability_tasks

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("companion")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The request id of the request that sent a task is the context of its log lines.
observability_tasks.connect()
