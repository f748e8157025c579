"""Who may see and change what in groups and peer support. Views fetch through here.

Out of scope answers 404; in scope but not allowed answers 403.
"""

from .community import *  # noqa: F403  (learning communities across organisations)
from .groups import *  # noqa: F403  (groups, members, meetings, registers, records)
from .peer_support import *  # noqa: F403  (peer support and the resource library)
from .themes import *  # noqa: F403  (themes for the organisation, external facilitators)
