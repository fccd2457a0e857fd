"""`python -m realtime.serve [daphne options] chatstudio.asgi:application`: daphne, with an access
log that never shows `?token=` values (daphne logs HTTP paths with their query string)."""

import daphne.cli

from realtime.logredact import RedactingAccessLogGenerator


def main() -> None:
    daphne.cli.AccessLogGenerator = RedactingAccessLogGenerator
    daphne.cli.CommandLineInterface.entrypoint()


if __name__ == "__main__":
    main()
