# One image for web, worker and beat (see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VAR_DIR=/var/lib/upstream

# WeasyPrint's Pango/HarfBuzz libraries, fonts that render Khmer, gettext for translators.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
        fonts-dejavu-core fonts-khmeros \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --system --create-home --home-dir /home/upstream upstream \
    && mkdir -p /var/lib/upstream && chown upstream /var/lib/upstream

WORKDIR /app
COPY pyproject.toml README.md ./
COPY config config
COPY casework casework
COPY assessments assessments
COPY safetyplans safetyplans
COPY reviews reviews
COPY referrals referrals
COPY reports reports
COPY security security
RUN pip install .
COPY . .

# Static files are collected at build time; the secret here is a throwaway for this one step.
RUN DEBUG=0 SECRET_KEY=build-only-collectstatic STATIC_ROOT=/app/staticfiles \
    python manage.py collectstatic --noinput

ENV STATIC_ROOT=/app/staticfiles
USER upstream
EXPOSE 8000
# gunicorn.conf.py: the access log leaves out query strings (they may carry a child's name).
CMD ["gunicorn", "config.wsgi:application", "--config", "gunicorn.conf.py", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
