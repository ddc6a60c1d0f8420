"""priorauth: prior authorization for spinal injections, checked before it is sent.
The project shell (settings, urls, wsgi, apps, admin) and one package per capability;
docs/architecture.md draws a request's way through them and what each may import.
"""
