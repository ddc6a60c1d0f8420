"""manage.py commands (commands/): evaluate, render and import request files, demo data,
sample PDFs, backups, the practice CA, signing recovery codes; request_files.py.
Imports services, models, rules, packet, security.audit and ops; never web or bench.
"""
