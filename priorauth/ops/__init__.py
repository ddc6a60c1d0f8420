"""Running the app: the production server (`make serve`), its gunicorn settings, the
per-worker warm-up run by wsgi.py, and encrypted backups (`manage.py backup`, `restore`).
Imports Django and the packet/rules it warms up; only wsgi.py, commands and the bench import ops.
"""
