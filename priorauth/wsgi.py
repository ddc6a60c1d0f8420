import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "priorauth.settings")
application = get_wsgi_application()

if os.environ.get("PRIORAUTH_WARM_WORKER", "1") != "0":
    # Fonts, stylesheet, code tables loaded before the first request; start-up heap
    # frozen out of the garbage collector's full collections (priorauth/ops/warmup.py).
    from priorauth.ops.warmup import warm_worker

    warm_worker()
