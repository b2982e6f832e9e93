"""Company and agent accounts: creation and password checks."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError
from argon2.exceptions import VerificationError

from extensions import db
from tickets import sessions
from tickets.models import Company
from tickets.models import User
from tickets.policy import MOSCOW
from tickets.validators import DIGITS_RE

_hasher = PasswordHasher()
MIN_PASSWORD = 8


class AccountError(ValueError):
    """An account cannot be created as asked."""


def configure_hasher(**params: int) -> None:
    """Replace the Argon2 parameters (tests use cheap ones)."""
    global _hasher
    _hasher = PasswordHasher(**params)


def normalize_email(email: str) -> str:
    return email.strip().lower()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _new_lk_number() -> str:
    while True:
        number = str(secrets.randbelow(900_000) + 100_000)
        if db.session.scalar(db.select(Company.id).filter_by(lk_number=number)) is None:
            return number


def create_company(name: str, email: str, password: str, lk_number: str | None = None) -> User:
    """Create a company with its one account; return the account."""
    email = normalize_email(email)
    if not name.strip():
        raise AccountError("Укажите название компании")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"Пароль должен быть не короче {MIN_PASSWORD} символов")
    if db.session.scalar(db.select(User.id).filter_by(email=email)) is not None:
        raise AccountError(f"Адрес {email} уже занят другой учетной записью")
    if lk_number is not None:
        if not DIGITS_RE.fullmatch(lk_number):
            raise AccountError("Номер ЛК состоит только из цифр")
        if db.session.scalar(db.select(Company.id).filter_by(lk_number=lk_number)) is not None:
            raise AccountError(f"Компания с номером ЛК {lk_number} уже есть")
    company = Company(name=name.strip(), lk_number=lk_number or _new_lk_number())
    user = User(email=email, password_hash=hash_password(password), role="customer", name=name.strip(),
                company=company)
    db.session.add_all([company, user])
    db.session.commit()
    return user


def create_agent(email: str, password: str, name: str = "") -> User:
    """Create a support agent account."""
    email = normalize_email(email)
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"Пароль должен быть не короче {MIN_PASSWORD} символов")
    if db.session.scalar(db.select(User.id).filter_by(email=email)) is not None:
        raise AccountError(f"Адрес {email} уже занят другой учетной записью")
    user = User(email=email, password_hash=hash_password(password), role="agent",
                name=name.strip() or email.split("@")[0])
    db.session.add(user)
    db.session.commit()
    return user


def authenticate(email: str, password: str) -> User | None:
    """Return the active account with this email and password, or None."""
    user = db.session.scalar(db.select(User).filter_by(email=normalize_email(email)))
    if user is None or not user.active:
        # Hash anyway so a missing account takes as long as a wrong password.
        _hasher.hash(password)
        return None
    if not check_password(user, password):
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        db.session.commit()
    return user


# The time zones of Russia, west to east: the guide lists time mismatches as a known complaint.
TIMEZONES: tuple[tuple[str, str], ...] = (
    ("Europe/Kaliningrad", "Калининград (МСК−1, UTC+2)"),
    (MOSCOW, "Москва (МСК, UTC+3)"),
    ("Europe/Samara", "Самара (МСК+1, UTC+4)"),
    ("Asia/Yekaterinburg", "Екатеринбург (МСК+2, UTC+5)"),
    ("Asia/Omsk", "Омск (МСК+3, UTC+6)"),
    ("Asia/Novosibirsk", "Новосибирск (МСК+4, UTC+7)"),
    ("Asia/Krasnoyarsk", "Красноярск (МСК+4, UTC+7)"),
    ("Asia/Irkutsk", "Иркутск (МСК+5, UTC+8)"),
    ("Asia/Yakutsk", "Якутск (МСК+6, UTC+9)"),
    ("Asia/Vladivostok", "Владивосток (МСК+7, UTC+10)"),
    ("Asia/Magadan", "Магадан (МСК+8, UTC+11)"),
    ("Asia/Kamchatka", "Петропавловск-Камчатский (МСК+9, UTC+12)"),
)


def set_timezone(user: User, zone: str) -> None:
    """Show the company's times in this zone (pages and mail)."""
    if user.company is None:
        raise AccountError("Часовой пояс задается для учетной записи компании")
    if zone not in dict(TIMEZONES):
        raise AccountError("Выберите часовой пояс из списка")
    user.company.timezone = zone
    db.session.commit()


def check_password(user: User, password: str) -> bool:
    """True when password is the account's current password."""
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def change_password(user: User, current: str, new: str, keep_session: str = "") -> None:
    """Replace the password after checking the current one; every other session is signed out."""
    if not check_password(user, current):
        raise AccountError("Текущий пароль указан неверно")
    set_password(user, new, keep_session)


def set_password(user: User, new: str, keep_session: str = "") -> None:
    """Replace the password and end every session of the account but `keep_session`."""
    if len(new) < MIN_PASSWORD:
        raise AccountError(f"Пароль должен быть не короче {MIN_PASSWORD} символов")
    user.password_hash = hash_password(new)
    sessions.end_all(user, keep=keep_session)
    db.session.commit()
