"""Review and signing: the draft packet, the sign page, sending back to billing, the
signed PDF and its check, new revisions, and the physician's signing key.
Imports services, packet, security.audit, models and web.accounts and web.reauth.
"""
