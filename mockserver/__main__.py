"""The ``mockserver`` command, and ``python -m mockserver``.

The CLI loads with the cyclic garbage collector off: what the start-up makes
(the modules, the app, the seeded data) lives as long as the process, so the
collections it set off found nothing to free and cost about 5% of the start-up
(callgrind). ``serve`` freezes it all and turns the collector back on;
``fixtures`` turns it on as it starts.
"""

import gc


def main() -> None:
    gc.disable()
    from mockserver.cli import main as cli

    cli()


if __name__ == "__main__":
    main()
