"""The request screens: the request page (form, row sections, injection history, input
checks), the detail page with its findings panel, "send for signature", prior counts.
Imports services, models, rules and web.fields/web.patients; no other screen imports it.
"""
