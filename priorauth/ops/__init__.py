"""Running the app: the production server (`make serve`), its gunicorn settings, the
per-worker warm-up run by wsgi.py, encrypted backups (`manage.py backup`, `restore`).
Imports Django and what the warm-up loads (packet, rules); wsgi.py and commands import it.
"""
