"""The framework's ceiling for bench/compare.py: a Flask app that answers «Hello, World!» and nothing else."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    """Say hello."""
    return "Hello, World!"
