"""Application services, keyword-only <entity>_<action>(*, ...): the only layer using
both the models and the rules. One module per area; services.<name> reaches them all.
Imports models, rules, packet and security.audit (the trail); never web, ops or bench.
"""

from priorauth.services.analytics import *  # noqa: F401,F403
from priorauth.services.appeals import *  # noqa: F401,F403
from priorauth.services.attachments import *  # noqa: F401,F403
from priorauth.services.facts import *  # noqa: F401,F403
from priorauth.services.importing import *  # noqa: F401,F403
from priorauth.services.intake import *  # noqa: F401,F403
from priorauth.services.pas import *  # noqa: F401,F403
from priorauth.services.patients import *  # noqa: F401,F403
from priorauth.services.rationales import *  # noqa: F401,F403
from priorauth.services.requests import *  # noqa: F401,F403
from priorauth.services.requests_copy import *  # noqa: F401,F403
from priorauth.services.routes import *  # noqa: F401,F403
from priorauth.services.signing import *  # noqa: F401,F403
from priorauth.services.signing_keys import *  # noqa: F401,F403
from priorauth.services.tracking import *  # noqa: F401,F403
from priorauth.services.workflow import *  # noqa: F401,F403
from priorauth.services.worklist import *  # noqa: F401,F403
