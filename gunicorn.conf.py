"""gunicorn's settings for the web container (Dockerfile, docker-compose.yml pass `--config`).

The access log names the path, never the query string or the referring page: an address may
carry a child's name (an API search, `?q=`), and log files travel further than the database.
"""

# Who, when, "METHOD /path PROTOCOL", status, bytes, seconds taken, user agent.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)s "%(a)s"'
