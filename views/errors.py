"""Error pages in Russian."""

from __future__ import annotations

import math

from flask import Flask
from flask import Response
from flask import current_app
from flask import jsonify
from flask import make_response
from flask import request
from flask_limiter import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import RequestEntityTooLarge

from extensions import db
from tickets import current_policy
from tickets.storage import StoredFileMissing
from tickets.storage import StoreUnavailable
from views.limits import retry_after
from views.rendering import render

MESSAGES = {
    400: ("Неверный запрос", "Запрос не удалось разобрать. Вернитесь назад и попробуйте еще раз."),
    403: ("Нет доступа", "У этой учетной записи нет доступа к странице."),
    404: ("Страница не найдена", "Такой страницы нет. Возможно, ссылка устарела."),
    405: ("Действие недоступно", "Этот адрес не принимает такой запрос."),
    413: ("Слишком большой запрос", "Файлы вместе весят слишком много."),
    429: ("Слишком много попыток", "Слишком много попыток. Попробуйте снова через минуту."),
    503: ("Файлы временно недоступны", "Хранилище файлов сейчас не отвечает. Попробуйте открыть файл через несколько "
                                       "минут — он никуда не делся."),
    500: ("Что-то пошло не так", "На нашей стороне произошла ошибка. Ее уже записали; попробуйте еще раз через минуту."),
}


def _page(code: int, message: str | None = None):
    title, default = MESSAGES.get(code, MESSAGES[500])
    if request.path.startswith("/api/"):
        return jsonify(error=message or default), code
    return render("error.html", status=code, title=title, message=message or default)


def too_large_message() -> str:
    """Why a post was refused as too large, with the limits, and how to get the form back."""
    policy = current_policy()
    limit = (f"за один раз можно отправить не больше {current_app.config['MAX_CONTENT_LENGTH'] // 1048576} МБ; "
             f"к одному сообщению — до {policy.max_attachments} файлов по {policy.max_attachment_size // 1048576} МБ")
    lead = f"Вы отправили {request.content_length / 1048576:.0f} МБ, а {limit}" if request.content_length else (
        limit[0].upper() + limit[1:])
    return (f"{lead}. Вернитесь назад кнопкой браузера «Назад»: текст формы браузер сохранил. "
            "Уберите лишние или большие файлы и отправьте снова.")


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        return _page(400, "Форма устарела (истек срок защиты от подделки). Обновите страницу и отправьте форму снова.")

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(exc: RequestEntityTooLarge):
        return _page(413, too_large_message())
    @app.errorhandler(RateLimitExceeded)
    def too_many(exc: RateLimitExceeded):
        seconds = retry_after()
        minutes = math.ceil(seconds / 60)
        what = "запросов" if request.path.startswith("/api/") else "попыток"
        response = make_response(_page(429, f"Слишком много {what}. Попробуйте снова через {minutes} мин."))
        response.headers["Retry-After"] = str(seconds)
        return response

    @app.errorhandler(StoreUnavailable)
    def store_down(exc: StoreUnavailable):
        app.logger.error("File store unavailable: %s", exc)
        response = make_response(_page(503))
        response.headers["Retry-After"] = "60"
        return response

    @app.errorhandler(StoredFileMissing)
    def file_missing(exc: StoredFileMissing):
        # A row whose bytes are gone: the user can do nothing about it, an operator can.
        app.logger.error("Stored file missing: %s", exc)
        return _page(404)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        return _page(exc.code or 500)

    @app.errorhandler(500)
    def server_error(exc):
        # The failed request may have left the transaction broken: the page itself reads the account.
        db.session.rollback()
        try:
            return _page(500)
        except Exception:
            app.logger.exception("The error page failed too")
            title, message = MESSAGES[500]
            return Response(f"{title}. {message}\n", 500, content_type="text/plain; charset=utf-8")
