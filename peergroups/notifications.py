"""The notifications groups and peer support send, registered with the outbox."""

from notifications import registry


def register_kinds() -> None:
    from .notifications_community import KINDS as COMMUNITY_KINDS
    from .notifications_groups import KINDS as GROUP_KINDS
    from .notifications_members import KINDS as MEMBER_KINDS
    from .notifications_peer import KINDS as PEER_KINDS
    from .notifications_themes import KINDS as THEME_KINDS

    for kind in [*GROUP_KINDS, *MEMBER_KINDS, *PEER_KINDS, *THEME_KINDS, *COMMUNITY_KINDS]:
        registry.register(kind)
