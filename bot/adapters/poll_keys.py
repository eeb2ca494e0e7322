"""A platform's poll id → the kit's ``Poll.poll_key``, so votes reach the cog under its own key.

Kept on disk (bounded, newest kept) so votes on a poll posted before a restart still find their key.
Shared by the Discord (poll message id) and Telegram (poll id) adapters.
"""

from __future__ import annotations

import json
import logging
import os
from collections import OrderedDict
from pathlib import Path

log = logging.getLogger("hearth.adapters")
POLL_MEMORY = 5000


class PollKeys:
    def __init__(self, path: Path | None) -> None:
        self._path = path
        self._keys: OrderedDict[str, str] = OrderedDict()
        if path is not None and path.exists():
            try:
                loaded = json.loads(path.read_text(encoding="utf-8"))
                self._keys.update({str(k): str(v) for k, v in loaded.items()})
            except (OSError, ValueError, AttributeError) as problem:
                log.warning("can't read %s (%s): votes on older polls keep their platform ids", path, problem)

    def add(self, poll_id: str, poll_key: str) -> None:
        if not poll_key:
            return
        self._keys[poll_id] = poll_key
        while len(self._keys) > POLL_MEMORY:
            self._keys.popitem(last=False)
        self._save()

    def key_for(self, poll_id: str) -> str:
        """The kit's key for a poll Hearth sent, or the platform's id for polls it didn't."""
        return self._keys.get(poll_id, poll_id)

    def _save(self) -> None:
        if self._path is None:
            return
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            temporary = self._path.with_suffix(".tmp")
            temporary.write_text(json.dumps(self._keys), encoding="utf-8")
            os.replace(temporary, self._path)  # atomic: a crash never leaves half a file
        except OSError as problem:
            log.warning("can't write %s (%s): votes may lose their poll after a restart", self._path, problem)
