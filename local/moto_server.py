"""moto's server on loopback, bound before it returns, so a busy port fails at once."""

import logging
import threading

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import BaseWSGIServer, make_server

from local import moto_speed


class MotoServer:
    """moto's AWS endpoints served from a daemon thread; ``port=0`` picks a free port."""

    def __init__(self, host: str = "127.0.0.1", port: int = 5000) -> None:
        # moto's ThreadedMotoServer binds inside its thread and waits forever when the port is taken.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per AWS call drowns the output
        moto_speed.install()
        app = DomainDispatcherApplication(create_backend_app)
        self._server: BaseWSGIServer = make_server(host, port, app, threaded=True,
                                                   request_handler=MotoRequestHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="moto", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "MotoServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join()
        self._server.server_close()


def lift_ses_quota() -> None:
    """Report SES's quota as unlimited (``-1``, as SES does for such accounts): moto reports the sandbox's 200
    mails a day and counts every mail since it started, so a long local session would end every Test
    integration with "no quota left". The send rate is a production account's first one, 14 a second (moto's
    is the sandbox's 1, which the delivery worker's pacing would follow)."""
    from moto.ses.models import SESBackend, SESQuota

    def get_send_quota(backend: SESBackend) -> SESQuota:
        quota = SESQuota(backend.sent_message_count)
        quota.max24_hour_send = -1
        quota.max_send_rate = 14
        return quota

    SESBackend.get_send_quota = get_send_quota  # type: ignore[method-assign]
