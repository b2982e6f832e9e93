"""CLI commands for accounts."""

from __future__ import annotations

import click

from tickets.accounts import AccountError
from tickets.accounts import create_agent
from tickets.accounts import create_company

accounts_cli = click.Group("accounts", help="Учетные записи компаний и специалистов.")


@accounts_cli.command("create-company")
@click.option("--name", required=True, help="Название компании")
@click.option("--email", required=True, help="Адрес учетной записи (можно почтовую группу)")
@click.option("--password", required=True, help="Пароль, не короче 8 символов")
@click.option("--lk-number", default=None, help="Номер ЛК; по умолчанию выдается новый")
def create_company_command(name: str, email: str, password: str, lk_number: str | None) -> None:
    """Create a company and its single account; print its ЛК number."""
    try:
        user = create_company(name, email, password, lk_number)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Компания «{user.company.name}» создана. Номер ЛК: {user.company.lk_number}")


@accounts_cli.command("create-agent")
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option("--name", default="", help="Имя, которое видят клиенты")
def create_agent_command(email: str, password: str, name: str) -> None:
    """Create a support agent account."""
    try:
        user = create_agent(email, password, name)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Специалист {user.email} создан.")


DEMO_COMPANY = ("Демо-компания", "demo@example.com", "demo-password", "100200")
DEMO_AGENT = ("agent@example.com", "agent-password", "Специалист поддержки")


@accounts_cli.command("demo")
def demo_command() -> None:
    """Create the demo company and agent on first start; print how to log in."""
    from extensions import db
    from tickets.models import User

    name, email, password, lk_number = DEMO_COMPANY
    if db.session.scalar(db.select(User.id).filter_by(email=email)) is None:
        create_company(name, email, password, lk_number)
        click.echo("Создана демо-учетная запись компании.")
    agent_email, agent_password, agent_name = DEMO_AGENT
    if db.session.scalar(db.select(User.id).filter_by(email=agent_email)) is None:
        create_agent(agent_email, agent_password, agent_name)
    click.echo(f"Вход для компании: {email} / {password} (номер ЛК {lk_number})")
    click.echo(f"Вход для специалиста: {agent_email} / {agent_password}")
