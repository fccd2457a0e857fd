FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DEBUG=0
WORKDIR /app

COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY . .
RUN SECRET_KEY=build-only-collectstatic-key-not-used-at-runtime-0123456789 python manage.py collectstatic --noinput -v 0 \
    && useradd --create-home --uid 10001 chatstudio
USER chatstudio

EXPOSE 8000
# Run `python manage.py migrate` once per release (a separate job), then start the servers.
CMD ["python", "-m", "realtime.serve", "-b", "0.0.0.0", "-p", "8000", "--proxy-headers", "chatstudio.asgi:application"]
