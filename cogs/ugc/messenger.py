"""Telling people things on whichever platform reaches them: a member by DM, a channel by its key.

Shared by the growth features (UGC, referrals, launches). Platform errors become ``None``/``False`` with
one log line: a closed DM or a channel the bot can't post in must not fail a command or a scheduled job.
"""

from __future__ import annotations

import logging

from bot.kit.platform import MessageRef, Place, Platform, place_from_key
from bot.kit.reply import Reply
from cogs.members.service import MemberService
from cogs.privacy.preferences import PreferenceStore
from cogs.services import Platforms

log = logging.getLogger("hearth.growth")


class Messenger:
    def __init__(self, platforms: Platforms, members: MemberService,
                 preferences: PreferenceStore | None = None) -> None:
        self.platforms = platforms
        self.members = members
        self.preferences = preferences

    async def dm(self, member_id: int, reply: Reply, *, unsolicited: bool = False) -> bool:
        """DM the member on the first of their platforms that delivers; False if none did.

        ``unsolicited`` messages (asks, nudges — not answers to something the member did) respect
        ``/privacy dms off`` (``/dm off``): they are not sent, and False is returned.
        """
        if unsolicited and self.preferences is not None and await self.preferences.dms_blocked([member_id]):
            return False
        view = await self.members.get(member_id)
        for identity in view.identities if view else ():
            platform = self.platforms.get(identity.platform)
            if platform is None or not platform.capabilities.direct_messages:
                continue
            try:
                if await platform.send_direct(identity.platform_user_id, reply) is not None:
                    return True
            except Exception:
                log.warning("DM to member %s on %s failed", member_id, identity.platform, exc_info=True)
        return False

    def platform_for(self, place: Place) -> Platform | None:
        return self.platforms.get(place.platform)

    async def post(self, place_key: str, reply: Reply) -> MessageRef | None:
        place = place_from_key(place_key)
        platform = self.platforms.get(place.platform)
        if platform is None:
            log.info("not posting to %s: %s isn't connected", place_key, place.platform)
            return None
        try:
            sent = await platform.send(place, reply)
        except Exception:
            log.warning("posting to %s failed", place_key, exc_info=True)
            return None
        if sent is None:
            log.warning("%s refused a post (does the bot have permission to post there?)", place_key)
        return sent

    async def thread(self, message: MessageRef, title: str) -> Place | None:
        """Open a thread on a post; None when the platform has none (or refused)."""
        platform = self.platforms.get(message.place.platform)
        if platform is None or not platform.capabilities.threads:
            return None
        try:
            place = await platform.create_thread(message, title)
        except Exception:
            log.warning("opening a thread on %s failed", message.place.key, exc_info=True)
            return None
        return None if place == message.place else place
