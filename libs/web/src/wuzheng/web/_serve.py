from __future__ import annotations

import uvicorn
from fastapi import FastAPI

from wuzheng.settings import ServiceSettings
from wuzheng.web._logging import configure_logging


def serve(settings: ServiceSettings, app: FastAPI) -> None:
    """Run ``app`` under uvicorn on ``settings.host:settings.port`` with JSON logs, until
    SIGINT/SIGTERM (then drain for up to 10 s). What a service's ``__main__`` calls."""
    configure_logging(settings.log_level, settings.service_name)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        lifespan="on",  # a resource that fails to start stops the process
        log_config=None,  # keep the JSON logging configured above
        access_log=False,  # the app writes its own access log, with route and caller
        server_header=False,
        timeout_graceful_shutdown=10,
    )
    uvicorn.Server(config).run()
