FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml constraints.txt README.md ./
COPY exoresist ./exoresist
COPY evidence ./evidence
RUN pip install --no-cache-dir -c constraints.txt .
COPY . .
# collectstatic needs settings but no database, secret or hosts: give it throwaway values.
RUN DJANGO_SECRET_KEY=collectstatic-only-not-a-real-secret-key-0123456789abcdefghijklmnop \
    DJANGO_ALLOWED_HOSTS=localhost DATABASE_URL=postgres://collectstatic@localhost/unused \
    python manage.py collectstatic --noinput
RUN useradd --system --no-create-home exoresist \
    && mkdir -p /releases && chown exoresist /releases
USER exoresist
EXPOSE 8000
CMD ["gunicorn", "-c", "gunicorn.conf.py"]
