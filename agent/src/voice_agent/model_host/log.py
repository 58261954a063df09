from __future__ import annotations

import logging

logger = logging.getLogger("voice_agent.model_host")
