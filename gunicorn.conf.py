"""gunicorn's settings for the web container (Dockerfile, docker-compose.yml pass `--config`).

The access log names the path, never the query string or the referring page: an address may
carry a child's name (an API search, `?q=`), and log files travel further than the database.
"""

import os

# Who, when, "METHOD /path PROTOCOL", status, bytes, seconds taken, user agent.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)s "%(a)s"'

# The proxies we trust are one list, TRUSTED_PROXIES, for gunicorn as for the application.
# gunicorn's forwarded_allow_ips says whose X-Forwarded-Proto (and SCRIPT_NAME, PATH_INFO) it
# believes; it never changes REMOTE_ADDR, and it does not read X-Forwarded-For. The client's
# address behind a proxy is the application's business (casework/client_ip.py), from the same
# list. Unset, gunicorn keeps its own default (FORWARDED_ALLOW_IPS, else 127.0.0.1 and ::1), and
# a `--forwarded-allow-ips` on the command line still wins over this file.
_trusted_proxies = os.environ.get("TRUSTED_PROXIES", "").strip()
if _trusted_proxies:
    forwarded_allow_ips = _trusted_proxies
