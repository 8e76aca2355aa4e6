"""The `register_*` helpers `create_app` calls: extensions, security, blueprints, error
pages, templating. Nothing imports this module but grants/__init__.py."""

from __future__ import annotations

import logging
import traceback

import sqlalchemy as sa
from flask import (
    Flask,
    abort,
    current_app,
    flash,
    g,
    has_app_context,
    has_request_context,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from markupsafe import Markup
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from grants.extensions import babel, csrf, db, limiter, login_manager, migrate
from grants.web import CHANGE_LANGUAGE, group_label, language_choices, remember_language

log = logging.getLogger(__name__)


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


# Where a staff member without two-step verification may still go.
SETUP_ENDPOINTS = {"account.two_factor", "auth.logout", "static", "main.set_language"}


def _select_locale() -> str:
    langs = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI, background work: no cookie, no browser
        return langs[0]
    chosen = g.get("new_lang") or request.cookies.get("lang")
    if chosen in langs:
        return chosen
    if current_user and current_user.is_authenticated and current_user.preferred_language in langs:
        return current_user.preferred_language
    return request.accept_languages.best_match(langs) or langs[0]


def register_ops(app: Flask) -> None:
    """The log handler, and the hooks that give each request its id, count it in the
    metrics and write its access-log line (grants/ops)."""
    from grants.ops import instrument

    instrument.init_app(app)


def register_extensions(app: Flask) -> None:
    from grants.config import ROOT
    from grants.security.crypto import Keyring

    app.extensions["grants.keyring"] = Keyring.parse(app.config["DATA_KEYS"])
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    options = app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    options.setdefault("hide_parameters", True)  # no row values in error messages or logs
    if not uri.startswith("sqlite"):
        # A connection the server cut (a restart, a failover, an idle timeout) is found and
        # replaced when taken from the pool, instead of failing the request that took it.
        # One round trip per request that uses the database (README: "When Redis or
        # PostgreSQL goes away").
        options.setdefault("pool_pre_ping", True)
    db.init_app(app)
    if uri.startswith("sqlite"):
        with app.app_context():
            _configure_sqlite(db.engine)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True,
                     compare_type=True)
    from grants.security import breach, ratelimit

    breach.init_app(app)  # before CSRFProtect: masked tokens are unmasked before the check
    csrf.init_app(app)
    babel.init_app(app, locale_selector=_select_locale)
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", False)
    # The named limits' store, with its fallback to memory; it also sets short timeouts in
    # RATELIMIT_STORAGE_OPTIONS, which Flask-Limiter's own storage then takes (with its own
    # fallback, for a route that would ever be decorated with a limit).
    ratelimit.init_app(app)
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.unauthorized_handler(_to_login)
    login_manager.session_protection = None  # IP/UA changes are normal on mobile and Tor
    import grants.auth.sessions  # noqa: F401  (registers the request loader)
    from grants.jobs import queue

    queue.init_app(app)

    if app.config.get("TRUSTED_PROXIES"):
        hops = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def _to_login():
    """Log in, then back to the page asked for (its path only: see grants.auth.redirects)."""
    from grants.auth.redirects import here

    return redirect(url_for("auth.login", next=here()))


def _configure_sqlite(engine) -> None:
    """Foreign keys on, WAL, and pysqlite's transaction handling fixed so SAVEPOINT works;
    the database's files readable by their owner only."""
    from grants.security import dbfile

    path = dbfile.database_path(engine.url.database)
    if path:
        dbfile.create_private(path)

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=5000")
        # Readers never block the writer (a slow report no longer holds up a session
        # refresh); the setting stays with the database file. In-memory databases keep
        # their own mode.
        cur.execute("PRAGMA journal_mode=WAL")
        cur.close()
        if path:
            dbfile.tighten(path)  # a file made since, or one an older version made 0644

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn):
        # In WAL mode a transaction that has read cannot start writing once another worker
        # has committed (SQLITE_BUSY_SNAPSHOT, which busy_timeout does not wait out). A
        # request meant to change something takes the write lock at its start instead, and
        # waits its turn; reads stay concurrent.
        changing = (has_request_context() and request.method not in SAFE_METHODS) \
            or (has_app_context() and g.get("writes", False))  # the job worker's write
        conn.exec_driver_sql("BEGIN IMMEDIATE" if changing else "BEGIN")


def register_security(app: Flask) -> None:
    from grants import compression, policy
    from grants.security import breach, headers

    @app.after_request
    def _mask_then_compress(response):
        # Registered first, so it runs after every other after_request hook.
        return compression.compress(breach.mask_response(response))

    headers.init_app(app)
    policy.init_app(app)  # the answers `assignment` keeps within a request

    @app.before_request
    def _refuse_nul_bytes():
        # Nobody types a NUL byte, and PostgreSQL cannot hold one in text (psycopg raises,
        # a 500): refuse the request before a form, a query or the audit log sees it.
        if _has_nul(request.args) or _has_nul(request.form) or any(
                "\x00" in (f.filename or "") for f in request.files.values()):
            abort(400)

    @app.before_request
    def _require_login():
        g.lang = _select_locale()
        if request.endpoint is None or request.endpoint == "static":
            return None
        view = app.view_functions.get(request.endpoint)
        # A form kept for whoever's session lapsed, public or not: the emergency request
        # takes visitors too, and must not take a lapsed defender for a new one.
        if getattr(view, "_rescue", False) and not current_user.is_authenticated \
                and request.method == "POST" and g.get("lapsed_user_id"):
            kept = _rescue(view, g.lapsed_user_id)
            if kept is not None:
                return redirect(url_for("auth.login", next=kept))
        if getattr(view, "_public", False):
            return None
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if (current_user.is_staff and not current_user.totp_enabled
                and request.endpoint not in SETUP_ENDPOINTS):
            from grants.auth.redirects import here

            return redirect(url_for("account.two_factor", next=here()))
        return None

    @app.before_request
    def _language_in_a_form():
        # After the log-in check: a chooser posted with a form changes the language and
        # shows the form again with what was typed, without saving it (see base.html).
        if request.method == "POST" and request.form.get(CHANGE_LANGUAGE):
            return _change_language_keeping_typed(app.view_functions.get(request.endpoint))
        return None

    @app.after_request
    def _set_language_cookie(response):
        if g.get("new_lang"):
            remember_language(response, g.new_lang)
        return response


def _change_language_keeping_typed(view):
    """The chooser joined to a form (JavaScript off): the language changes, the form comes
    back in it with what was typed, unsaved. Logged in, the fields are kept (encrypted,
    bound to the account) across a redirect, so a reload posts nothing; on a public form
    the page is shown again at once."""
    from flask_babel import refresh

    from grants import rescue
    from grants.auth.redirects import here

    code = request.form.get("lang")
    if code in current_app.config["LANGUAGES"]:
        g.lang = g.new_lang = code
        refresh()
    if current_user.is_authenticated and getattr(view, "_rescue", False):
        skip = {"lang", CHANGE_LANGUAGE}
        fields = MultiDict([(k, v) for k, v in request.form.items(multi=True) if k not in skip])
        token = rescue.stash(current_user.id, rescue.page_endpoint(view), fields,
                             reason=rescue.LANGUAGE)
        return redirect(rescue.return_url(token, view))
    if not current_user.is_authenticated and getattr(view, "_retype", False):
        g.changing_language = True
        return None  # the view shows its form with the posted values, acting on nothing
    return redirect(here() or url_for("main.home"))


def _has_nul(values) -> bool:
    # A multipart part whose name is mangled (a line break in it) comes with no name.
    return any("\x00" in (key or "") or "\x00" in value
               for key, value in values.items(multi=True))


def _rescue(view, user_id: int) -> str | None:
    """Keep a lapsed POST's fields if the view allows; return the URL to come back to."""
    from grants import rescue

    if not getattr(view, "_rescue", False):
        return None
    db.session.rollback()
    token = rescue.stash(user_id, rescue.page_endpoint(view), request.form)
    if not current_user.is_authenticated:
        flash(_("Your session had expired. Log in again: what you typed is kept."), "info")
    return rescue.return_url(token, view)


def register_converters(app: Flask) -> None:
    """`<int:...>` in every route stops at what an id column holds (see grants.ids); set
    before the blueprints, whose rules take their converter when they are added."""
    from grants.ids import IdConverter

    app.url_map.converters["int"] = IdConverter


def register_blueprints(app: Flask) -> None:
    """Each feature package gives its blueprints with all their routes (its `blueprints()`
    imports its route modules): one place per feature, nothing imported back from here."""
    from grants import (
        admin,
        applications,
        auth,
        awards,
        funds,
        intermediaries,
        main,
        messages,
        ops,
        organisations,
        payments,
        rapid,
        reporting,
        review,
        voice,
    )

    for feature in (main, auth, organisations, funds, admin, applications, messages, review,
                    awards, payments, intermediaries, reporting, voice, rapid, ops):
        for bp in feature.blueprints():
            app.register_blueprint(bp)


ERROR_TEXT = {
    400: "The request could not be understood.",
    403: "You do not have access to this.",
    404: "We could not find that page.",
    405: "That action is not possible here.",
    413: "What you sent is too large. Please send less at once.",
    429: "Too many attempts. Please wait a few minutes and try again.",
    500: "Something went wrong on our side. Nothing you sent was shown to anyone.",
}


def register_errorhandlers(app: Flask) -> None:
    def render(code: int, message: str | None = None):
        db.session.rollback()
        text = message or _(ERROR_TEXT.get(code, ERROR_TEXT[400]))
        return render_template("errors/error.html", code=code, message=text), code

    @app.errorhandler(CSRFError)
    def _csrf(_exc):
        view = app.view_functions.get(request.endpoint or "")
        if current_user.is_authenticated:
            kept = _rescue(view, current_user.id)
            if kept is not None:
                return redirect(kept)
        elif g.get("lapsed_user_id"):  # the session lapsed as well: log in, then back
            kept = _rescue(view, g.lapsed_user_id)
            if kept is not None:
                return redirect(url_for("auth.login", next=kept))
        elif getattr(view, "_retype", False):
            # A public form (log in, register): shown again with what was typed; its own
            # CSRF check fails again, so it acts on nothing, and says why.
            db.session.rollback()
            response = make_response(app.ensure_sync(view)(**(request.view_args or {})))
            if response.status_code == 200:
                response.status_code = 400
            return response
        return render(400, _("This form had expired, so nothing was saved. Go back, reload "
                             "the page and send it again; your browser usually keeps what "
                             "you typed."))

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        if exc.code is None or exc.code < 400:
            return exc
        return render(exc.code)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        # Log the type and where, never the request's content or the exception's arguments.
        where = "".join(traceback.format_tb(exc.__traceback__))
        log.error("unhandled %s at %s\n%s", type(exc).__name__, request.endpoint, where)
        return render(500)


def _translations():
    """Flask-Babel's translations for this request, found once rather than on every `_()`.

    flask_babel.get_translations() looks up its context, the locale and a cache keyed by
    the locale's name each time: 10 us, and a page asks 10 to 60 times. The answer is kept
    with the locale object it was found for, so force_locale() and refresh() still win.
    """
    from flask_babel import get_translations

    ctx = g.get("_flask_babel") if has_request_context() else None
    if ctx is not None:
        kept = getattr(ctx, "grants_translations", None)
        if kept is not None and kept[0] is getattr(ctx, "babel_locale", None):
            return kept[1]
    translations = get_translations()
    ctx = g.get("_flask_babel") if has_request_context() else None
    if ctx is not None and getattr(ctx, "babel_locale", None) is not None:
        ctx.grants_translations = (ctx.babel_locale, translations)
    return translations


def bdi(name) -> Markup | str:
    """A name someone typed, as others see it: in <bdi>, so that a name written right to
    left, or ending in punctuation, cannot reorder the sentence or row around it. A control
    character in a name stored before they were refused cannot reach past it either."""
    if name is None or name == "":
        return ""
    return Markup("<bdi>%s</bdi>") % name  # escapes the name


def ref(code) -> Markup | str:
    """A reference code (an application's "GR-HRN4-8217", an award's "AW-HRN4-8217") as
    every page shows it: one unbreakable unit (class "ref": no line break at its hyphens,
    which a narrow screen would otherwise split it at), isolated from the text around it,
    and still the plain characters when copied or searched for."""
    if code is None or code == "":
        return ""
    return Markup('<bdi class="ref">%s</bdi>') % code


def group_name(org) -> Markup | str:
    """group_label, isolated as every name shown to others is (see bdi)."""
    return bdi(group_label(org))


def register_templating(app: Flask) -> None:
    from grants.admin.forms import role_label
    from grants.content import (
        application_title,
        call_title,
        display_title,
        in_language,
        other_language,
        shipped,
    )
    from grants.countries import country_name
    from grants.menu import main_menu
    from grants.money import format_money
    from grants.policy import Permission, can

    app.jinja_env.globals.update(format_money=format_money, country_name=country_name,
                                 role_label=role_label,
                                 main_menu=main_menu, display_title=display_title,
                                 group_name=group_name, in_language=in_language,
                                 other_language=other_language,
                                 application_title=application_title)
    app.jinja_env.filters["bdi"] = bdi
    app.jinja_env.filters["shipped"] = shipped
    app.jinja_env.filters["call_title"] = call_title
    app.jinja_env.filters["ref"] = ref

    @app.context_processor
    def _globals():
        lang = g.get("lang", "en")
        return {
            "can": can,
            "Permission": Permission,
            "lang": lang,
            "text_dir": "rtl" if lang in current_app.config["RTL_LANGUAGES"] else "ltr",
            "languages": language_choices() if len(current_app.config["LANGUAGES"]) > 1 else [],
        }

    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
        newstyle=True)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True


EXTRAS = "grants.extras"


def register_extras(app: Flask) -> None:
    """Let code that is not the portal plug into it: each entry point of the `grants.extras`
    group (pyproject.toml) is an `init_app(app)`. The demo data (`flask demo`, demo/) and
    the benchmark (`flask bench-data` and its bench-mode routes, bench/app/) come in this way,
    so the portal imports neither."""
    from importlib.metadata import entry_points

    for entry in sorted(entry_points(group=EXTRAS), key=lambda e: e.name):
        entry.load()(app)
