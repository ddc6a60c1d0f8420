"""The screens, one module (or small package) each, with their forms beside their views;
fields.py and reauth.py hold what several screens share; urls.py lists every page.
Imports services, security, models, packet, rules; only urls.py and admin.py import web.
"""
