"""The Bot API methods the Telegram emulator answers (mixed into ``TelegramEmulator``).

Each ``api_<method>`` takes the decoded parameters and returns the ``result`` Telegram would, shaped
so python-telegram-bot 22.8 accepts it, or raises the error Telegram would give.
"""

from __future__ import annotations

import itertools
import secrets
import time
from typing import TYPE_CHECKING, Any

from tests.emulators import telegram_checks as checks

if TYPE_CHECKING:
    from tests.emulators.telegram import TelegramEmulator

    _Base = TelegramEmulator
else:
    _Base = object

ADMIN_RIGHTS = {"can_be_edited": False, "is_anonymous": False, "can_manage_chat": True, "can_delete_messages": True,
                "can_manage_video_chats": True, "can_restrict_members": True, "can_promote_members": False,
                "can_change_info": True, "can_invite_users": True, "can_post_stories": False,
                "can_edit_stories": False, "can_delete_stories": False}
_poll_ids = itertools.count(6100000000000000001)
_topic_ids = itertools.count(900)


def _error(code: int, description: str) -> Exception:
    from tests.emulators.telegram import ApiError

    return ApiError(code, description)


class MethodsMixin(_Base):
    # --- identity and webhooks ------------------------------------------------------------------

    async def api_getme(self, _p: dict[str, Any], _f: dict[str, bytes]) -> dict[str, Any]:
        return {**self.bot_user, "can_join_groups": True, "can_read_all_group_messages": False,
                "supports_inline_queries": False, "can_connect_to_business": False, "has_main_web_app": False}

    async def api_deletewebhook(self, params: dict[str, Any], _f: dict[str, bytes]) -> bool:
        self.webhook = {}
        if params.get("drop_pending_updates"):
            self._pending.clear()
        return True

    async def api_setwebhook(self, params: dict[str, Any], _f: dict[str, bytes]) -> bool:
        token = params.get("secret_token")
        if token is not None and not (1 <= len(token) <= 256 and token.replace("_", "").replace("-", "").isalnum()):
            raise checks.BadRequest("secret token contains unallowed characters")
        if not str(params.get("url", "")).startswith(("https://", "http://")):
            raise checks.BadRequest("bad webhook: An HTTPS URL must be provided for webhook")
        self.webhook = dict(params)
        if params.get("allowed_updates") is not None:
            self.allowed_updates = list(params["allowed_updates"])
        return True

    async def api_getwebhookinfo(self, _p: dict[str, Any], _f: dict[str, bytes]) -> dict[str, Any]:
        return {"url": self.webhook.get("url", ""), "has_custom_certificate": False,
                "pending_update_count": len(self._pending)}

    async def api_setmycommands(self, params: dict[str, Any], _f: dict[str, bytes]) -> bool:
        checks.check_commands(params.get("commands"))
        scope = params.get("scope") or {"type": "default"}
        self.commands[scope["type"]] = list(params["commands"])
        return True

    # --- messages -----------------------------------------------------------------------------------

    def _target(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = params.get("chat_id")
        if not isinstance(chat_id, int):
            raise checks.BadRequest("chat not found")
        if chat_id in self.blocked_by:
            raise _error(403, "Forbidden: bot was blocked by the user")
        if self.statuses.get((chat_id, self.bot_user["id"])) in {"left", "kicked"}:
            raise _error(403, "Forbidden: bot was kicked from the supergroup chat")
        chat = self.chat_object(chat_id)
        thread = params.get("message_thread_id")
        if thread is not None and not chat.get("is_forum"):
            raise checks.BadRequest("message thread not found")
        return chat

    def _new_message(self, chat: dict[str, Any], params: dict[str, Any], **content: Any) -> dict[str, Any]:
        message: dict[str, Any] = {"message_id": next(self._message_ids), "from": self.bot_user, "chat": chat,
                                   "date": int(time.time()), **content}
        if params.get("message_thread_id") is not None:
            message["message_thread_id"] = params["message_thread_id"]
            message["is_topic_message"] = True
        reply = params.get("reply_parameters")
        if isinstance(reply, dict) and (chat["id"], reply.get("message_id")) in self.messages:
            message["reply_to_message"] = self.messages[(chat["id"], reply["message_id"])]
        if params.get("reply_markup") is not None:
            message["reply_markup"] = params["reply_markup"]
        self.messages[(chat["id"], message["message_id"])] = {k: v for k, v in message.items()
                                                              if k != "reply_to_message"}
        return message

    async def api_sendmessage(self, params: dict[str, Any], _f: dict[str, bytes]) -> dict[str, Any]:
        chat = self._target(params)
        checks.check_text(params.get("text"), params.get("parse_mode"))
        checks.check_keyboard(params.get("reply_markup"))
        return self._new_message(chat, params, text=params["text"])

    async def api_editmessagetext(self, params: dict[str, Any], _f: dict[str, bytes]) -> dict[str, Any]:
        chat = self._target(params)
        stored = self.messages.get((chat["id"], params.get("message_id")))
        if stored is None:
            raise checks.BadRequest("message to edit not found")
        checks.check_text(params.get("text"), params.get("parse_mode"))
        checks.check_keyboard(params.get("reply_markup"))
        if stored.get("text") == params["text"] and stored.get("reply_markup") == params.get("reply_markup"):
            raise checks.BadRequest("message is not modified: specified new message content and reply markup are "
                                    "exactly the same as a current content and reply markup of the message")
        stored["text"], stored["edit_date"] = params["text"], int(time.time())
        stored.pop("reply_markup", None)  # an edit without a keyboard removes it
        if params.get("reply_markup") is not None:
            stored["reply_markup"] = params["reply_markup"]
        return stored

    async def api_deletemessage(self, params: dict[str, Any], _f: dict[str, bytes]) -> bool:
        if self.messages.pop((params.get("chat_id"), params.get("message_id")), None) is None:  # type: ignore[arg-type]
            raise checks.BadRequest("message to delete not found")
        return True

    async def api_sendphoto(self, params: dict[str, Any], files: dict[str, bytes]) -> dict[str, Any]:
        chat = self._target(params)
        checks.check_text(params.get("caption"), params.get("parse_mode"), limit=checks.CAPTION_LIMIT, caption=True)
        photo = [{"file_id": str(params.get("photo", "uploaded")), "file_unique_id": "u1", "width": 800,
                  "height": 600, "file_size": len(files.get("photo", b""))}]
        return self._new_message(chat, params, photo=photo, **({"caption": params["caption"]}
                                                               if params.get("caption") else {}))

    async def api_senddocument(self, params: dict[str, Any], files: dict[str, bytes]) -> dict[str, Any]:
        chat = self._target(params)
        checks.check_text(params.get("caption"), params.get("parse_mode"), limit=checks.CAPTION_LIMIT, caption=True)
        if "document" not in files and not params.get("document"):
            raise checks.BadRequest("there is no document in the request")
        document = {"file_id": f"doc{len(self.calls)}", "file_unique_id": f"d{len(self.calls)}",
                    "file_size": len(files.get("document", b""))}
        return self._new_message(chat, params, document=document)

    async def api_sendpoll(self, params: dict[str, Any], _f: dict[str, bytes]) -> dict[str, Any]:
        chat = self._target(params)
        texts = checks.check_poll(params.get("question"), params.get("options"))
        poll = {"id": str(next(_poll_ids)), "question": params["question"], "total_voter_count": 0,
                "options": [{"text": t, "voter_count": 0, "persistent_id": f"opt{n}"} for n, t in enumerate(texts)],
                "is_closed": False, "is_anonymous": params.get("is_anonymous", True),
                "type": params.get("type", "regular"),
                "allows_multiple_answers": bool(params.get("allows_multiple_answers", False)),
                "allows_revoting": True, "members_only": False}
        return self._new_message(chat, params, poll=poll)

    async def api_answercallbackquery(self, params: dict[str, Any], _f: dict[str, bytes]) -> bool:
        if not params.get("callback_query_id"):
            raise checks.BadRequest("query is too old and response timeout expired or query ID is invalid")
        if len(params.get("text") or "") > 200:
            raise checks.BadRequest("MESSAGE_TOO_LONG")
        return True

    # --- chats and members ------------------------------------------------------------------------

    def _member(self, chat_id: int, user_id: int) -> dict[str, Any]:
        user = self.bot_user if user_id == self.bot_user["id"] else self.users.get(user_id)
        if user is None:
            raise checks.BadRequest("PARTICIPANT_ID_INVALID")
        status = self.statuses.get((chat_id, user_id), "left")  # Telegram says "left" for non-members
        member: dict[str, Any] = {"status": status, "user": user}
        if status == "administrator":
            member.update(ADMIN_RIGHTS)
        elif status == "creator":
            member["is_anonymous"] = False
        elif status == "kicked":
            member["until_date"] = 0
        return member

    async def api_getchatmember(self, params: dict[str, Any], _f: dict[str, bytes]) -> dict[str, Any]:
        return self._member(int(params["chat_id"]), int(params["user_id"]))

    async def api_getchatadministrators(self, params: dict[str, Any], _f: dict[str, bytes]) -> list[dict[str, Any]]:
        chat_id = int(params["chat_id"])
        return [self._member(chat_id, user) for (chat, user), status in self.statuses.items()
                if chat == chat_id and status in {"administrator", "creator"}]

    async def api_getchat(self, params: dict[str, Any], _f: dict[str, bytes]) -> dict[str, Any]:
        chat_id = params.get("chat_id")
        if not isinstance(chat_id, int) or (chat_id not in self.chats and chat_id not in self.users):
            raise checks.BadRequest("chat not found")
        return {**self.chat_object(chat_id), "accent_color_id": 0, "max_reaction_count": 11,
                "accepted_gift_types": {"unlimited_gifts": False, "limited_gifts": False, "unique_gifts": False,
                                        "premium_subscription": False, "gifts_from_channels": False}}

    async def api_createchatinvitelink(self, params: dict[str, Any], _f: dict[str, bytes]) -> dict[str, Any]:
        self._target(params)
        limit, name = params.get("member_limit"), params.get("name")
        if limit is not None and not 1 <= int(limit) <= 99999:
            raise checks.BadRequest("USAGE_LIMIT_INVALID")
        if limit is not None and params.get("creates_join_request"):
            raise checks.BadRequest("member_limit can't be specified for links requiring administrator approval")
        if name is not None and len(name) > 32:
            raise checks.BadRequest("invite link name is too long")
        link = {"invite_link": f"https://t.me/+{secrets.token_urlsafe(12)}", "creator": self.bot_user,
                "creates_join_request": bool(params.get("creates_join_request")), "is_primary": False,
                "is_revoked": False, **{k: params[k] for k in ("name", "member_limit", "expire_date")
                                        if params.get(k) is not None}}
        self.invite_links.append({**link, "chat_id": params["chat_id"]})
        return link

    async def api_approvechatjoinrequest(self, params: dict[str, Any], _f: dict[str, bytes]) -> bool:
        key = (int(params["chat_id"]), int(params["user_id"]))
        if key not in self.join_requests:
            raise checks.BadRequest("HIDE_REQUESTER_MISSING")
        self.join_requests.discard(key)
        self.statuses[key] = "member"
        return True

    async def api_declinechatjoinrequest(self, params: dict[str, Any], _f: dict[str, bytes]) -> bool:
        key = (int(params["chat_id"]), int(params["user_id"]))
        if key not in self.join_requests:
            raise checks.BadRequest("HIDE_REQUESTER_MISSING")
        self.join_requests.discard(key)
        return True

    async def api_banchatmember(self, params: dict[str, Any], _f: dict[str, bytes]) -> bool:
        self._target(params)
        self.statuses[(int(params["chat_id"]), int(params["user_id"]))] = "kicked"
        return True

    async def api_unbanchatmember(self, params: dict[str, Any], _f: dict[str, bytes]) -> bool:
        key = (int(params["chat_id"]), int(params["user_id"]))
        if self.statuses.get(key) == "kicked" or not params.get("only_if_banned"):
            self.statuses[key] = "left"
        return True

    async def api_createforumtopic(self, params: dict[str, Any], _f: dict[str, bytes]) -> dict[str, Any]:
        chat = self._target({k: v for k, v in params.items() if k != "message_thread_id"})
        if not chat.get("is_forum"):
            raise checks.BadRequest("the chat is not a forum")
        name = params.get("name") or ""
        if not 1 <= len(name) <= 128:
            raise checks.BadRequest("TOPIC_TITLE_EMPTY" if not name else "TOPIC_TITLE_INVALID")
        return {"message_thread_id": next(_topic_ids), "name": name, "icon_color": 7322096}
