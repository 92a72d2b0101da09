"""Exit 0 if a PostgreSQL server answers at the given URL (used by `make test-postgres`)."""

import sys
from urllib.parse import urlparse


def main(url: str) -> int:
    import psycopg

    parsed = urlparse(url)
    try:
        with psycopg.connect(host=parsed.hostname or "127.0.0.1", port=parsed.port or 5432,
                             user=parsed.username or "postgres", password=parsed.password or None,
                             dbname="postgres", connect_timeout=3):
            return 0
    except psycopg.OperationalError as exc:
        print(f"PostgreSQL check: {str(exc).strip().splitlines()[0]}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
