"""Error pages in Russian."""

from __future__ import annotations

import math

from flask import Flask
from flask import jsonify
from flask import make_response
from flask import request
from flask_limiter import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from views.limits import retry_after
from views.rendering import render

MESSAGES = {
    400: ("Неверный запрос", "Запрос не удалось разобрать. Вернитесь назад и попробуйте еще раз."),
    403: ("Нет доступа", "У этой учетной записи нет доступа к странице."),
    404: ("Страница не найдена", "Такой страницы нет. Возможно, ссылка устарела."),
    405: ("Действие недоступно", "Этот адрес не принимает такой запрос."),
    413: ("Слишком большой запрос", "Файлы вместе весят слишком много. Приложите их по частям: не больше 10 файлов по 20 МБ."),
    429: ("Слишком много попыток", "Слишком много попыток. Попробуйте снова через минуту."),
    500: ("Что-то пошло не так", "На нашей стороне произошла ошибка. Ее уже записали; попробуйте еще раз через минуту."),
}


def _page(code: int, message: str | None = None):
    title, default = MESSAGES.get(code, MESSAGES[500])
    if request.path.startswith("/api/"):
        return jsonify(error=message or default), code
    return render("error.html", status=code, title=title, message=message or default)


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        return _page(400, "Форма устарела (истек срок защиты от подделки). Обновите страницу и отправьте форму снова.")

    @app.errorhandler(RateLimitExceeded)
    def too_many(exc: RateLimitExceeded):
        seconds = retry_after()
        minutes = math.ceil(seconds / 60)
        what = "запросов" if request.path.startswith("/api/") else "попыток"
        response = make_response(_page(429, f"Слишком много {what}. Попробуйте снова через {minutes} мин."))
        response.headers["Retry-After"] = str(seconds)
        return response

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        return _page(exc.code or 500)

    @app.errorhandler(500)
    def server_error(exc):
        return _page(500)
