"""The web app: health check and the front page, on a real database."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlmodel import Session

from bot.app import create_app
from core import db
from core.clock import FixedClock
from core.schools import add_school
from core.settings import Settings


def test_health_check_reports_the_database_ok(tmp_path: Path) -> None:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'r.db'}"))
    with TestClient(app) as client:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_health_check_fails_when_the_database_is_unreachable(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'missing-folder' / 'r.db'}"
    app = create_app(Settings(database_url=url, migrate_on_start=False))
    with TestClient(app) as client:
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


def test_start_up_migrates_the_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'r.db'}"
    with TestClient(create_app(Settings(database_url=url))):
        pass
    assert db.current_revision(db.make_engine(url)) == db.head_revision()


def test_the_front_page_says_it_is_running(tmp_path: Path, clock: FixedClock) -> None:
    url = f"sqlite:///{tmp_path / 'r.db'}"
    engine = db.make_engine(url)
    db.upgrade(engine)
    with Session(engine) as session:
        add_school(session=session, clock=clock, name="Hillside")
        session.commit()
    with TestClient(create_app(Settings(database_url=url))) as client:
        page = client.get("/")
    assert page.status_code == 200
    assert "Running. 1 school set up." in page.text
    assert "Channels switched on: simulator." in page.text
