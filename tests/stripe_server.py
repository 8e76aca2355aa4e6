"""A fake Stripe for the tests: localstripe on 127.0.0.1, plus what it lacks.

localstripe (PyPI) serves payment intents, payment methods, charges, refunds and events for
real over HTTP; the `stripe` SDK talks to it as it would to Stripe. Added here, following
Stripe's API reference, and nowhere else:

- Connect: `Account` (POST/GET /v1/accounts, Express), `AccountLink` (POST /v1/account_links,
  whose url is a page of this server that "completes" onboarding and sends the browser back
  to return_url), `Transfer` (POST/GET /v1/transfers; the destination must exist and have
  the transfers capability) and transfer reversals (POST /v1/transfers/{id}/reversals).
  No balance is checked (real Stripe refuses a transfer the platform balance cannot cover).
- Idempotency: a POST /v1/... with an Idempotency-Key is answered from memory when the same
  key comes again with the same parameters (header Idempotent-Replayed: true), and refused
  with 400 `idempotency_error` with other parameters. Only successful results are kept.
- Events localstripe does not raise: `charge.refunded` after a refund, `account.updated`,
  `transfer.created`, `transfer.reversed`. Webhooks are signed as localstripe signs them
  (Stripe's `t=...,v1=...` scheme), but each event goes to the endpoints registered when it
  was raised (so a late event of one test never reaches the next) after WEBHOOK_DELAY.
- `confirm` of a payment intent accepts `payment_method`, as Stripe.js sends it.
- Failure on demand: POST /_config/fail_next with `mode=error` (the next matching request
  gets a 500 and nothing happens) or `mode=drop` (it is carried out, then the connection is
  cut before the answer), optionally `path=/v1/transfers` (a prefix) and `method=POST`.
- State stays in memory: localstripe's pickle file (/tmp/localstripe.pickle) is never
  written or read. DELETE /_config/all wipes objects, kept idempotent results and pending failures.

Run alone: `python -m tests.stripe_server 8420`.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import re
import socket
import threading
import time
import warnings
from urllib.parse import parse_qsl, quote

import aiohttp
from aiohttp import web
from localstripe import resources as ls
from localstripe import webhooks as ls_webhooks
from localstripe.errors import UserError

with warnings.catch_warnings():  # localstripe registers plain functions as aiohttp handlers
    warnings.simplefilter("ignore", DeprecationWarning)
    from localstripe import server as ls_server

WEBHOOK_DELAY = 0.05  # seconds; localstripe waits 1 s
_idempotent: dict[tuple[str, str], tuple[list, int, bytes]] = {}
_failures: list[dict] = []


def _error(status: int, kind: str, message: str, **extra) -> web.Response:
    return ls_server.json_response({"error": {"type": kind, "message": message, **extra}},
                                   status=status)


class Account(ls.StripeObject):
    object = "account"
    _id_prefix = "acct_"

    def __init__(self, type=None, country=None, capabilities=None, metadata=None,  # noqa: A002
                 **kwargs):
        if kwargs:
            raise UserError(400, "Unexpected " + ", ".join(kwargs))
        if type not in ("express", "standard", "custom"):
            raise UserError(400, "Invalid type: must be one of express, standard, custom")
        super().__init__()
        self.type = type
        self.country = country or "US"
        self.email = None
        self.metadata = metadata or {}
        self.details_submitted = False
        self.charges_enabled = False
        self.payouts_enabled = False
        self.capabilities = {name: "inactive" for name in (capabilities or {})}
        self.requirements = {"currently_due": ["external_account"], "disabled_reason":
                             "requirements.past_due"}

    def _complete_onboarding(self):
        self.details_submitted = self.charges_enabled = self.payouts_enabled = True
        self.capabilities = {name: "active" for name in self.capabilities or {"transfers": 1}}
        self.requirements = {"currently_due": [], "disabled_reason": None}
        schedule_webhook(ls.Event("account.updated", self))


class TransferReversal(ls.StripeObject):
    object = "transfer_reversal"
    _id_prefix = "trr_"

    def __init__(self, transfer, amount, metadata=None):
        super().__init__()
        self.transfer = transfer.id
        self.amount = amount
        self.currency = transfer.currency
        self.metadata = metadata or {}


class Transfer(ls.StripeObject):
    object = "transfer"
    _id_prefix = "tr_"

    def __init__(self, amount=None, currency=None, destination=None, transfer_group=None,
                 metadata=None, description=None, **kwargs):
        if kwargs:
            raise UserError(400, "Unexpected " + ", ".join(kwargs))
        amount = ls.try_convert_to_int(amount)
        if not isinstance(amount, int) or amount <= 0 or not currency:
            raise UserError(400, "Bad request")
        account = ls.store.get("account:" + str(destination))
        if account is None:
            raise UserError(400, f"No such destination: '{destination}'")
        if account.capabilities.get("transfers") != "active":
            raise UserError(400, "Your destination account needs to have at least one of the "
                            "following capabilities enabled: transfers, crypto_transfers, "
                            "legacy_payments")
        super().__init__()
        self.amount, self.currency, self.destination = amount, currency, destination
        self.transfer_group, self.description = transfer_group, description
        self.metadata = metadata or {}
        self.destination_payment = "py_" + ls.random_id(14)
        self._reversals = []
        schedule_webhook(ls.Event("transfer.created", self))

    @property
    def amount_reversed(self):
        return sum(r.amount for r in self._reversals)

    @property
    def reversed(self):
        return self.amount_reversed >= self.amount

    @property
    def reversals(self):
        li = ls.List("/v1/transfers/" + self.id + "/reversals")
        li._list = list(self._reversals)
        return li

    @classmethod
    def _api_list_all(cls, url, limit=None, starting_after=None, destination=None,
                      transfer_group=None):
        li = super()._api_list_all(url, limit=limit, starting_after=starting_after)
        li._list = [t for t in li._list
                    if destination in (None, t.destination)
                    and transfer_group in (None, t.transfer_group)]
        return li

    @classmethod
    def _api_reverse(cls, id, amount=None, metadata=None, **kwargs):  # noqa: A002
        if kwargs:
            raise UserError(400, "Unexpected " + ", ".join(kwargs))
        transfer = cls._api_retrieve(id)
        left = transfer.amount - transfer.amount_reversed
        amount = left if amount is None else ls.try_convert_to_int(amount)
        if not isinstance(amount, int) or not 0 < amount <= left:
            raise UserError(400, "Amount must be no more than what is left of the transfer")
        reversal = TransferReversal(transfer, amount, metadata)
        transfer._reversals.append(reversal)
        schedule_webhook(ls.Event("transfer.reversed", transfer))
        return reversal


# --- webhooks: localstripe's signing, bound to the endpoints registered at raise time ----

def schedule_webhook(event):
    targets = list(ls_webhooks._webhooks.values())
    if targets:
        asyncio.ensure_future(_deliver(event, targets))


async def _deliver(event, targets):
    payload = json.dumps(event._export(), indent=2, sort_keys=True).encode()
    await asyncio.sleep(WEBHOOK_DELAY)
    for hook in targets:
        if hook.events is not None and event.type not in hook.events:
            continue
        signed = b"%d.%s" % (event.created, payload)
        signature = hmac.new(hook.secret.encode(), signed, hashlib.sha256).hexdigest()
        headers = {"Content-Type": "application/json; charset=utf-8",
                   "Stripe-Signature": f"t={event.created},v1={signature}"}
        try:
            async with aiohttp.ClientSession() as session, \
                    session.post(hook.url, data=payload, headers=headers) as r:
                await r.read()
        except aiohttp.ClientError:
            pass  # like Stripe's first attempt failing; localstripe does not retry


# --- the API additions --------------------------------------------------------------

async def _account_link(request):
    data = await ls_server.get_post_data(request) or {}
    account = Account._api_retrieve(str(data.get("account")))
    if not data.get("return_url") or not data.get("refresh_url"):
        raise UserError(400, "Missing required param: return_url, refresh_url")
    base = f"{request.scheme}://{request.host}"
    return ls_server.json_response({
        "object": "account_link", "created": int(time.time()),
        "expires_at": int(time.time()) + 300,
        "url": f"{base}/_config/onboard/{account.id}?return_url={quote(data['return_url'])}",
    })


async def _onboard(request):
    """The hosted onboarding, done at once: the account can now receive transfers."""
    account = Account._api_retrieve(request.match_info["id"])
    account._complete_onboarding()
    raise web.HTTPFound(request.query["return_url"])


async def _fail_next(request):
    data = await ls_server.get_post_data(request) or {}
    _failures.append({"mode": data.get("mode", "error"), "path": data.get("path", "/v1/"),
                      "method": data.get("method")})
    return web.Response()


async def _reset(request):
    ls.store.clear()
    _idempotent.clear()
    _failures.clear()
    return web.Response()


_CONFIRM = re.compile(r"^/v1/payment_intents/(\w+)/confirm$")


def _take_failure(method: str, path: str) -> str | None:
    for rule in _failures:
        if path.startswith(rule["path"]) and rule["method"] in (None, method):
            _failures.remove(rule)
            return rule["mode"]
    return None


@web.middleware
async def _failures_and_idempotency(request, handler):
    if not request.path.startswith("/v1/"):
        return await handler(request)
    mode = _take_failure(request.method, request.path)
    if mode == "error":
        return _error(500, "api_error", "Fake Stripe: failing this request on purpose.")
    if request.method == "POST" and _CONFIRM.match(request.path):
        handler = _confirm
    response = await _idempotent_call(request, handler)
    if mode == "drop":
        request.transport.abort()  # carried out, but the answer never arrives
    return response


async def _idempotent_call(request, handler):
    key = request.headers.get("Idempotency-Key")
    if request.method != "POST" or not key:
        return await handler(request)
    params = sorted(parse_qsl((await request.read()).decode(), keep_blank_values=True))
    scope = (request.headers.get("Authorization", ""), key)
    if scope in _idempotent:
        seen, status, body = _idempotent[scope]
        if seen != [request.path, params]:
            return _error(400, "idempotency_error", "Keys for idempotent requests can only be "
                          "used with the same parameters they were first used with.")
        return web.Response(body=body, status=status, content_type="application/json",
                            headers={"Idempotent-Replayed": "true", "Idempotency-Key": key})
    response = await handler(request)
    if response.status < 400:
        _idempotent[scope] = ([request.path, params], response.status, response.body)
    return response


def _patch_localstripe():
    """Once per process: memory-only state, our webhook delivery and the missing bits."""
    if getattr(ls, "_grants_patched", False):
        return
    ls._grants_patched = True
    ls.store.dump_to_disk = lambda: None  # never touch /tmp/localstripe.pickle
    ls.schedule_webhook = schedule_webhook  # what localstripe's resources call

    create_refund = ls.Refund._api_create.__func__

    def refund_and_tell(cls, **data):
        refund = create_refund(cls, **data)
        schedule_webhook(ls.Event("charge.refunded", ls.Charge._api_retrieve(refund.charge)))
        return refund

    ls.Refund._api_create = classmethod(refund_and_tell)


async def _confirm(request):
    # Reached from the outer middleware, so localstripe's error middleware is not around it.
    try:
        return await ls_server.api_extra(_confirm_with_method, None)(request)
    except UserError as exc:
        return exc.to_response()


def _confirm_with_method(id, payment_method=None, **kwargs):  # noqa: A002
    """localstripe's confirm, also taking the card's payment method as Stripe.js sends it."""
    if payment_method is not None:
        ls.PaymentMethod._api_retrieve(payment_method)
        ls.PaymentIntent._api_retrieve(id).payment_method = payment_method
    return ls.PaymentIntent._api_confirm(id, **kwargs)


def build_app() -> web.Application:
    """localstripe's aiohttp app with the additions (call before it starts serving)."""
    _patch_localstripe()
    app = ls_server.app
    if getattr(app, "_grants_routes", False):
        return app
    app._grants_routes = True
    app.middlewares.insert(0, _failures_and_idempotency)
    with warnings.catch_warnings():  # localstripe's GET handlers are plain functions
        warnings.simplefilter("ignore", DeprecationWarning)
        _add_routes(app.router)
    return app


def _add_routes(router) -> None:
    router.add_post("/_config/fail_next", _fail_next)
    router.add_delete("/_config/all", _reset)
    router.add_get("/_config/onboard/{id}", _onboard)
    router.add_post("/v1/account_links", _account_link)
    router.add_post("/v1/transfers/{id}/reversals",
                    ls_server.api_extra(Transfer._api_reverse, None))
    for cls in (Account, Transfer):
        base = "/v1/" + cls.object + "s"
        router.add_post(base, ls_server.api_create(cls, base))
        router.add_get(base + "/{id}", ls_server.api_retrieve(cls, base))
        router.add_post(base + "/{id}", ls_server.api_update(cls, base))
        router.add_get(base, ls_server.api_list_all(cls, base))


class FakeStripe:
    """The fake server in a daemon thread with its own event loop, on a free loopback port."""

    def __init__(self):
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._runner = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakeStripe:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, args=(sock, ready), daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the fake Stripe server did not start")
        return self

    async def _shutdown(self) -> None:
        for task in asyncio.all_tasks():  # webhooks not yet delivered
            if task is not asyncio.current_task():
                task.cancel()
        await self._runner.cleanup()

    def _serve(self, sock, ready) -> None:
        asyncio.set_event_loop(self._loop)
        self._runner = web.AppRunner(build_app(), access_log=None)
        self._loop.run_until_complete(self._runner.setup())
        self._loop.run_until_complete(web.SockSite(self._runner, sock).start())
        ready.set()
        self._loop.run_forever()

    def stop(self) -> None:
        future = asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop)
        future.result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()


if __name__ == "__main__":
    import sys

    _patch_localstripe()
    web.run_app(build_app(), host="127.0.0.1", port=int(sys.argv[1]) if sys.argv[1:] else 8420)
