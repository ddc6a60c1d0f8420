"""Application services: the only layer that imports both the models and the rules.

Functions are keyword-only and named <entity>_<action>. One module per area;
this package re-exports the public functions.
"""

from priorauth.services.facts import *  # noqa: F401,F403
from priorauth.services.importing import *  # noqa: F401,F403
from priorauth.services.intake import *  # noqa: F401,F403
from priorauth.services.patients import *  # noqa: F401,F403
from priorauth.services.rationales import *  # noqa: F401,F403
from priorauth.services.requests import *  # noqa: F401,F403
from priorauth.services.signing import *  # noqa: F401,F403
from priorauth.services.signing_keys import *  # noqa: F401,F403
from priorauth.services.workflow import *  # noqa: F401,F403
from priorauth.services.worklist import *  # noqa: F401,F403
