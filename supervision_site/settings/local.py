"""Development on a laptop: the embedded defaults, debug on unless told."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
