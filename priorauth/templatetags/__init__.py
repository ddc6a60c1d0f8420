"""Template filters the screens and the packet share: ``when`` prints a time in words
in the practice's zone. Loaded as a builtin (settings ``TEMPLATES``), so templates need
no ``{% load %}``. Imports the packet's words and Django; nothing imports it.
"""
